"""Swagger UI and ReDoc render the API's operations with every request to anything but
loopback aborted, under the production Content-Security-Policy: their assets come from
drf-spectacular-sidecar, served by the app itself."""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

LOOPBACK = {"127.0.0.1", "localhost", "[::1]", "::1"}


def offline(context) -> tuple[list[str], list[str]]:
    """Abort every request that leaves the machine; returns (aborted, served) URLs."""
    aborted, served = [], []

    def handle(route) -> None:
        url = route.request.url
        scheme, host = urlsplit(url).scheme, urlsplit(url).hostname or ""
        if scheme in {"data", "blob"} or host in LOOPBACK:
            served.append(url)
            route.continue_()
        else:
            aborted.append(url)
            route.abort("internetdisconnected")

    context.route("**/*", handle)
    return aborted, served


def csp_errors(page) -> list[str]:
    errors: list[str] = []
    page.on(
        "console",
        lambda message: (
            errors.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return errors


def test_swagger_ui_lists_operations_offline(server, context, screenshot):
    aborted, served = offline(context)
    page = context.new_page()
    violations = csp_errors(page)
    response = page.goto(f"{server}/api/docs/")
    assert response.status == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(page.locator(".opblock-summary-path[data-path='/api/v1/sla/']").first).to_be_visible()
    expect(
        page.locator(".opblock-summary-path[data-path='/api/v1/outages/']").first
    ).to_be_visible()
    assert page.locator(".opblock").count() > 20
    assert any("/static/drf_spectacular_sidecar/swagger-ui-dist/" in url for url in served)
    assert violations == []
    assert aborted == []  # nothing even tried to leave
    screenshot(page, "api-docs-offline")


def test_redoc_lists_operations_offline(server, context):
    aborted, served = offline(context)
    page = context.new_page()
    violations = csp_errors(page)
    response = page.goto(f"{server}/api/redoc/")
    assert response.status == 200
    expect(page.get_by_text("/api/v1/sla/").first).to_be_attached(timeout=20_000)
    expect(page.locator("[data-section-id^='tag/']").first).to_be_attached()
    assert any("/static/drf_spectacular_sidecar/redoc/" in url for url in served)
    assert aborted == []
    # ReDoc's bundle hard-codes its footer logo on cdn.redoc.ly: the policy blocks that image,
    # and nothing else (no script, style, font or worker).
    assert [v for v in violations if "https://cdn.redoc.ly/redoc/logo-mini.svg" not in v] == []
