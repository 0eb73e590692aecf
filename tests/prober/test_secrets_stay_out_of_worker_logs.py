"""A real prober worker logging at DEBUG: the secrets it sends never reach its log."""

import pytest

from incidents.models import ProbeResult
from incidents.prober.tasks import dispatch_due_probes
from tests import live
from tests.factories import LLMProbeFactory, ProbeFactory, WorkflowFactory
from tests.live import wait_until

pytestmark = pytest.mark.integration

LLM_KEY = "sk-live-WORKERSECRET-abcdef0123456789"
TOKEN = "tok-WORKERSECRET-9876543210"


def test_secrets_are_sent_but_never_logged_or_stored(live_env, llm_stub, target):
    llm_stub.mode = "unauthorized"  # answers 401 quoting the key it got
    workflow = WorkflowFactory()
    llm = LLMProbeFactory(
        workflow=workflow,
        target=llm_stub.url + "/v1",
        llm_api_key_env="PROBE_VENDOR_LLM_KEY",
        locations=["eu"],
        timeout_ms=3000,
    )
    http = ProbeFactory(
        workflow=workflow,
        kind="http",
        target=target.url,
        headers={"Authorization": {"env": "VENDOR_TOKEN"}},
        locations=["eu"],
        interval_seconds=60,
        timeout_ms=3000,
    )
    env = {
        **live_env,
        "PROBE_LOCATION": "eu",
        "PROBE_VENDOR_LLM_KEY": LLM_KEY,
        "VENDOR_TOKEN": f"Bearer {TOKEN}",
        "PROBE_SECRETS": "VENDOR_TOKEN",  # opened to probes explicitly
        "LOG_LEVEL": "DEBUG",
    }
    with live.celery_worker(env, queues="celery", loglevel="DEBUG") as worker:
        dispatch_due_probes.delay()
        wait_until(lambda: ProbeResult.objects.count() == 2, timeout=30)
        log = worker.log()

    assert llm_stub.requests()[0].headers["Authorization"] == f"Bearer {LLM_KEY}"
    assert target.requests()[0].headers["Authorization"] == f"Bearer {TOKEN}"
    assert "incidents.prober_run" in log  # the worker did log the runs, at DEBUG
    assert "WORKERSECRET" not in log
    errors = dict(ProbeResult.objects.values_list("probe_id", "error"))
    assert "Incorrect API key provided: [redacted]" in errors[llm.pk]
    assert errors[http.pk] == ""
    assert all("WORKERSECRET" not in error for error in errors.values())
