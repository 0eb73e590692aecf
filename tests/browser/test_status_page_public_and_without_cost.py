"""Status pages need no login: a disabled one is 404, an enabled one shows no cost."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import scene
from tests.console import seed

pytestmark = pytest.mark.browser


def test_disabled_is_404_and_enabled_shows_no_cost(server, context, screenshot):
    world = scene()
    page = context.new_page()
    response = page.goto(f"{server}/status/{world.private.customer.slug}/")
    assert response.status == 404

    response = page.goto(f"{server}/status/{world.main.customer.slug}/")
    assert response.status == 200
    expect(page.locator(".banner")).to_have_text("Major outage in progress")
    expect(page.locator(".service")).to_have_count(2)
    expect(page.locator(".incident-open")).to_contain_text("Major outage: Support chatbot")
    expect(page.locator("svg.strip rect.day")).to_have_count(180)
    text = page.locator("body").inner_text()
    for internal in ("EUR", "42.50", "7.25", "cost", "Cost", seed.ROOT_CAUSE, "RTO"):
        assert internal not in text, internal
    assert not re.search(r"\d+\.\d\d\s*(EUR|USD|€|\$)", text)
    screenshot(page, "status-page")
