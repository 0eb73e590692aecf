"""A key authenticated a moment ago is not looked up again for API_KEY_CACHE_SECONDS; a wrong
secret never rides on a cached success, and revocation is honoured within the window (at
once in the process that revokes)."""

import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from continuity.models import APIKey
from continuity.services import api_key_revoke
from tests.factories import make_key

pytestmark = pytest.mark.django_db

URL = "/api/v1/workflows/"


def key_lookups(queries) -> int:
    return sum(
        1
        for q in queries
        if q["sql"].lstrip().startswith("SELECT") and "continuity_apikey" in q["sql"]
    )


def get(api, raw_key: str) -> tuple[int, list[dict]]:
    with CaptureQueriesContext(connection) as captured:
        status = api(raw_key).get(URL).status_code
    return status, captured.captured_queries


def prefix_of(raw_key: str) -> str:
    return raw_key[len(APIKey.PREFIX) :].split("_", 1)[0]


def test_a_second_request_skips_the_key_lookup(api, customer):
    raw = make_key(customer=customer)
    first_status, first = get(api, raw)
    second_status, second = get(api, raw)
    assert (first_status, second_status) == (200, 200)
    assert key_lookups(first) == 1 and key_lookups(second) == 0
    # The lookup and the once-a-minute last_used_at write (due on a key never used) are gone.
    assert len(second) == len(first) - 2
    assert not any("UPDATE" in q["sql"] for q in second)


def test_without_the_cache_every_request_looks_the_key_up(api, customer, settings):
    settings.API_KEY_CACHE_SECONDS = 0
    raw = make_key(customer=customer)
    get(api, raw)
    assert key_lookups(get(api, raw)[1]) == 1


def test_a_wrong_secret_under_a_cached_prefix_is_refused(api, customer):
    raw = make_key(customer=customer)
    assert get(api, raw)[0] == 200
    forged = raw[:-4] + ("AAAA" if not raw.endswith("AAAA") else "BBBB")
    status, queries = get(api, forged)
    assert status == 401
    assert key_lookups(queries) == 1  # looked up, not answered from the cache


def test_revoking_through_the_service_is_honoured_at_once(api, customer):
    raw = make_key(customer=customer)
    assert get(api, raw)[0] == 200
    api_key_revoke(key=APIKey.objects.get(key_prefix=prefix_of(raw)))
    assert get(api, raw)[0] == 401


def test_a_revocation_by_another_process_is_honoured_within_the_window(api, customer, settings):
    settings.API_KEY_CACHE_SECONDS = 1
    raw = make_key(customer=customer)
    assert get(api, raw)[0] == 200
    # A bulk UPDATE sends no signal: as when another process revokes the key.
    APIKey.objects.filter(key_prefix=prefix_of(raw)).update(revoked_at="2026-01-01T00:00Z")
    assert get(api, raw)[0] == 200  # still within the stated second
    time.sleep(1.1)
    assert get(api, raw)[0] == 401


def test_last_used_at_is_written_once_a_minute_not_per_request(api, customer):
    raw = make_key(customer=customer)
    writes = 0
    for _ in range(5):
        _, queries = get(api, raw)
        writes += sum(1 for q in queries if 'UPDATE "continuity_apikey"' in q["sql"])
    assert writes == 1
    assert APIKey.objects.get(key_prefix=prefix_of(raw)).last_used_at is not None
