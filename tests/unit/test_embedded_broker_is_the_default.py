"""With no CELERY_BROKER_URL, Celery uses the filesystem broker under var/ (not eager calls),
and kombu's "No hostname was supplied" warning never reaches the output."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json, os
import django
django.setup()
from django.conf import settings
from continuity.celery import app
with app.connection_for_write() as connection:
    connection.info()
    channel = connection.default_channel
    channel.queue_declare(queue="embedded-test")
    connection.SimpleQueue("embedded-test").put({"hello": "world"})
    queued = sorted(os.listdir(settings.BROKER_DIR / "queue"))
print(json.dumps({
    "broker": app.conf.broker_url,
    "eager": app.conf.task_always_eager,
    "folder": app.conf.broker_transport_options["data_folder_in"],
    "queued": len(queued),
    "beat": app.conf.beat_schedule_filename,
}))
"""


def run(tmp_path: Path, **extra: str) -> tuple[dict, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "continuity.settings",
        "DEBUG": "1",
        "DATABASE_URL": "",
        "CELERY_BROKER_URL": "",
        "CELERY_TASK_ALWAYS_EAGER": "",
        "CONTINUITY_VAR_DIR": str(tmp_path),
        **extra,
    }
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1]), done.stderr


def test_no_broker_url_means_files_under_var_and_real_workers(tmp_path):
    found, stderr = run(tmp_path)
    assert found["broker"] == "filesystem://"
    assert found["eager"] is False
    assert found["folder"] == str(tmp_path / "broker" / "queue")
    assert found["queued"] == 1  # the message is a file in var/broker/queue
    assert found["beat"] == str(tmp_path / "celerybeat-schedule")
    assert "No hostname was supplied" not in stderr
    assert stderr == ""


def test_eager_mode_stays_available(tmp_path):
    found, _ = run(tmp_path, CELERY_TASK_ALWAYS_EAGER="1")
    assert found["eager"] is True
