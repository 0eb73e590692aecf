"""Request limits, counted in the real cache: failed authentication per address, requests
per API key, explicit report resends, and the admin login lockout (django-axes)."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.cache import caches
from django.test import Client
from rest_framework.test import APIClient

from continuity.celery import app as celery_app
from reports import services as report_services
from reports.models import Report
from tests.factories import WorkflowFactory, make_key

pytestmark = pytest.mark.django_db

WRONG_KEY = "ck_nope_0000000000000000000000000000"


def rates(settings, **changed: str) -> None:
    rest = settings.REST_FRAMEWORK
    settings.REST_FRAMEWORK = {
        **rest,
        "DEFAULT_THROTTLE_RATES": {**rest["DEFAULT_THROTTLE_RATES"], **changed},
    }


def client(key: str | None = None, address: str = "203.0.113.7") -> APIClient:
    api = APIClient(REMOTE_ADDR=address)
    if key:
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return api


def test_sixty_failed_authentications_a_minute_then_429(db):
    attacker = client(WRONG_KEY)
    answers = [attacker.get("/api/v1/workflows/").status_code for _ in range(60)]
    assert answers == [401] * 60

    refused = attacker.get("/api/v1/workflows/")

    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60
    assert "throttled" in refused.json()["detail"].lower()
    # Refused before the key is looked at: even a valid key from that address waits ...
    assert client(make_key(), address="203.0.113.7").get("/api/v1/workflows/").status_code == 429
    # ... while other addresses are not affected.
    assert client(WRONG_KEY, address="198.51.100.2").get("/api/v1/workflows/").status_code == 401
    assert client(make_key(), address="198.51.100.2").get("/api/v1/workflows/").status_code == 200


def test_requests_without_credentials_count_as_failures(db):
    anonymous = client()
    assert {anonymous.get("/api/v1/outages/").status_code for _ in range(60)} == {401}
    assert anonymous.get("/api/v1/outages/").status_code == 429


def test_the_failure_budget_frees_up_after_a_minute(db):
    with time_machine.travel(datetime(2026, 9, 1, 12, 0, tzinfo=UTC), tick=False) as clock:
        attacker = client(WRONG_KEY)
        for _ in range(60):
            attacker.get("/api/v1/workflows/")
        assert attacker.get("/api/v1/workflows/").status_code == 429
        clock.shift(61)
        assert attacker.get("/api/v1/workflows/").status_code == 401


def test_a_valid_key_is_not_slowed_by_failures_below_the_limit(db):
    for _ in range(59):
        client(WRONG_KEY).get("/api/v1/workflows/")
    assert client(make_key()).get("/api/v1/workflows/").status_code == 200


def test_each_key_has_its_own_request_budget(db, settings):
    rates(settings, principal="5/min")
    busy, other = client(make_key(name="busy")), client(make_key(name="other"))
    assert [busy.get("/api/v1/workflows/").status_code for _ in range(5)] == [200] * 5

    refused = busy.get("/api/v1/workflows/")

    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert other.get("/api/v1/workflows/").status_code == 200


def test_the_default_key_budget_takes_an_agent_fleets_posts(db):
    key = make_key(scopes=("read", "ingest"))
    fleet = [client(key, address=f"10.0.0.{n}") for n in range(1, 11)]
    answers = {agent.get("/api/v1/probes/").status_code for agent in fleet for _ in range(30)}
    assert answers == {200}


def test_failures_are_shared_through_redis_when_configured(db, settings):
    broker = celery_app.conf.broker_url or ""
    if not broker.startswith("redis://"):
        pytest.skip("needs CELERY_BROKER_URL=redis://… (see `make test`)")
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": broker}
    }
    key = "throttle_failed_auth_192.0.2.44"
    caches["default"].delete(key)
    try:
        attacker = client(WRONG_KEY, address="192.0.2.44")
        for _ in range(60):
            attacker.get("/api/v1/workflows/")
        assert len(caches["default"].get(key)) == 60
        assert attacker.get("/api/v1/workflows/").status_code == 429
    finally:
        caches["default"].delete(key)


def test_explicit_resends_are_limited(
    customer, smtp, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    rates(settings, report_send="2/hour")
    WorkflowFactory(customer=customer)
    after_october = time_machine.travel(datetime(2026, 11, 2, 12, 0, tzinfo=UTC), tick=False)
    with after_october, django_capture_on_commit_callbacks(execute=True):
        report_services.report_generate(customer=customer, period="2026-10")
    report = Report.objects.get()
    assert report.state == "sent", report.last_error
    owner = client(make_key(customer=customer))

    answers = [owner.post(f"/api/v1/reports/{report.pk}/send/").status_code for _ in range(3)]

    assert answers == [200, 200, 429]
    assert len(smtp.messages) == 1 + 2
    refused = owner.post(f"/api/v1/reports/{report.pk}/send/")
    assert 0 < int(refused["Retry-After"]) <= 3600


def test_admin_login_locks_out_after_repeated_failures(db, settings):
    settings.AXES_FAILURE_LIMIT = 5
    User.objects.create_superuser("root", "root@example.com", "right-password-123")
    browser = Client(REMOTE_ADDR="203.0.113.9")

    answers = [
        browser.post("/admin/login/", {"username": "root", "password": f"guess-{n}"}).status_code
        for n in range(5)
    ]

    assert answers == [200, 200, 200, 200, 429]
    locked = browser.post("/admin/login/", {"username": "root", "password": "right-password-123"})
    assert locked.status_code == 429
    assert int(locked["Retry-After"]) == settings.AXES_COOLOFF_TIME.total_seconds()
    # Another address is not locked out of the same account.
    elsewhere = Client(REMOTE_ADDR="198.51.100.9")
    ok = elsewhere.post("/admin/login/", {"username": "root", "password": "right-password-123"})
    assert ok.status_code == 302
