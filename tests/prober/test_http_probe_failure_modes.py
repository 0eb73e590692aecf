"""Each way an HTTP endpoint can fail gives `down` with an error saying which way it failed."""

import threading

import pytest

from incidents.prober.runner import run_checks_sync
from incidents.prober.spec import CheckSpec
from tests.live import free_port


def check(url: str, **options):
    spec = CheckSpec(probe_id=1, kind="http", target=url, **{"timeout_ms": 2000, **options})
    [result] = run_checks_sync([spec], environ={})
    return result


def test_up(target):
    result = check(target.url + "/health")
    assert (result.outcome, result.status_code, result.error) == ("up", 200, "")
    assert result.latency_ms is not None and result.latency_ms < 2000
    assert result.observed_at.tzinfo is not None


def test_wrong_status_is_down(target):
    target.mode = "error"
    result = check(target.url)
    assert (result.outcome, result.status_code) == ("down", 500)
    assert result.error == "HTTP 500 Internal Server Error, expected 2xx"


def test_expected_status_list_is_honoured(target):
    target.mode = "error"
    assert check(target.url, expected_status=(500,)).outcome == "up"
    target.mode = "up"
    result = check(target.url, expected_status=(204, 301))
    assert (result.outcome, result.error) == ("down", "HTTP 200 OK, expected 204, 301")


def test_slow_response_is_degraded_above_threshold(target):
    target.mode, target.delay = "slow", 0.4
    result = check(target.url, degraded_latency_ms=200)
    assert result.outcome == "degraded"
    assert result.latency_ms >= 400
    assert result.error.startswith("slow: ") and "above the 200 ms threshold" in result.error
    assert check(target.url, degraded_latency_ms=5000).outcome == "up"


def test_hanging_server_times_out(target):
    target.mode = "hang"
    result = check(target.url, timeout_ms=500)
    assert result.outcome == "down"
    assert result.error == "timeout: no answer after 500 ms (waiting for the response)"
    assert result.status_code is None


def test_closed_port_is_connection_refused(loopback_allowed):
    port = free_port()
    result = check(f"http://127.0.0.1:{port}/")
    assert result.outcome == "down"
    assert result.error == f"connection refused by 127.0.0.1:{port}"


def test_turning_the_server_off_and_on(target):
    assert check(target.url).outcome == "up"
    target.stop()
    assert check(target.url).error.startswith("connection refused")
    target.start()
    assert check(target.url).outcome == "up"


def test_dns_failure():
    result = check("http://no-such-host.invalid/health")
    assert result.outcome == "down"
    assert result.error.startswith("DNS error: cannot resolve no-such-host.invalid")


def test_bad_tls_certificate(tls_target):
    result = check(tls_target.url + "/")
    assert result.outcome == "down"
    assert result.error.startswith("TLS error: certificate verification failed for 127.0.0.1")
    assert "self-signed certificate" in result.error


def test_tls_verification_can_be_turned_off(tls_target):
    assert check(tls_target.url + "/", verify_tls=False).outcome == "up"


@pytest.mark.parametrize(
    ("assertion", "outcome", "error"),
    [
        ({"contains": '"status": "ok"'}, "up", ""),
        ({"contains": "healthy"}, "down", "body assertion failed: response does not contain "),
        ({"json_path": "$.status", "equals": "ok"}, "up", ""),
        ({"json_path": "$.checks[0].db", "equals": "ok"}, "up", ""),
        (
            {"json_path": "$.status", "equals": "green"},
            "down",
            'body assertion failed: $.status is "ok", expected "green"',
        ),
        (
            {"json_path": "$.version", "equals": 2},
            "down",
            "body assertion failed: $ has no key 'version'",
        ),
    ],
)
def test_body_assertions(target, assertion, outcome, error):
    result = check(target.url, body_assertion=assertion)
    assert result.outcome == outcome
    assert result.error.startswith(error) if error else result.error == ""


def test_method_headers_and_body_are_sent(target):
    spec_headers = (("X-Static", "1"), ("Authorization", {"env": "PROBE_TARGET_TOKEN"}))
    spec = CheckSpec(
        probe_id=7,
        kind="http",
        target=target.url + "/submit",
        method="POST",
        headers=spec_headers,
        body='{"ping": true}',
        timeout_ms=2000,
    )
    [result] = run_checks_sync([spec], environ={"PROBE_TARGET_TOKEN": "Bearer tok-123456"})
    assert result.outcome == "up"
    [seen] = target.requests()
    assert (seen.method, seen.path, seen.body) == ("POST", "/submit", b'{"ping": true}')
    assert seen.headers["Authorization"] == "Bearer tok-123456"
    assert seen.headers["X-Static"] == "1"


def test_missing_secret_variable_is_a_clear_down_without_a_request(target):
    spec = CheckSpec(
        probe_id=7,
        kind="http",
        target=target.url,
        headers=(("Authorization", {"env": "PROBE_NOT_SET_ANYWHERE"}),),
    )
    [result] = run_checks_sync([spec], environ={})
    assert result.outcome == "down"
    assert result.error == (
        "configuration: environment variable PROBE_NOT_SET_ANYWHERE (header Authorization) "
        "is not set"
    )
    assert target.requests() == []


def test_only_variables_opened_to_probes_can_be_sent(target):
    """A probe (tenants write them) cannot send the worker's own secrets anywhere."""
    spec = CheckSpec(
        probe_id=7,
        kind="http",
        target=target.url,
        headers=(("X-Leak", {"env": "SECRET_KEY"}),),
    )
    environ = {"SECRET_KEY": "django-insecure-abcdef"}
    [result] = run_checks_sync([spec], environ=environ)
    assert result.outcome == "down"
    assert result.error == (
        "configuration: environment variable SECRET_KEY (header X-Leak) is not open to probes "
        "(name it PROBE_… or list it in PROBE_SECRETS)"
    )
    assert target.requests() == []
    # The operator may open a variable explicitly.
    [result] = run_checks_sync([spec], environ={**environ, "PROBE_SECRETS": "A, SECRET_KEY"})
    assert result.outcome == "up"
    assert target.requests()[0].headers["X-Leak"] == "django-insecure-abcdef"


def test_many_probes_run_concurrently(target):
    """The server answers only once all 20 requests are in flight together."""
    target.mode, target.barrier = "barrier", threading.Barrier(20)
    specs = [
        CheckSpec(probe_id=n, kind="http", target=f"{target.url}/{n}", timeout_ms=15_000)
        for n in range(20)
    ]
    results = run_checks_sync(specs, environ={})
    assert [r.probe_id for r in results] == list(range(20))
    assert [r.outcome for r in results] == ["up"] * 20, results[0].error
