"""`manage.py run_probe_agent` against gunicorn: the API goes away and comes back.

The agent keeps probing while the API is down, spools its results on disk, and once the
API answers again delivers every one of them exactly once.
"""

import contextlib
import sys

import pytest

from incidents.models import ProbeResult
from incidents.prober.agent import Spool
from tests import live
from tests.factories import ProbeFactory, WorkflowFactory, make_key
from tests.live import wait_until

pytestmark = pytest.mark.integration

INTERVAL = 5


def test_agent_buffers_while_the_api_is_down_and_delivers_exactly_once(
    live_env, customer, target, tmp_path
):
    workflow = WorkflowFactory(customer=customer)
    probes = [
        ProbeFactory(
            workflow=workflow,
            kind="http",
            target=f"{target.url}/{n}",
            locations=["tokyo"],
            interval_seconds=INTERVAL,
            timeout_ms=2000,
        )
        for n in range(2)
    ]
    key = make_key(customer=customer, scopes=("read", "ingest"))
    spool = Spool(tmp_path / "spool")
    port = live.free_port()

    def stored() -> int:
        return ProbeResult.objects.filter(probe__in=probes).count()

    agent_args = [
        sys.executable,
        "manage.py",
        "run_probe_agent",
        "--location",
        "tokyo",
        "--api",
        f"http://127.0.0.1:{port}",
        "--spool",
        str(spool.directory),
        "--flush-seconds",
        "1",
        "--max-backoff",
        "2",
        "--refresh-seconds",
        "3",
    ]
    # The agent needs no database: only the API and its key (kept out of argv).
    agent_env = {
        "CONTINUITY_API_KEY": key,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'never-opened.sqlite3'}",
        "CELERY_BROKER_URL": "",
        "OUTBOUND_ALLOWED_NETWORKS": live_env["OUTBOUND_ALLOWED_NETWORKS"],
    }
    with contextlib.ExitStack() as stack:
        api = live.serve_wsgi(live_env, port=port)
        api.__enter__()
        agent = stack.enter_context(live._running("probe-agent", agent_args, agent_env))
        wait_until(lambda: stored() >= 4, timeout=4 * INTERVAL, message=agent.log_tail)

        api.__exit__(None, None, None)  # the API goes away
        delivered_before = stored()
        wait_until(lambda: spool.count() >= 4, timeout=4 * INTERVAL, message=agent.log_tail)
        assert stored() == delivered_before
        assert agent.alive()

        api = live.serve_wsgi(live_env, port=port)  # and comes back on the same address
        api.__enter__()
        stack.callback(api.__exit__, None, None, None)
        wait_until(lambda: spool.count() == 0, timeout=20, message=agent.log_tail)
        agent.stop()  # SIGTERM: running checks finish, a last flush, then exit
        log = agent.log_path.read_text()

    results = list(ProbeResult.objects.filter(probe__in=probes))
    assert len(results) == len(target.requests()) >= delivered_before + 4
    assert len({r.client_id for r in results}) == len(results)
    assert all(r.client_id.startswith("agent:tokyo:") for r in results)
    assert {r.outcome for r in results} == {"up"}
    assert spool.count() == 0 and not spool.rejected.exists()
    assert "kept in the spool" in log
    assert key not in log
