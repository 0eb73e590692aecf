"""The console's Events page in Chromium: an operator adds a webhook endpoint and sees its
secret once; the test button sends through the real delivery path (here refused by the
outbound policy before any connection) and the result shows in the message and the log."""

import pytest
from playwright.sync_api import expect

from continuity.models import EventDelivery, EventEndpoint
from tests.browser.helpers import login
from tests.console import seed
from tests.factories import CustomerFactory

pytestmark = pytest.mark.browser


def test_secret_once_and_the_test_button(server, context):
    seed.users()
    acme = CustomerFactory(slug="acme", name="Acme")
    guarded = EventEndpoint.objects.create(customer=acme, url="http://10.20.30.40/hook")
    page = context.new_page()
    login(page, server, "olga", next_url="/console/events/")

    page.select_option("#endpoint-form select[name=customer]", "acme")
    page.select_option("#endpoint-form select[name=kind]", "webhook")
    page.fill("#endpoint-form input[name=url]", "https://hooks.example.com/continuity")
    page.click("#endpoint-form button[type=submit]")
    created = EventEndpoint.objects.exclude(pk=guarded.pk).get()
    expect(page.locator("#secret")).to_have_text(created.secret)

    page.goto(f"{server}/console/events/")
    expect(page.locator(f'tr[data-endpoint="{created.pk}"]')).to_be_visible()
    assert created.secret not in page.content()

    page.click(f'tr[data-endpoint="{guarded.pk}"] button:has-text("Send test")')
    expect(page.locator(".msg-error")).to_contain_text("Test event failed")
    expect(page.locator(".msg-error")).to_contain_text("OUTBOUND_ALLOWED_NETWORKS")
    row = EventDelivery.objects.get(endpoint=guarded)
    assert (row.event_type, row.state, row.attempts) == ("endpoint.test", "failed", 1)
    log_row = page.locator(f'#delivery-log tr[data-delivery="{row.pk}"]')
    expect(log_row).to_contain_text("endpoint.test")
    expect(log_row.locator("[data-attempts]")).to_have_text("1")
