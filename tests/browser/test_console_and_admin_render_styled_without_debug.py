"""Under gunicorn with DEBUG off, the admin login page and the console are styled (WhiteNoise
serves the collected static files) and the Content-Security-Policy blocks nothing they use."""

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import login, scene

pytestmark = pytest.mark.browser


def test_admin_and_console_are_styled_and_nothing_is_blocked(server, context):
    scene()
    page = context.new_page()
    blocked: list[str] = []
    page.on("console", lambda message: blocked.append(message.text))
    failed: list[str] = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.on("response", lambda r: r.status >= 400 and failed.append(f"{r.status} {r.url}"))

    page.goto(f"{server}/")
    expect(page).to_have_url(f"{server}/admin/login/?next=/console/")
    # The admin's own stylesheet: its header bar is coloured, not the browser's default.
    expect(page.locator("#header")).not_to_have_css("background-color", "rgba(0, 0, 0, 0)")
    admin_css = page.evaluate(
        "[...document.styleSheets].filter(s => s.href && s.href.includes('/static/admin/'))"
        ".map(s => s.cssRules.length)"
    )
    assert admin_css and all(rules > 0 for rules in admin_css)

    login(page, server, "olga")
    expect(page.locator(".topbar")).to_have_css("background-color", "rgb(20, 32, 46)")
    page.reload()  # the overview refreshes itself by script: let it run once more
    expect(page.locator(".topbar")).to_be_visible()

    assert not [text for text in blocked if "Content Security Policy" in text], blocked
    assert not failed, failed
