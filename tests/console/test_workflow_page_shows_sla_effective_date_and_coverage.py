"""The workflow page states the SLA effective date and how much of the month-to-date figure
rests on data (no data before the probe's first result)."""

from datetime import UTC, datetime


def page(client, workflow) -> str:
    response = client.get(f"/console/workflows/{workflow.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_sla_effective_from_and_month_to_date_coverage(world, readonly_client):
    html = page(readonly_client, world.chatbot)
    assert "<dt>SLA effective from</dt><dd>the start of every period</dd>" in html
    world.chatbot.sla_effective_from = datetime(2026, 10, 19, 22, tzinfo=UTC)
    world.chatbot.save()
    html = page(readonly_client, world.chatbot)
    assert "<dt>SLA effective from</dt><dd>2026-10-20 00:00 CEST</dd>" in html
    assert (
        "SLA effective from 2026-10-20 00:00 CEST: time before it is outside the SLA period."
        in html
    )
    # 14 h of SLA period so far; the probe's first result came 45 minutes ago.
    assert "coverage 5.357 %" in html
