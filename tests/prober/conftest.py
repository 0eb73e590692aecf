"""Fixtures for the prober tests: local stand-ins for the outside world, and live processes.

The stand-ins listen on loopback, which the outbound policy refuses by default: each
fixture that starts one allows loopback explicitly (``OUTBOUND_ALLOWED_NETWORKS``, in the
settings and in the environment of live processes), so the default stays secure.

The live fixtures mirror ``tests/integration/conftest.py`` (real gunicorn, Celery workers
and beat on the test database) but accept any dedicated Redis database other than 0, so
this suite can run next to others on its own database (e.g. ``redis://…/14``).
"""

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from django.db import connection

from continuity.celery import app as celery_app
from tests import live
from tests.prober.servers import LLMStub, StatuspageStub, TargetServer, self_signed_cert

LOOPBACK = ["127.0.0.0/8", "::1/128"]


@pytest.fixture
def loopback_allowed(settings) -> list[str]:
    settings.OUTBOUND_ALLOWED_NETWORKS = LOOPBACK
    return LOOPBACK


@pytest.fixture(scope="session")
def tls_cert(tmp_path_factory):
    return self_signed_cert(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def target(loopback_allowed) -> Iterator[TargetServer]:
    with TargetServer() as server:
        yield server


@pytest.fixture
def tls_target(tls_cert, loopback_allowed) -> Iterator[TargetServer]:
    with TargetServer(tls=tls_cert) as server:
        yield server


@pytest.fixture
def llm_stub(loopback_allowed) -> Iterator[LLMStub]:
    with LLMStub() as server:
        yield server


@pytest.fixture
def statuspage(loopback_allowed) -> Iterator[StatuspageStub]:
    with StatuspageStub() as server:
        yield server


@pytest.fixture
def broker_url() -> str:
    url = celery_app.conf.broker_url or ""
    parts = urlsplit(url)
    if parts.scheme not in {"redis", "rediss"}:
        pytest.skip("live prober tests need CELERY_BROKER_URL=redis://…/<db>")
    if parts.path.strip("/") in {"", "0"}:
        pytest.skip(f"live tests flush their Redis database; {url} is not a dedicated one")
    if not live.redis_available(url):
        pytest.fail(f"Redis at {url} does not answer")
    return url


@pytest.fixture
def live_env(transactional_db, broker_url) -> dict[str, str]:
    if connection.vendor != "postgresql":
        pytest.skip("live prober tests need DATABASE_URL=postgres://…")
    return live.live_environment(
        broker_url,
        PROBE_DISPATCH_SECONDS="1",
        DERIVATION_SWEEP_SECONDS="5",
        PROBE_LOCATION="",
        OUTBOUND_ALLOWED_NETWORKS=",".join(LOOPBACK),
    )


@pytest.fixture
def main_worker(live_env) -> Iterator[live.LiveProcess]:
    """The worker of the default queue: dispatch, derivation, sweeps."""
    with live.celery_worker(live_env) as process:
        yield process


@pytest.fixture
def beat(live_env) -> Iterator[live.LiveProcess]:
    with live.celery_beat(live_env) as process:
        yield process
