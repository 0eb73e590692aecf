"""A metrics token too short to be a secret, or a network that is not one, stops start-up."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "name, value, message",
    [
        ("METRICS_TOKEN", "short-token", "METRICS_TOKEN must be at least 32 characters long"),
        ("METRICS_ALLOWED_NETWORKS", "10.0.0.0/8,intranet", "'intranet' is not a network"),
    ],
)
def test_a_bad_metrics_setting_names_itself(name, value, message):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "continuity.settings", "DEBUG": "1", name: value}
    started = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert started.returncode != 0
    assert message in started.stderr
