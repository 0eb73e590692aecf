"""The throw-away PostgreSQL database every bench script runs in."""

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent


def use_local_http() -> None:
    """Run as the test suite does: DEBUG off over plain HTTP on loopback, with a fixed key,
    and no per-key request limit to skew the figures (set in the environment, so the
    servers and workers a bench starts inherit it)."""
    from tests.live import LOCAL_HTTP_ENV

    for name, value in {**LOCAL_HTTP_ENV, "THROTTLE_RATE_PER_KEY": "10000000/min"}.items():
        os.environ.setdefault(name, value)


def bench_database_url(suffix: str) -> tuple[str, str]:
    """(bench DATABASE_URL, maintenance-db URL). The bench database's name always ends in
    `suffix`, so the database you work in is never the one dropped."""
    default = f"postgres://postgres@127.0.0.1:5432/continuity{suffix}"
    url = os.environ.get("DATABASE_URL", default)
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql"}:
        sys.exit(f"the benchmarks need a PostgreSQL DATABASE_URL, got {url!r}")
    name = parts.path.lstrip("/") or "continuity"
    if not name.endswith(suffix):
        name += suffix
    bench = urlunsplit(parts._replace(scheme="postgresql", path=f"/{name}"))
    admin = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    return bench, admin


def create_empty_database(bench_url: str, admin_url: str) -> None:
    """Drop and create the (empty) database ``bench_url`` names."""
    import psycopg
    from psycopg import sql

    name = urlsplit(bench_url).path.lstrip("/")
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def recreate_database(bench_url: str, admin_url: str) -> None:
    """Drop and create the bench database, then migrate it."""
    create_empty_database(bench_url, admin_url)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": bench_url},
        check=True,
    )
