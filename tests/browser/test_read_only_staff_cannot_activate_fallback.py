"""Staff outside the operators group see the outage but cannot activate a fallback: no form,
and a forged POST with a valid CSRF token gets 403 and changes nothing."""

import pytest
from playwright.sync_api import expect

from continuity.models import FallbackActivation
from tests.browser.helpers import login, scene

pytestmark = pytest.mark.browser

FORGED_POST = """async ([url, runbook]) => {
  const token = document.cookie.split("; ").find(c => c.startsWith("csrftoken=")).split("=")[1];
  const body = new URLSearchParams({runbook: String(runbook), csrfmiddlewaretoken: token});
  const response = await fetch(url, {method: "POST", body, credentials: "same-origin"});
  return response.status;
}"""


def test_read_only_staff_cannot_activate(server, context):
    world = scene()
    outage = world.main.open_outage
    page = context.new_page()
    login(page, server, "rita", next_url=f"/console/outages/{outage.pk}/")
    expect(page.locator(".role-readonly")).to_have_text("read-only")
    expect(page.locator("svg.timeline")).to_be_visible()
    expect(page.locator("#activate-form")).to_have_count(0)
    expect(page.locator("#update-form")).to_have_count(0)
    expect(page.locator("#fallback")).to_contain_text(
        "Read-only access: only operators can activate a fallback."
    )
    status = page.evaluate(
        FORGED_POST,
        [f"/console/outages/{outage.pk}/fallback/activate/", world.main.runbook.pk],
    )
    assert status == 403
    assert not FallbackActivation.objects.filter(outage=outage).exists()
