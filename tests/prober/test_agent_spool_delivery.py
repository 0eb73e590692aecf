"""The agent against an in-process live server: delivery, spooling and idempotent resends."""

import asyncio
import json

import pytest

from incidents.models import ProbeResult
from incidents.prober.agent import AgentConfig, ApiClient, ProbeAgent, Spool
from tests.factories import LLMProbeFactory, ProbeFactory, WorkflowFactory, make_key
from tests.live import free_port


@pytest.fixture
def agent_setup(transactional_db, customer, target):
    workflow = WorkflowFactory(customer=customer)
    probes = [
        ProbeFactory(
            workflow=workflow,
            kind="http",
            target=f"{target.url}/{n}",
            locations=["tokyo", "eu-west"],
            interval_seconds=30,
            timeout_ms=2000,
        )
        for n in range(3)
    ]
    ProbeFactory(workflow=workflow, kind="external", locations=["tokyo"])  # not run by agents
    ProbeFactory(workflow=workflow, kind="http", target=target.url, locations=["eu-west"])
    key = make_key(customer=customer, scopes=("read", "ingest"))
    return probes, key


def agent_for(api: str, key: str, spool, **options) -> ProbeAgent:
    config = AgentConfig(location="tokyo", api=api, key=key, spool_dir=spool, **options)
    return ProbeAgent(config, environ={})


def run_once(agent: ProbeAgent) -> None:
    asyncio.run(agent.run(asyncio.Event(), once=True))


def test_agent_runs_its_locations_probes_and_delivers(agent_setup, live_server, tmp_path, target):
    probes, key = agent_setup
    agent = agent_for(live_server.url, key, tmp_path)
    run_once(agent)
    results = ProbeResult.objects.order_by("probe_id")
    assert [(r.probe_id, r.location, r.outcome) for r in results] == [
        (p.pk, "tokyo", "up") for p in probes
    ]
    assert all(r.client_id.startswith("agent:tokyo:") for r in results)
    assert len(target.requests()) == 3
    assert Spool(tmp_path).count() == 0
    assert agent.delivered == 3


def test_results_are_spooled_while_the_api_is_unreachable(
    agent_setup, live_server, tmp_path, target
):
    probes, key = agent_setup
    down_api = f"http://127.0.0.1:{free_port()}"
    # First start: the API is unreachable; the agent runs the probes it cached before.
    Spool(tmp_path).save_probes(
        [{"id": p.pk, "kind": "http", "target": p.target, "locations": ["tokyo"]} for p in probes]
    )
    run_once(agent_for(down_api, key, tmp_path))
    run_once(agent_for(down_api, key, tmp_path))
    assert Spool(tmp_path).count() == 6
    assert not ProbeResult.objects.exists()

    agent = agent_for(live_server.url, key, tmp_path)
    flush(agent)
    assert Spool(tmp_path).count() == 0
    assert ProbeResult.objects.count() == 6 == len(target.requests())


def flush(agent: ProbeAgent) -> bool:
    async def go() -> bool:
        api = ApiClient(agent.config)
        try:
            return await agent.flush(api)
        finally:
            await api.aclose()

    return asyncio.run(go())


def test_resending_after_a_crash_stores_nothing_twice(agent_setup, live_server, tmp_path):
    """A flush killed after the API took a batch sends the file again: all duplicates."""
    _, key = agent_setup
    agent = agent_for(live_server.url, key, tmp_path, batch_size=2)
    run_once(agent)
    stored = list(ProbeResult.objects.values_list("client_id", flat=True))
    items = [
        {
            "probe": r.probe_id,
            "location": r.location,
            "observed_at": r.observed_at.isoformat(),
            "outcome": r.outcome,
            "latency_ms": r.latency_ms,
            "status_code": r.status_code,
            "id": r.client_id,
        }
        for r in ProbeResult.objects.all()
    ]
    (tmp_path / "sending-00000000000000000001.jsonl").write_text(
        "".join(json.dumps(item) + "\n" for item in items) + '{"probe": 1, "torn'
    )
    resend = agent_for(live_server.url, key, tmp_path, batch_size=2)
    assert flush(resend) is True
    assert (resend.delivered, resend.duplicates) == (0, 3)
    assert sorted(ProbeResult.objects.values_list("client_id", flat=True)) == sorted(stored)
    assert Spool(tmp_path).count() == 0


def test_results_the_api_rejects_are_set_aside(agent_setup, live_server, tmp_path):
    probes, key = agent_setup
    spool = Spool(tmp_path)
    now = "2026-01-01T00:00:00+00:00"
    good = {"probe": probes[0].pk, "location": "tokyo", "observed_at": now, "outcome": "up"}
    bad = {**good, "location": "moon", "id": "agent:x:1"}
    spool.append([{**good, "id": "agent:x:0"}, bad, {**good, "id": "agent:x:2"}])
    agent = agent_for(live_server.url, key, tmp_path)
    assert flush(agent) is True
    assert ProbeResult.objects.count() == 2
    assert [json.loads(line) for line in spool.rejected.read_text().splitlines()] == [bad]
    assert spool.count() == 0


def test_a_key_without_read_scope_keeps_results_spooled(agent_setup, live_server, tmp_path):
    probes, _ = agent_setup
    ingest_only = make_key(customer=probes[0].workflow.customer, scopes=("ingest",))
    run_once(agent_for(live_server.url, ingest_only, tmp_path))  # cannot list its probes
    assert Spool(tmp_path).count() == 0 and not ProbeResult.objects.exists()


def test_agent_delivers_the_token_figures_of_llm_probes(
    transactional_db, customer, llm_stub, live_server, tmp_path
):
    probe = LLMProbeFactory(
        workflow=WorkflowFactory(customer=customer),
        target=llm_stub.url + "/v1",
        llm_api_key_env="PROBE_AGENT_LLM_KEY",
        locations=["tokyo"],
    )
    key = make_key(customer=customer, scopes=("read", "ingest"))
    agent = ProbeAgent(
        AgentConfig(location="tokyo", api=live_server.url, key=key, spool_dir=tmp_path),
        environ={"PROBE_AGENT_LLM_KEY": "sk-stub-000000"},
    )
    run_once(agent)
    result = ProbeResult.objects.get(probe=probe)
    assert (result.outcome, result.tokens_used) == ("up", 17)
    assert result.tokens_per_second is None or result.tokens_per_second > 0
