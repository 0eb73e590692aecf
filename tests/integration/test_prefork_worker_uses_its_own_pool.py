"""A Celery prefork worker runs database tasks with the pool as shipped.

Each child is forked from the worker's main process: it forgets any connection or pool it
inherited (continuity/db.py, and Celery's own fix-up at worker_process_init) and opens its
own. Runs on the test broker (any Redis) on a queue of its own, so it flushes nothing.
"""

import uuid
from datetime import timedelta

import pytest
from celery.backends.redis import RedisBackend
from django.db import connection
from django.utils import timezone

from continuity.celery import app as celery_app
from incidents.models import Probe
from tests import live
from tests.factories import ProbeFactory

pytestmark = pytest.mark.integration


@pytest.fixture
def broker(transactional_db) -> str:
    url = celery_app.conf.broker_url or ""
    if not url.startswith("redis://") or connection.vendor != "postgresql":
        pytest.skip("needs CELERY_BROKER_URL=redis://… and DATABASE_URL=postgres://…")
    if not live.redis_available(url):
        pytest.fail(f"Redis at {url} does not answer")
    return url


def test_prefork_children_sweep_through_their_own_pools(broker):
    probe = ProbeFactory()
    Probe.objects.filter(pk=probe.pk).update(
        derivation_pending=True, derivation_pending_since=timezone.now() - timedelta(minutes=5)
    )
    queue = f"pool-test-{uuid.uuid4().hex[:8]}"
    env = {
        "DATABASE_URL": live.database_url(),
        "CELERY_BROKER_URL": broker,
        "CELERY_RESULT_BACKEND": broker,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "DEBUG": "0",
        **{name: "" for name in ("DB_POOL_MIN_SIZE", "DB_POOL_MAX_SIZE", "DB_CONN_MAX_AGE")},
    }
    backend = RedisBackend(app=celery_app, url=broker)
    celery_app.conf.task_always_eager = False
    with live.celery_worker(env, queues=queue, pool="prefork"):
        sent = [celery_app.send_task("incidents.sweep_derivations", queue=queue) for _ in range(4)]
        swept = [
            celery_app.AsyncResult(result.id, backend=backend).get(timeout=60) for result in sent
        ]
    # Each sweep read the database and derived the workflow (the first cleared its flag; a
    # probe without results leaves a no-data span open, which every later sweep looks at).
    assert swept == [1, 1, 1, 1]
    assert not Probe.objects.get(pk=probe.pk).derivation_pending
