"""Settings come from the environment; a value they do not understand stops start-up."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from continuity.env import env_bool, env_int

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("raw, expected", [(None, 7), ("", 7), ("12", 12), (" 0 ", 0), ("-3", -3)])
def test_integers_are_read_with_their_default(monkeypatch, raw, expected):
    if raw is None:
        monkeypatch.delenv("CONTINUITY_TEST_INT", raising=False)
    else:
        monkeypatch.setenv("CONTINUITY_TEST_INT", raw)
    assert env_int("CONTINUITY_TEST_INT", 7) == expected


@pytest.mark.parametrize("raw, message", [("ten", "not an integer"), ("-1", "below its minimum")])
def test_a_bad_integer_names_the_variable(monkeypatch, raw, message):
    monkeypatch.setenv("CONTINUITY_TEST_INT", raw)
    with pytest.raises(ImproperlyConfigured, match=f"CONTINUITY_TEST_INT=.*{message}"):
        env_int("CONTINUITY_TEST_INT", 7, minimum=0)


def test_a_boolean_must_be_one_of_the_known_spellings(monkeypatch):
    monkeypatch.setenv("CONTINUITY_TEST_BOOL", "Yes")
    assert env_bool("CONTINUITY_TEST_BOOL", False) is True
    monkeypatch.setenv("CONTINUITY_TEST_BOOL", "maybe")
    with pytest.raises(ImproperlyConfigured, match="CONTINUITY_TEST_BOOL"):
        env_bool("CONTINUITY_TEST_BOOL", False)


def test_a_negative_derivation_delay_stops_start_up():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "continuity.settings"}
    env["DERIVATION_DELAY_MS"] = "-500"
    started = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert started.returncode != 0
    assert "DERIVATION_DELAY_MS='-500' is below its minimum, 0" in started.stderr


PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "n7#Qv2!rL9xZ@c4Wm8^tB1&yH6*pK3(sF5)gJ0-dA2+eU7=oI9_wE4~",
    "ALLOWED_HOSTS": "continuity.example.com",
}


def django_process(args: list[str], **env: str) -> subprocess.CompletedProcess:
    """Run Python under continuity.settings with the environment the test gives, not the
    plain-HTTP one the test suite itself runs with (tests/settings.py)."""
    from tests.live import LOCAL_HTTP_ENV

    base = {k: v for k, v in os.environ.items() if k not in LOCAL_HTTP_ENV and k != "DEBUG"}
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**base, "DJANGO_SETTINGS_MODULE": "continuity.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def settings_values(*names: str, **env: str) -> list:
    code = (
        "import django, json; django.setup(); from django.conf import settings; "
        f"print(json.dumps([getattr(settings, n) for n in {list(names)!r}], default=str))"
    )
    started = django_process(["-c", code], **env)
    assert started.returncode == 0, started.stderr
    return json.loads(started.stdout.strip().splitlines()[-1])


def test_without_debug_a_missing_secret_key_stops_start_up():
    started = django_process(["-c", "import django; django.setup()"], DEBUG="0")
    assert started.returncode != 0
    assert "SECRET_KEY is not set" in started.stderr


def test_debug_runs_with_the_built_in_development_key():
    [key] = settings_values("SECRET_KEY", DEBUG="1")
    assert key.startswith("insecure-dev-key")


SECURE = [
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
]


def test_https_is_on_by_default_without_debug():
    assert settings_values(*SECURE, **PRODUCTION) == [True, 31_536_000, True, True]


def test_each_https_setting_is_switched_by_the_variable_of_its_name():
    plain = {"SECURE_SSL_REDIRECT": "0", "SECURE_HSTS_SECONDS": "0"}
    plain |= {"SESSION_COOKIE_SECURE": "no", "CSRF_COOKIE_SECURE": "false"}
    assert settings_values(*SECURE, **PRODUCTION, **plain) == [False, 0, False, False]


def test_https_is_off_by_default_with_debug():
    assert settings_values(*SECURE, DEBUG="1") == [False, 0, False, False]


def test_a_tls_terminating_proxy_header_is_read_as_a_pair():
    env = {**PRODUCTION, "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO, https"}
    assert settings_values("SECURE_PROXY_SSL_HEADER", **env) == [
        ["HTTP_X_FORWARDED_PROTO", "https"]
    ]
    started = django_process(
        ["-c", "import django; django.setup()"], **PRODUCTION, SECURE_PROXY_SSL_HEADER="https"
    )
    assert "SECURE_PROXY_SSL_HEADER must be two comma-separated values" in started.stderr


def test_the_cache_is_redis_when_a_url_is_given_and_local_otherwise():
    [local] = settings_values("CACHES", **PRODUCTION)
    [shared] = settings_values("CACHES", **PRODUCTION, REDIS_URL="redis://127.0.0.1:6379/3")
    assert local["default"]["BACKEND"].endswith("LocMemCache")
    assert shared["default"] == {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:6379/3",
    }


@pytest.mark.parametrize(
    "name, value, message",
    [
        ("CACHE_URL", "memcached://x", "CACHE_URL='memcached://x' is not a redis:// URL"),
        ("THROTTLE_RATE_FAILED_AUTH", "lots", "THROTTLE_RATE_FAILED_AUTH='lots' is not a rate"),
    ],
)
def test_a_bad_cache_or_rate_stops_start_up(name, value, message):
    started = django_process(["-c", "import django; django.setup()"], **PRODUCTION, **{name: value})
    assert started.returncode != 0
    assert message in started.stderr


def test_the_deploy_check_finds_nothing_with_production_settings():
    checked = django_process(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **PRODUCTION
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "System check identified no issues" in checked.stdout
    assert "WARNING" not in checked.stdout + checked.stderr
