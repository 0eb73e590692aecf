"""The overview answers: what is down, for whom, since when, is the fallback on, what does
it cost, and how much error budget is left this month."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.test import Client

from incidents.models import Outage
from incidents.services.fallbacks import fallback_activate
from tests.console import seed
from tests.console.conftest import NOW


def body(client, url="/console/") -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_open_outage_with_its_duration_cost_and_rto(world, readonly_client):
    html = body(readonly_client)
    outage = world.open_outage
    assert f'data-outage="{outage.pk}"' in html
    assert f"/console/outages/{outage.pk}/" in html
    # 25 minutes open at the frozen instant, with the start for the live counter.
    assert "25 min" in html
    assert f'data-since="{outage.started_at.isoformat()}"' in html
    assert "No fallback" in html
    assert "RTO 15 min missed" in html  # 25 min open, no fallback, RTO 15 min
    # 25 min × 42.50 EUR/min
    assert "1,062.50 EUR" in html  # money gained thousands separators (issue 11, item 5)
    assert f'data-workflow="{world.chatbot.pk}" data-state="down"' in html


def test_active_fallback_shows_and_counts(world, readonly_client):
    fallback_activate(
        outage=world.open_outage, runbook=world.runbook, activated_at=NOW - timedelta(minutes=15)
    )
    html = body(readonly_client)
    assert "Fallback active" in html
    assert "Switch to Azure OpenAI · 80%" in html
    assert "mitigated after 10 min (within RTO 15 min)" in html
    assert re.search(r'<span class="n">1</span><span class="l">fallback active</span>', html)


def test_month_to_date_availability_target_and_budget_bar(world, readonly_client):
    # Both probes have reported since the month began (Berlin), so the whole month counts.
    for probe in (world.probe, world.backend_probe):
        seed.reported_since(probe, datetime(2026, 9, 30, 22, 0, tzinfo=UTC))
    html = body(readonly_client)
    assert "/ 99.9 %" in html
    assert 'class="budget-bar"' in html
    # The Order API's 40 minutes down overspend a 99.9 % budget of ~28 min so far this month.
    assert "overspent by" in html
    assert "min left" in html  # the chatbot's 25 minutes leave it some budget


def test_admin_links_for_each_object(world, readonly_client):
    html = body(readonly_client)
    assert f"/admin/continuity/workflow/{world.chatbot.pk}/change/" in html
    assert f"/admin/continuity/customer/{world.customer.pk}/change/" in html
    assert f"/admin/incidents/outage/{world.open_outage.pk}/change/" in html
    assert f"/status/{world.customer.slug}/" in html


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ("state=down", ["chatbot", "other_chatbot"], ["backend", "other_backend"]),
        ("state=up", ["backend", "other_backend"], ["chatbot", "other_chatbot"]),
        ("dependency=Own+backend", ["backend", "other_backend"], ["chatbot", "other_chatbot"]),
        ("customer=acme-2", ["other_chatbot", "other_backend"], ["chatbot", "backend"]),
        ("customer=acme-2&state=down", ["other_chatbot"], ["chatbot", "backend", "other_backend"]),
    ],
)
def test_filters(world, readonly_client, query, shown, hidden):
    other = seed.customer_world(2, now=NOW)
    workflows = {
        "chatbot": world.chatbot,
        "backend": world.backend,
        "other_chatbot": other.chatbot,
        "other_backend": other.backend,
    }
    html = body(readonly_client, f"/console/?{query}")
    for name in shown:
        assert f'data-workflow="{workflows[name].pk}"' in html, name
    for name in hidden:
        assert f'data-workflow="{workflows[name].pk}"' not in html, name


def test_unknown_filter_values_show_nothing_or_are_ignored(world, readonly_client):
    assert "No workflows match the filters" in body(readonly_client, "/console/?customer=nobody")
    assert f'data-workflow="{world.chatbot.pk}"' in body(readonly_client, "/console/?state=weird")


def test_a_manual_open_outage_makes_an_up_workflow_down(world, readonly_client):
    Outage.objects.create(
        workflow=world.backend,
        started_at=NOW - timedelta(minutes=3),
        severity="degraded",
        source="manual",
    )
    html = body(readonly_client, "/console/?state=degraded")
    assert "Order API" in html
    assert "manual" in html


def test_the_fragment_is_the_refreshing_part(world, readonly_client):
    page = body(readonly_client)
    assert 'data-refresh-url="/console/overview/fragment/"' in page
    assert 'data-refresh-seconds="15"' in page
    assert "/static/console/console.js" in page
    response = readonly_client.get("/console/overview/fragment/?state=down")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    html = response.content.decode()
    assert "<html" not in html
    assert f'data-outage="{world.open_outage.pk}"' in html
    assert "Order API" not in html


def test_assets_are_served_by_whitenoise_without_a_static_file_server(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path
    call_command("collectstatic", "--noinput", verbosity=0)
    client = Client()
    css = client.get("/static/console/console.css")
    assert css.status_code == 200
    assert "text/css" in css["Content-Type"]
    assert client.get("/static/console/views.py").status_code == 404
    assert client.get("/static/console/..%2F..%2Fconsole%2Fviews.py").status_code == 404
