"""`run_probe_agent --allow-private`: an agent inside a customer's network probes its
internal targets; without the flag the agent refuses them like the service does."""

import logging

import pytest
from django.core.management import call_command

from incidents.models import ProbeResult
from tests.factories import ProbeFactory, WorkflowFactory, make_key

REFUSED_LOOPBACK = "target address 127.0.0.1 is loopback; allow it with OUTBOUND_ALLOWED_NETWORKS"


@pytest.fixture
def agent_loggers():
    """The command configures its loggers for a terminal; put them back afterwards."""
    loggers = [logging.getLogger(name) for name in ("incidents.prober.agent", "incidents.prober")]
    saved = [(log, log.level, list(log.handlers), log.propagate) for log in loggers]
    yield
    for log, level, handlers, propagate in saved:
        log.setLevel(level)
        log.handlers[:] = handlers
        log.propagate = propagate


def run_agent(api: str, key: str, spool, *flags: str) -> None:
    call_command(
        "run_probe_agent",
        "--location",
        "office",
        "--api",
        api,
        "--key",
        key,
        "--spool",
        str(spool),
        "--once",
        *flags,
    )


def test_allow_private_lets_the_agent_probe_internal_targets(
    transactional_db, live_server, customer, target, settings, tmp_path, agent_loggers
):
    settings.OUTBOUND_ALLOWED_NETWORKS = []
    probe = ProbeFactory(
        workflow=WorkflowFactory(customer=customer),
        kind="http",
        target=target.url + "/internal",
        locations=["office"],
        timeout_ms=2000,
    )
    key = make_key(customer=customer, scopes=("read", "ingest"))

    run_agent(live_server.url, key, tmp_path)
    [refused] = ProbeResult.objects.filter(probe=probe)
    assert (refused.outcome, refused.error) == ("down", REFUSED_LOOPBACK)
    assert target.requests() == []

    run_agent(live_server.url, key, tmp_path, "--allow-private")
    latest = ProbeResult.objects.filter(probe=probe).latest("observed_at")
    assert (latest.outcome, latest.error) == ("up", "")
    assert [seen.path for seen in target.requests()] == ["/internal"]
