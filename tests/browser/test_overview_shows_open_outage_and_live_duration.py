"""Logged in, the overview shows a seeded open outage with its duration, counting up live."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import login, scene

pytestmark = pytest.mark.browser


def test_login_then_the_overview_shows_the_open_outage(server, context, screenshot):
    world = scene()
    page = context.new_page()
    page.goto(f"{server}/console/")
    expect(page).to_have_url(re.compile(r"/admin/login/\?next=/console/"))
    login(page, server, "olga")

    row = page.locator(f'tr[data-outage="{world.main.open_outage.pk}"]')
    expect(row).to_be_visible()
    expect(row).to_contain_text("Support chatbot")
    expect(row).to_contain_text("Acme 1 GmbH")
    expect(row.locator(".live-duration")).to_have_text(re.compile(r"^2[56] min$"))
    expect(row).to_contain_text("No fallback")
    expect(row).to_contain_text("RTO 15 min missed")
    expect(page.locator(".tile-outages .n")).to_have_text("3")
    # The console's CSS is served under gunicorn (no static-file server).
    expect(page.locator(".topbar")).to_have_css("background-color", "rgb(20, 32, 46)")

    # A duration in seconds visibly counts up without reloading the page.
    fresh = page.locator(f'tr[data-outage="{world.fresh_outage.pk}"] .live-duration')
    first = fresh.inner_text()
    assert re.fullmatch(r"\d+ s", first)
    page.wait_for_function(
        "([el, before]) => el.textContent !== before",
        arg=[fresh.element_handle(), first],
        timeout=5_000,
    )

    # Filters are plain GET parameters.
    page.select_option("select[name=customer]", "acme-1")
    page.click(".filters button[type=submit]")
    expect(page).to_have_url(re.compile(r"customer=acme-1"))
    expect(page.locator(f'tr[data-outage="{world.private.open_outage.pk}"]')).to_have_count(0)
    expect(row).to_be_visible()

    # Through to the workflow page: 90 daily bars and the probe's last results.
    page.locator(f'tr[data-workflow="{world.main.chatbot.pk}"] a').first.click()
    expect(page.locator("h1")).to_contain_text("Support chatbot")
    expect(page.locator("svg.strip rect.day")).to_have_count(90)
    expect(page.locator("#probes tbody tr")).to_have_count(3)
    screenshot(page, "workflow-page")
