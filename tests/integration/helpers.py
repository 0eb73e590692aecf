"""Small HTTP helpers shared by the integration tests."""

from datetime import datetime

import httpx

# Nothing listens on port 1: connecting is refused at once.
DEAD_BROKER_URL = "redis://127.0.0.1:1/0"


def client_for(base_url: str, key: str) -> httpx.Client:
    return httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {key}"}, timeout=30.0)


def result(probe, location: str, at: datetime, outcome: str, **extra) -> dict:
    return {
        "probe": probe.pk,
        "location": location,
        "observed_at": at.isoformat(),
        "outcome": outcome,
        **extra,
    }


def post_results(client: httpx.Client, results: list[dict]) -> dict:
    response = client.post("/api/v1/probe-results/", json={"results": results})
    assert response.status_code == 201, response.text
    return response.json()


def queued_tasks(broker_url: str, queue: str = "celery") -> list[dict]:
    """Task messages waiting in a Redis-backed Celery queue: each message's headers.

    Kombu keeps a queue as a Redis list named after it (plus ``<queue>\\x06\\x16<n>`` lists
    for non-zero priorities); each item is a JSON envelope whose ``headers`` name the task
    (``task``), its id and its arguments (``argsrepr``).
    """
    import json

    import redis

    client = redis.Redis.from_url(broker_url)
    try:
        keys = [queue.encode(), *client.scan_iter(match=f"{queue}\x06\x16*", _type="list")]
        return [json.loads(raw)["headers"] for key in keys for raw in client.lrange(key, 0, -1)]
    finally:
        client.close()


def stored_task_results(broker_url: str) -> list[dict]:
    """Every task result the worker stored in Redis (``celery-task-meta-<id>`` keys).

    Needs the worker to run with ``CELERY_RESULT_BACKEND`` set to ``broker_url``, as the
    ``live_env`` fixture does; each value has the task's ``status`` and ``result``.
    """
    import json

    import redis

    client = redis.Redis.from_url(broker_url)
    try:
        keys = list(client.scan_iter(match="celery-task-meta-*"))
        return [json.loads(raw) for raw in client.mget(keys) if raw is not None] if keys else []
    finally:
        client.close()


DERIVE_TASK = "incidents.derive_workflow_outages"


def derivation_results(broker_url: str) -> list[dict]:
    """Return values of the derivation tasks the worker ran (``{"workflow", ...}``).

    A task that failed stops a ``wait_until`` at once, naming it.
    """
    from tests.live import StopWaiting

    done = stored_task_results(broker_url)
    failed = [r for r in done if r["status"] not in {"SUCCESS", "PENDING", "STARTED"}]
    if failed:
        raise StopWaiting(f"{len(failed)} task(s) failed on the worker: {failed[:3]}")
    return [
        r["result"] for r in done if isinstance(r["result"], dict) and "workflow" in r["result"]
    ]
