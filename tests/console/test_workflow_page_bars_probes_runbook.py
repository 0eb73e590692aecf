"""The workflow page: 90 daily bars, probes with their latest result per location, the
runbook and its last drill, recent outages."""

import re
from datetime import timedelta

from continuity.models import FallbackActivation
from incidents.models import ProbeResult
from tests.console.conftest import NOW


def page(client, workflow) -> str:
    response = client.get(f"/console/workflows/{workflow.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def bars(html: str) -> list[tuple[str, str]]:
    return re.findall(r'class="day day-(\w+)"><title>([^<]+)</title>', html)


def test_ninety_daily_bars_coloured_by_the_worst_state(world, readonly_client):
    days = bars(page(readonly_client, world.chatbot))
    assert len(days) == 90
    state, title = days[-1]
    assert state == "down"
    assert title.startswith("2026-10-20 · ")
    assert "down 25 min" in title
    assert [s for s, _ in days[:-1]] == ["none"] * 89  # monitoring began today

    days = bars(page(readonly_client, world.backend))
    assert days[-2][0] == "down"  # yesterday's manual outage
    assert "down 40 min" in days[-2][1]


def test_probes_with_the_last_result_of_each_location(world, readonly_client):
    ProbeResult.objects.create(
        probe=world.probe,
        location="ap-south",
        observed_at=NOW - timedelta(seconds=5),
        outcome="up",
        latency_ms=312,
        status_code=200,
    )
    html = page(readonly_client, world.chatbot)
    section = html[html.index('id="probes"') : html.index('id="runbooks"')]
    rows = re.findall(r"<tr><td>([\w-]+)</td><td><span class=\"badge badge-(\w+)\">", section)
    assert rows == [("eu-west", "down"), ("us-east", "down"), ("ap-south", "up")]
    assert "312 ms" in section
    assert "2026-10-20 13:59 CEST" in section
    assert "stale" not in section


def test_a_location_without_results_is_stale(world, readonly_client):
    html = page(readonly_client, world.backend)
    section = html[html.index('id="probes"') : html.index('id="runbooks"')]
    assert section.count(">never<") == 2
    assert section.count(">stale<") == 2


def test_runbook_steps_and_last_drill(world, readonly_client):
    html = page(readonly_client, world.chatbot)
    assert "Switch to Azure OpenAI" in html
    assert "Flip the provider flag" in html
    assert "last drill: never" in html
    FallbackActivation.objects.create(
        outage=None,
        runbook=world.runbook,
        runbook_version=1,
        is_drill=True,
        activated_at=NOW - timedelta(days=20),
        deactivated_at=NOW - timedelta(days=20) + timedelta(minutes=30),
    )
    assert "last drill: 2026-09-30 14:00 CEST" in page(readonly_client, world.chatbot)


def test_recent_outages_link_to_their_pages(world, readonly_client):
    html = page(readonly_client, world.chatbot)
    assert f'href="/console/outages/{world.open_outage.pk}/"' in html
    assert "ongoing" in html
    assert 'badge badge-down big">Down' in html


def test_unknown_workflow_is_404(world, readonly_client):
    assert readonly_client.get("/console/workflows/999999/").status_code == 404
