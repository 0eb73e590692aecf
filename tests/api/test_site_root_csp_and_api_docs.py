"""`/` leads to the console; every page carries a Content-Security-Policy under which the
console and Swagger UI still load everything they reference."""

import re

import pytest

pytestmark = pytest.mark.django_db


def csp(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    directives = (part.split() for part in policy.split(";") if part.strip())
    return {name: sources for name, *sources in directives}


def allowed(policy: dict[str, list[str]], directive: str, url: str) -> bool:
    sources = policy.get(directive, policy["default-src"])
    if url.startswith("/"):
        return "'self'" in sources
    return any(url.startswith(source + "/") for source in sources if source.startswith("https:"))


def test_the_site_root_redirects_to_the_console(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/console/"


def test_the_policy_allows_no_inline_script_and_no_framing(client):
    policy = csp(client.get("/admin/login/"))
    assert policy["default-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-eval'" not in policy["script-src"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]


def test_swagger_ui_loads_only_what_the_policy_allows(client):
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    policy = csp(page)

    assert "<script>" not in html  # its start-up script is a separate file
    scripts = re.findall(r'<script src="([^"]+)"', html)
    styles = re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
    assert len(scripts) == 3 and styles
    assert all(allowed(policy, "script-src", src) for src in scripts)
    assert all(allowed(policy, "style-src", href) for href in styles)
    assert all(src.startswith("/static/drf_spectacular_sidecar/") for src in scripts[:-1])
    assert policy["script-src"] == ["'self'"]

    start_up = client.get(scripts[-1].replace("&amp;", "&"))
    assert start_up.status_code == 200
    assert start_up["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle" in start_up.content


def test_console_pages_reference_nothing_the_policy_blocks(admin_client):
    page = admin_client.get("/console/")
    assert page.status_code == 200
    html = page.content.decode()
    policy = csp(page)
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)  # no inline script
    assert not re.search(r"\son[a-z]+=", html)  # no inline event handlers
    for src in re.findall(r'<script[^>]+src="([^"]+)"', html):
        assert allowed(policy, "script-src", src), src
    for href in re.findall(r'<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"', html):
        assert allowed(policy, "style-src", href), href
