"""The public status page: only for customers who enabled it, no login, and nothing
internal (cost, root cause, summary, other customers, links into the console)."""

import re

from incidents.models import OutageUpdate
from tests.console import seed
from tests.console.conftest import NOW


def test_disabled_or_unknown_status_pages_are_404(world, anonymous_client):
    hidden = seed.customer_world(2, now=NOW, status_page=False)
    assert anonymous_client.get(f"/status/{hidden.customer.slug}/").status_code == 404
    assert anonymous_client.get("/status/no-such-customer/").status_code == 404


def test_enabled_page_needs_no_login(world, anonymous_client):
    response = anonymous_client.get(f"/status/{world.customer.slug}/")
    assert response.status_code == 200
    assert "public" in response["Cache-Control"]
    html = response.content.decode()
    assert "Acme 1 GmbH" in html
    assert "Major outage in progress" in html
    assert "Support chatbot" in html and "Order API" in html
    assert len(re.findall(r'class="day day-\w+"', html)) == 180  # 90 bars per workflow


def test_open_and_recent_incidents_with_their_updates(world, anonymous_client):
    html = anonymous_client.get(f"/status/{world.customer.slug}/").content.decode()
    ongoing = html[html.index("Ongoing incidents") : html.index("Services")]
    assert "Major outage: Support chatbot" in ongoing
    assert "Chat answers fail; the provider reports elevated errors." in ongoing
    assert "ongoing for" in ongoing
    past = html[html.index("Past incidents") :]
    assert "Major outage: Order API" in past
    assert "Orders flow again." in past


def test_no_internal_fields(world, anonymous_client):
    other = seed.customer_world(2, now=NOW)
    OutageUpdate.objects.filter(outage=world.open_outage).update(message="Working on it.")
    html = anonymous_client.get(f"/status/{world.customer.slug}/").content.decode()
    text = re.sub(r"<[^>]+>", " ", html)
    for internal in (
        seed.ROOT_CAUSE,
        "Orders could not be placed.",  # the internal summary
        "42.50",
        "7.25",
        "EUR",
        "cost",
        "Cost",
        "OpenAI API",
        "Own backend",
        "RTO",
        "Switch to Azure OpenAI",
        "olga",
        "ops@acme-1.example",
        other.customer.name,
    ):
        assert internal not in text, internal
    assert "/console/" not in html.replace("/static/console/", "")
    assert "/admin/" not in html


def test_a_customer_without_workflows_gets_an_empty_page(db, frozen, anonymous_client):
    from continuity.models import Customer

    Customer.objects.create(slug="empty", name="Empty Ltd", status_page_enabled=True)
    response = anonymous_client.get("/status/empty/")
    assert response.status_code == 200
    assert "No services are listed yet." in response.content.decode()
