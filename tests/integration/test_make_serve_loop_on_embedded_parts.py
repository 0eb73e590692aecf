"""`make serve` end to end: the Procfile's processes under honcho, on embedded parts only.

A temporary ``var/`` holds the SQLite database, the filesystem broker, mail and the
simulated provider's state; no Redis, no PostgreSQL, no result posted by hand. The test
breaks the simulated AI provider as `make demo-outage` does and watches the loop react:
the prober sees it, an outage opens, the runbook activates its fallback, one outage email
lands in var/mail/, the webhook reaches the provider's /hooks and the status page shows
the banner; after `make demo-recover` the outage closes. Every process is in the process
group of honcho, which is killed as a whole however the test ends.
"""

import email
import email.policy
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests import live

pytestmark = pytest.mark.integration

ROOT = live.ROOT
# Empty, not absent: live processes start from this process's environment (the test
# settings' database and broker), and an empty value means the embedded default.
EMBEDDED = ("DATABASE_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "CACHE_URL", "REDIS_URL")


def serve_environment(var: Path) -> dict[str, str]:
    """What `make serve` sets (its SERVE_ENV), on a temporary var/ and free ports."""
    web, provider = live.free_port(), live.free_port()
    env = {**os.environ, **dict.fromkeys(EMBEDDED, "")}
    env.update(
        CONTINUITY_VAR_DIR=str(var),
        DEBUG="1",
        OUTBOUND_ALLOWED_NETWORKS="127.0.0.1/32",
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        FALLBACK_SWEEP_SECONDS="5",
        DERIVATION_SWEEP_SECONDS="15",
        NOTIFICATION_SWEEP_SECONDS="15",
        EVENT_SWEEP_SECONDS="15",
        CELERY_TASK_ALWAYS_EAGER="0",
        WEB_PORT=str(web),
        PROVIDER_PORT=str(provider),
        DEMO_PROVIDER_URL=f"http://127.0.0.1:{provider}",
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        PYTHONUNBUFFERED="1",
    )
    return env


def run(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


def query(database: Path, sql: str) -> list[tuple]:
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=10)
    try:
        return connection.execute(sql).fetchall()
    finally:
        connection.close()


def outage_mails(var: Path) -> list[str]:
    subjects = []
    for path in sorted((var / "mail").glob("*.log")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        subjects.append(str(message["Subject"]).strip())
    return [subject for subject in subjects if subject.startswith("[Outage]")]


def overview_row(base: str, outage_id: int) -> str:
    """The console overview's row of an outage, logged in as the demo's admin."""
    with httpx.Client(base_url=base, timeout=10, follow_redirects=True) as client:
        client.get("/admin/login/")
        login = client.post(
            "/admin/login/?next=/console/",
            data={
                "username": "admin",
                "password": "continuity-demo",
                "csrfmiddlewaretoken": client.cookies["csrftoken"],
                "next": "/console/",
            },
            headers={"Referer": f"{base}/admin/login/"},
        )
        assert login.status_code == 200 and str(login.url).endswith("/console/"), login.url
        match = re.search(rf'<tr[^>]*data-outage="{outage_id}".*?</tr>', login.text, re.S)
        assert match, login.text[:2000]
        return match.group(0)


def test_demo_outage_opens_and_recovery_closes_it_under_make_serve(tmp_path):
    var = tmp_path / "var"
    env = serve_environment(var)
    run(env, "manage.py", "migrate", "--noinput", "-v0")
    run(env, "manage.py", "load_demo", "--live-only")
    database = var / "continuity.sqlite3"
    base = f"http://127.0.0.1:{env['WEB_PORT']}"
    honcho = [sys.executable, "-m", "honcho", "-f", str(ROOT / "Procfile"), "start"]

    with live._running("honcho", honcho, env, grace=15) as processes:

        def log() -> str:
            return processes.log()[-3000:]

        def probing() -> bool:
            processes.check_alive()
            return query(database, "SELECT count(*) FROM incidents_proberesult")[0][0] >= 2

        live.wait_until(probing, 90, 0.5, message=log)
        assert query(database, "SELECT count(*) FROM incidents_outage") == [(0,)]
        output = run(env, "-m", "console.simulated_provider", "outage")  # make demo-outage
        assert "failing" in output

        def open_outage() -> list[tuple]:
            processes.check_alive()
            return query(database, "SELECT id FROM incidents_outage WHERE ended_at IS NULL")

        [(outage_id,)] = live.wait_until(open_outage, 90, 0.5, message=log)

        def activation() -> list[tuple]:
            return query(
                database,
                "SELECT automatic, activated_by FROM continuity_fallbackactivation "
                f"WHERE outage_id = {outage_id}",
            )

        assert live.wait_until(activation, 60, 0.5, message=log) == [(1, "auto-activation")]
        mails = live.wait_until(lambda: outage_mails(var), 60, 0.5, message=log)
        assert mails == ["[Outage] Live assistant (simulated AI) is down"]
        row = overview_row(base, outage_id)
        assert "Live assistant (simulated AI)" in row
        assert "live-duration" in row  # the console ticks it in the browser
        page = httpx.get(f"{base}/status/northwind/", timeout=10)
        assert page.status_code == 200
        assert "Major outage in progress" in page.text

        def hooked() -> bool:
            hooks = var / "provider-hooks.log"
            return hooks.exists() and '"type": "outage.opened"' in hooks.read_text()

        live.wait_until(hooked, 60, 0.5, message=log)
        assert "webhook event received" in processes.log()

        run(env, "-m", "console.simulated_provider", "recover")  # make demo-recover

        def closed() -> bool:
            processes.check_alive()
            rows = query(database, f"SELECT ended_at FROM incidents_outage WHERE id = {outage_id}")
            return rows[0][0] is not None

        live.wait_until(closed, 90, 0.5, message=log)
        assert query(database, "SELECT count(*) FROM incidents_outage") == [(1,)]
        assert "Major outage in progress" not in httpx.get(f"{base}/status/northwind/").text
        assert outage_mails(var) == mails  # the outage mailed once
