"""Real headless Chromium against the app served by gunicorn on the PostgreSQL test database.

The server is started once per session (it only needs the test database's name); each test
uses ``transactional_db`` so the rows it seeds are committed and visible to gunicorn, and a
fresh browser context (no cookies). Tasks run eagerly inside gunicorn and mail goes to the
in-memory backend, so no broker or SMTP server is needed here.
"""

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection, connections

from tests import live

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
SCREENSHOTS = live.ROOT / "test-artifacts" / "screenshots"


@pytest.fixture(scope="session")
def media_root(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("console-media")


@pytest.fixture(scope="session")
def static_root(tmp_path_factory) -> Path:
    """Static files collected as a deployment collects them (README "Deploying")."""
    root = tmp_path_factory.mktemp("static")
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=live.ROOT,
        env={**os.environ, "STATIC_ROOT": str(root)},
        check=True,
        timeout=120,
    )
    return root


@pytest.fixture(scope="session")
def console_server(django_db_setup, django_db_blocker, media_root, static_root) -> Iterator[str]:
    """Base URL of gunicorn serving the app on the test database, with production
    settings (WhiteNoise serving the collected static files) over plain HTTP."""
    with django_db_blocker.unblock():
        if connection.vendor != "postgresql":
            pytest.skip("browser tests need DATABASE_URL=postgres://… (see `make test`)")
        url = live.database_url()
    env = {
        "DJANGO_SETTINGS_MODULE": "continuity.settings",
        "STATIC_ROOT": str(static_root),
        "DATABASE_URL": url,
        "CELERY_BROKER_URL": "",
        "CELERY_TASK_ALWAYS_EAGER": "1",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "MEDIA_ROOT": str(media_root),
        "DB_CONN_MAX_AGE": "0",
        "DEBUG": "0",
        "LOG_LEVEL": "WARNING",
    }
    with live.serve_wsgi(env, ready_path="/static/console/console.css") as base_url:
        yield base_url


@pytest.fixture
def server(console_server, transactional_db, settings, media_root) -> str:
    """The live server, with this test's rows committed and the same media folder."""
    settings.MEDIA_ROOT = media_root
    return console_server


@pytest.fixture
def chromium(monkeypatch):
    """A headless Chromium for one test.

    Playwright's sync API keeps an asyncio loop running in this thread, which Django's
    async-safety check mistakes for async code; the test's ORM calls are plain sync code,
    so the check is switched off for the duration of the test only.
    """
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
            # Connections opened while Playwright's loop ran live in that loop's context;
            # close them here, or they outlive the test and block dropping the test database.
            connections.close_all()


@pytest.fixture
def context(chromium):
    context = chromium.new_context(viewport={"width": 1440, "height": 900}, accept_downloads=True)
    context.set_default_timeout(15_000)
    yield context
    context.close()


@pytest.fixture
def screenshot():
    """``screenshot(page, name)`` saves a full-page PNG into test-artifacts/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
