"""Only the metrics token, a staff API key or an allow-listed network reads `/metrics`;
anyone else gets a JSON 401 or 403 and no figures."""

import pytest

from tests.factories import WorkflowFactory, make_key
from tests.metrics.scrape import TOKEN, samples

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def a_workflow():
    return WorkflowFactory()


def get(web, authorization: str | None = None, **extra):
    if authorization is not None:
        extra["HTTP_AUTHORIZATION"] = authorization
    return web.get("/metrics", **extra)


def assert_refused(response, status: int) -> None:
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert "detail" in response.json()
    assert b"continuity_workflow" not in response.content


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer ", f"Bearer {TOKEN}x", f"Token {TOKEN}", "Bearer ck_nope_nope"],
)
def test_no_or_wrong_credentials_are_401(web, metrics_token, authorization):
    response = get(web, authorization)
    assert_refused(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_customer_api_key_is_403(web, metrics_token, customer):
    assert_refused(get(web, f"Bearer {make_key(customer=customer)}"), 403)


def test_without_a_configured_token_no_bearer_value_passes(web, settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_NETWORKS = []
    assert_refused(get(web, "Bearer "), 401)
    assert_refused(get(web, f"Bearer {TOKEN}"), 401)


@pytest.mark.parametrize("credentials", ["token", "staff key"])
def test_the_token_and_a_staff_key_read_the_metrics(web, metrics_token, credentials):
    secret = TOKEN if credentials == "token" else make_key(name="prometheus")
    response = get(web, f"Bearer {secret}")
    assert response.status_code == 200
    assert ("continuity_derivation_lag_seconds", frozenset()) in samples(response.content.decode())


def test_an_allow_listed_network_needs_no_credentials(web, settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_NETWORKS = ["10.0.0.0/8", "127.0.0.0/8"]
    assert get(web).status_code == 200
    settings.METRICS_ALLOWED_NETWORKS = ["10.0.0.0/8"]
    assert_refused(get(web), 401)


def test_a_forwarded_for_header_the_client_wrote_is_not_believed(web, settings):
    settings.METRICS_ALLOWED_NETWORKS = ["10.0.0.0/8"]
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 0}
    assert_refused(get(web, HTTP_X_FORWARDED_FOR="10.1.2.3"), 401)


def test_openmetrics_when_the_scraper_asks_for_it(web, metrics_token):
    response = get(
        web,
        f"Bearer {TOKEN}",
        HTTP_ACCEPT="application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5",
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/openmetrics-text")
    assert response.content.endswith(b"# EOF\n")


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_other_methods_are_a_json_405(web, metrics_token, method):
    response = getattr(web, method)("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert response.json()["detail"]


def test_repeated_failures_from_one_address_are_throttled(web, metrics_token, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "failed_auth": "3/min",
        },
    }
    for _ in range(3):
        assert_refused(get(web, "Bearer wrong"), 401)
    response = get(web, f"Bearer {TOKEN}")
    assert_refused(response, 429)
    assert int(response["Retry-After"]) > 0
