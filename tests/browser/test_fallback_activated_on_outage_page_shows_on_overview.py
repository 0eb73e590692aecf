"""One-click fallback activation on the outage page; the open overview tab picks it up on
its own refresh, without a reload."""

import re

import pytest
from playwright.sync_api import expect

from continuity.models import FallbackActivation
from tests.browser.helpers import login, scene

pytestmark = pytest.mark.browser


def test_activation_from_the_outage_page_changes_the_overview(server, context, screenshot):
    world = scene()
    outage = world.main.open_outage
    overview = context.new_page()
    login(overview, server, "olga")
    row = overview.locator(f'tr[data-outage="{outage.pk}"]')
    expect(row).to_contain_text("No fallback")
    overview.evaluate("window.__notReloaded = true")

    page = context.new_page()
    page.goto(f"{server}/console/outages/{outage.pk}/")
    expect(page.locator("svg.timeline")).to_be_visible()
    expect(page.locator("svg.timeline .tl-evidence")).to_have_count(2)
    page.select_option("#id_runbook", str(world.main.runbook.pk))
    page.fill("#id_effectiveness_pct", "75")
    page.fill("#id_notes", "Routing chat to Azure OpenAI (EU)")
    page.click("#activate-form button[type=submit]")

    expect(page.locator(".msg-success")).to_contain_text(
        "Fallback 'Switch to Azure OpenAI' activated at 75% effectiveness."
    )
    expect(page.locator("#deactivate-form")).to_be_visible()
    expect(page.locator("svg.timeline .tl-fallback")).to_have_count(1)
    activation = FallbackActivation.objects.get(outage=outage)
    assert activation.effectiveness_pct == 75
    assert activation.activated_by == "olga"

    # Mark the first runbook step done; it shows on the timeline and in the list.
    page.locator("#fallback .steps form button").first.click()
    expect(page.locator(".msg-success")).to_contain_text("Step 1 marked done.")
    expect(page.locator("svg.timeline .tl-check")).to_have_count(1)
    page.fill("#id_message", "Fallback active: chat runs on Azure OpenAI.")
    page.select_option("#id_status", "identified")
    page.click("#update-form button[type=submit]")
    expect(page.locator("#updates")).to_contain_text("Fallback active: chat runs on Azure OpenAI.")
    screenshot(page, "outage-page")

    # The overview tab refreshes itself (every 15 s) and now shows the fallback.
    expect(row.locator(".fb-on")).to_have_text("Fallback active", timeout=25_000)
    expect(row).to_contain_text("Switch to Azure OpenAI · 75%")
    expect(row).to_contain_text(re.compile(r"mitigated after \d+ min"))
    expect(overview.locator(".tile-fallbacks .n")).to_have_text("1")
    assert overview.evaluate("window.__notReloaded") is True
    screenshot(overview, "overview")
