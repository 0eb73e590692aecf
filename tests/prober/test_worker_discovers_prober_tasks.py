"""A worker's task discovery registers the prober's tasks under the names beat and queued
messages use, in a fresh interpreter (nothing imported beforehand, as in `celery worker`)."""

import subprocess
import sys

from django.conf import settings

from tests.live import ROOT

PROBER_TASKS = {
    "incidents.prober_dispatch",
    "incidents.prober_run",
    "incidents.prober_store_results",
}
DISCOVER = (
    "from continuity.celery import app\n"
    "app.loader.import_default_modules()\n"
    "print(*sorted(app.tasks), sep='\\n')\n"
)


def test_discovery_registers_prober_tasks_and_every_scheduled_task():
    discovered = subprocess.run(
        [sys.executable, "-c", DISCOVER],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout.split()
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert PROBER_TASKS | scheduled <= set(discovered)
