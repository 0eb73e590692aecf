"""Settings come from the environment; a value they do not understand stops start-up."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from continuity.env import env_bool, env_int

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("raw, expected", [(None, 7), ("", 7), ("12", 12), (" 0 ", 0), ("-3", -3)])
def test_integers_are_read_with_their_default(monkeypatch, raw, expected):
    if raw is None:
        monkeypatch.delenv("CONTINUITY_TEST_INT", raising=False)
    else:
        monkeypatch.setenv("CONTINUITY_TEST_INT", raw)
    assert env_int("CONTINUITY_TEST_INT", 7) == expected


@pytest.mark.parametrize("raw, message", [("ten", "not an integer"), ("-1", "below its minimum")])
def test_a_bad_integer_names_the_variable(monkeypatch, raw, message):
    monkeypatch.setenv("CONTINUITY_TEST_INT", raw)
    with pytest.raises(ImproperlyConfigured, match=f"CONTINUITY_TEST_INT=.*{message}"):
        env_int("CONTINUITY_TEST_INT", 7, minimum=0)


def test_a_boolean_must_be_one_of_the_known_spellings(monkeypatch):
    monkeypatch.setenv("CONTINUITY_TEST_BOOL", "Yes")
    assert env_bool("CONTINUITY_TEST_BOOL", False) is True
    monkeypatch.setenv("CONTINUITY_TEST_BOOL", "maybe")
    with pytest.raises(ImproperlyConfigured, match="CONTINUITY_TEST_BOOL"):
        env_bool("CONTINUITY_TEST_BOOL", False)


def test_a_negative_derivation_delay_stops_start_up():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "continuity.settings"}
    env["DERIVATION_DELAY_MS"] = "-500"
    started = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert started.returncode != 0
    assert "DERIVATION_DELAY_MS='-500' is below its minimum, 0" in started.stderr
