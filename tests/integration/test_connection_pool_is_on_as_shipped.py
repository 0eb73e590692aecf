"""PostgreSQL connections come from a per-process pool with the settings as shipped.

One gunicorn worker serves many authenticated requests over few backend connections
(PostgreSQL's own count of sessions opened on the database says how many), and a forked
child never uses the connection its parent holds.
"""

import json
import os
import subprocess
import sys

import pytest
from django.db import connection

from tests import live
from tests.factories import CustomerFactory, WorkflowFactory, make_key
from tests.integration.helpers import client_for

pytestmark = pytest.mark.integration

REQUESTS = 40
APP_NAME = "continuity-pool-test"  # libpq's PGAPPNAME labels the server's connections
POOL_SETTINGS = ("DB_POOL_MIN_SIZE", "DB_POOL_MAX_SIZE", "DB_POOL_TIMEOUT", "DB_CONN_MAX_AGE")


@pytest.fixture
def postgres(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("the connection pool is for PostgreSQL (set DATABASE_URL=postgres://…)")


def sessions_opened() -> int:
    """Sessions PostgreSQL has counted on this database (a backend reports it by exit)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT sessions FROM pg_stat_database WHERE datname = current_database()")
        return cursor.fetchone()[0]


def other_backends() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND application_name = %s",
            [APP_NAME],
        )
        return cursor.fetchone()[0]


def backends_left() -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, application_name, state, query FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return f"the server's backends to exit: {cursor.fetchall()}"


def shipped_environment() -> dict[str, str]:
    """The test database, no broker, and none of the pool settings: their defaults rule."""
    env = {
        "DATABASE_URL": live.database_url(),
        "CELERY_BROKER_URL": "",
        "DEBUG": "0",
        "PGAPPNAME": APP_NAME,
    }
    for name in POOL_SETTINGS:
        env[name] = ""  # an empty variable reads as unset (continuity/env.py)
    return env


def test_one_worker_serves_many_requests_over_a_few_connections(postgres):
    customer = CustomerFactory()
    WorkflowFactory(customer=customer)
    key = make_key(customer=customer, scopes=("read",))
    with live.serve_wsgi(shipped_environment(), workers=1) as base_url:
        before = sessions_opened()
        with client_for(base_url, key) as client:
            statuses = {client.get("/api/v1/workflows/").status_code for _ in range(REQUESTS)}
        assert statuses == {200}
    # Stopping gunicorn closes its pool; once its backends are gone their sessions are counted.
    live.wait_until(lambda: other_backends() == 0, 10, message=backends_left)
    opened = sessions_opened() - before
    # Without a pool (CONN_MAX_AGE=0) every request opens one: 40.
    assert 1 <= opened <= 4, f"{REQUESTS} requests opened {opened} connections"


CHILD = """
import json, os, sys
import django
django.setup()
from django.db import connection

def backend_pid():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]

parent_pid = backend_pid()
read, write = os.pipe()
child = os.fork()
if child == 0:
    try:
        os.write(write, json.dumps(backend_pid()).encode())
    finally:
        os._exit(0)
os.close(write)
os.waitpid(child, 0)
child_pid = json.loads(os.read(read, 100))
print(json.dumps({"parent": parent_pid, "child": child_pid, "parent_after": backend_pid()}))
"""


def test_a_forked_child_opens_its_own_pool_and_leaves_the_parents_connection_alone(postgres):
    env = {
        **os.environ,
        **shipped_environment(),
        "DJANGO_SETTINGS_MODULE": "continuity.settings",
    }
    ran = subprocess.run(
        [sys.executable, "-c", CHILD],
        cwd=live.ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ran.returncode == 0, ran.stderr
    pids = json.loads(ran.stdout.strip().splitlines()[-1])
    assert pids["child"] != pids["parent"]  # an inherited connection would be the same backend
    assert pids["parent_after"] == pids["parent"]  # and the parent's is still alive and its own
