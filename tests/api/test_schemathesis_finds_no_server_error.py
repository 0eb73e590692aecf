"""Schemathesis against the served API: no 500, and every answer is one the schema documents.

gunicorn serves the app on the test database (tests/live.py); the schemathesis CLI runs
every phase (examples, coverage, fuzzing, stateful) with every check, once with a staff
key and once with a customer key, from a fixed seed and a fixed example budget.
"""

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection

from tests import live
from tests.factories import CustomerFactory, ProbeFactory, WorkflowFactory, make_key
from tests.smtp import smtp_server

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db(transaction=True)]

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
CONFIG = Path(__file__).with_name("schemathesis.toml")
SEED = 20260901
MAX_EXAMPLES = 3
RUN_TIMEOUT_SECONDS = 900

# Throttles are tested elsewhere (test_throttles_answer_429_with_retry_after.py). Here they
# would end the run early: schemathesis' `ignored_auth` check sends requests without a key,
# and after 60 such 401s a minute every request from 127.0.0.1 would be a 429.
# DRF and django-filter parse leniently by design: a CharField takes the number 0 as "0",
# a DecimalField the number 0.5, and a filter given "" or `null` filters nothing. Such a
# request is answered correctly, just not refused, so schemathesis' "schema-violating
# request accepted" check is left out of `--checks all`.
LENIENT_BY_DESIGN = "negative_data_rejection"

UNTHROTTLED = {
    "THROTTLE_RATE_PER_KEY": "1000000/min",
    "THROTTLE_RATE_ANONYMOUS": "1000000/min",
    "THROTTLE_RATE_FAILED_AUTH": "1000000/min",
    "THROTTLE_RATE_REPORT_SEND": "1000000/min",
}


@pytest.fixture
def served(transactional_db, tmp_path) -> Iterator[str]:
    """The app under gunicorn on the test database; tasks run in the server, mail goes to a
    real local SMTP server."""
    if connection.vendor != "postgresql":
        pytest.skip("the served instance needs DATABASE_URL=postgres://… (see `make test`)")
    with smtp_server() as (_inbox, smtp_port):
        env = {
            "DATABASE_URL": live.database_url(),
            "CELERY_BROKER_URL": "",
            "CELERY_TASK_ALWAYS_EAGER": "1",
            "CACHE_URL": "",
            "DEBUG": "0",
            "LOG_LEVEL": "WARNING",
            "MEDIA_ROOT": str(tmp_path / "media"),
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp_port),
            **UNTHROTTLED,
        }
        with live.serve_wsgi(env, workers=2, threads=2) as base_url:
            yield base_url


@pytest.fixture
def keys(transactional_db) -> dict[str, str]:
    """A staff key, and the key of a customer that has a workflow and a probe."""
    customer = CustomerFactory()
    ProbeFactory(workflow=WorkflowFactory(customer=customer))
    scopes = ("read", "write", "ingest")
    return {
        "staff": make_key(scopes=scopes, name="fuzz staff"),
        "customer": make_key(customer=customer, scopes=scopes, name="fuzz customer"),
    }


def run_schemathesis(base_url: str, key: str, report_dir: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            str(SCHEMATHESIS),
            "--config-file",
            str(CONFIG),
            "run",
            f"{base_url}/api/schema/?format=json",
            "--url",
            base_url,
            "--checks",
            "all",
            "--exclude-checks",
            LENIENT_BY_DESIGN,
            "--phases",
            "examples,coverage,fuzzing,stateful",
            "--max-examples",
            str(MAX_EXAMPLES),
            "--seed",
            str(SEED),
            "--workers",
            "2",
            "--generation-database",
            "none",
            "--request-timeout",
            "60",
            "--header",
            f"Authorization: Bearer {key}",
            "--report",
            "junit",
            "--report-dir",
            str(report_dir),
            "--no-color",
        ],
        capture_output=True,
        text=True,
        cwd=report_dir.parent,  # its cache of earlier failures stays with this run
        timeout=RUN_TIMEOUT_SECONDS,
        check=False,
    )


@pytest.mark.parametrize("who", ["staff", "customer"])
def test_schemathesis_finds_no_server_error_nor_undocumented_answer(served, keys, who, tmp_path):
    result = run_schemathesis(served, keys[who], tmp_path / "report")
    assert result.returncode == 0, f"schemathesis with the {who} key:\n{result.stdout[-20000:]}"
    assert "Internal Server Error" not in served.process.log()
