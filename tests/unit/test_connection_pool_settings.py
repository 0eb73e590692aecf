"""The pool is on for PostgreSQL by default, sized from the environment, and refuses to
start next to DB_CONN_MAX_AGE (Django allows one or the other)."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
POSTGRES = "postgres://postgres@127.0.0.1:5432/continuity_settings_only"
SHOW = (
    "import json, django; django.setup(); from django.conf import settings; "
    "d = settings.DATABASES['default']; "
    "print(json.dumps({'pool': d['OPTIONS'].get('pool'), 'age': d['CONN_MAX_AGE']}))"
)
POOL_VARIABLES = ("DB_POOL_MIN_SIZE", "DB_POOL_MAX_SIZE", "DB_POOL_TIMEOUT", "DB_CONN_MAX_AGE")


def start(**variables: str) -> subprocess.CompletedProcess:
    """Load the settings in a fresh process with only ``variables`` of the pool's set."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "continuity.settings", "DEBUG": "1"}
    for name in POOL_VARIABLES:
        env.pop(name, None)
    env.update(variables)
    return subprocess.run(
        [sys.executable, "-c", SHOW], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def shown(started: subprocess.CompletedProcess) -> dict:
    assert started.returncode == 0, started.stderr
    return json.loads(started.stdout.strip().splitlines()[-1])


def test_postgresql_gets_a_pool_by_default():
    assert shown(start(DATABASE_URL=POSTGRES)) == {
        "pool": {"min_size": 1, "max_size": 4, "timeout": 10},
        "age": 0,
    }


def test_the_pool_is_sized_from_the_environment():
    started = start(
        DATABASE_URL=POSTGRES, DB_POOL_MIN_SIZE="2", DB_POOL_MAX_SIZE="8", DB_POOL_TIMEOUT="3"
    )
    assert shown(started)["pool"] == {"min_size": 2, "max_size": 8, "timeout": 3}


def test_a_pool_size_of_zero_turns_it_off_and_lets_connections_persist():
    started = start(DATABASE_URL=POSTGRES, DB_POOL_MAX_SIZE="0", DB_CONN_MAX_AGE="60")
    assert shown(started) == {"pool": None, "age": 60}


def test_sqlite_has_no_pool(tmp_path):
    assert shown(start(DATABASE_URL=f"sqlite:///{tmp_path / 'demo.sqlite3'}"))["pool"] is None


def test_persistent_connections_next_to_the_pool_stop_start_up():
    started = start(DATABASE_URL=POSTGRES, DB_CONN_MAX_AGE="60")
    assert started.returncode != 0
    assert "DB_CONN_MAX_AGE and the connection pool exclude each other" in started.stderr


def test_a_minimum_above_the_maximum_stops_start_up():
    started = start(DATABASE_URL=POSTGRES, DB_POOL_MIN_SIZE="5", DB_POOL_MAX_SIZE="2")
    assert started.returncode != 0
    assert "DB_POOL_MIN_SIZE=5 is above DB_POOL_MAX_SIZE=2" in started.stderr
