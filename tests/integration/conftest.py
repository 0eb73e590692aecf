"""Fixtures that run the real thing: gunicorn, a Celery worker, Redis, PostgreSQL.

Every fixture here depends on ``transactional_db``: rows a test creates are committed, so
the server and worker subprocesses (pointed at the *test* database) see them, and the
processes are stopped before pytest-django truncates the tables after the test.

The Redis database of the broker is flushed at the start of each test, so a message
left over from an earlier test can never be consumed by this test's worker. Because it is
flushed, the broker must be a dedicated database: ``redis://…/15`` as ``make test`` sets.
"""

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from celery.backends.redis import RedisBackend
from django.db import connection

from continuity.celery import app as celery_app
from tests import live
from tests.factories import CustomerFactory, ProbeFactory, WorkflowFactory, make_key

DEDICATED_REDIS_DB = "15"


@pytest.fixture
def broker_url() -> str:
    """The test broker (CELERY_BROKER_URL), checked to be a reachable, dedicated Redis DB."""
    url = celery_app.conf.broker_url or ""
    parts = urlsplit(url)
    if parts.scheme not in {"redis", "rediss"}:
        pytest.skip("integration tests need CELERY_BROKER_URL=redis://…/15 (see `make test`)")
    if parts.path.strip("/") != DEDICATED_REDIS_DB:
        pytest.skip(
            f"integration tests flush their Redis database; CELERY_BROKER_URL={url} is not "
            f"the dedicated DB {DEDICATED_REDIS_DB} (use redis://127.0.0.1:6379/15)"
        )
    if not live.redis_available(url):
        pytest.fail(f"Redis at {url} does not answer; start it (see .ci/run)")
    return url


@pytest.fixture
def live_env(transactional_db, broker_url) -> dict[str, str]:
    """Environment for subprocesses: the test database, the test broker, tasks not eager.

    Also makes this process publish tasks to the broker rather than run them eagerly.
    """
    if connection.vendor != "postgresql":
        pytest.skip("integration tests need DATABASE_URL=postgres://… (see `make test`)")
    # Celery reads CELERY_RESULT_BACKEND itself; it lets the test wait for task results.
    return live.live_environment(broker_url, CELERY_RESULT_BACKEND=broker_url)


@pytest.fixture
def wsgi_server(live_env) -> Iterator[str]:
    """Base URL of gunicorn serving the app against the test database and broker."""
    with live.serve_wsgi(live_env) as base_url:
        yield base_url


@pytest.fixture
def worker(live_env) -> Iterator[live.LiveProcess]:
    """A running `celery -A continuity worker -Q celery` on the test broker."""
    with live.celery_worker(live_env) as process:
        yield process


@pytest.fixture
def task_result(broker_url):
    """``task_result(async_result, timeout)``: the return value of a task the worker ran.

    The project configures no result backend; the worker gets CELERY_RESULT_BACKEND (see
    ``live_env``) and this process reads the same Redis database explicitly.
    """
    backend = RedisBackend(app=celery_app, url=broker_url)

    def get(async_result, timeout: float = 30.0):
        return celery_app.AsyncResult(async_result.id, backend=backend).get(timeout=timeout)

    return get


@pytest.fixture
def monitored(transactional_db):
    """A customer with one workflow and one probe (3 locations, quorum 2, threshold 2)."""
    customer = CustomerFactory()
    workflow = WorkflowFactory(customer=customer)
    probe = ProbeFactory(
        workflow=workflow,
        locations=["eu-west", "us-east", "ap-south"],
        quorum=2,
        failure_threshold=2,
        recovery_threshold=1,
        interval_seconds=60,
    )
    key = make_key(customer=customer, scopes=("read", "write", "ingest"))
    return customer, workflow, probe, key
