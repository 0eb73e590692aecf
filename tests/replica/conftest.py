"""A real streaming replica of the test PostgreSQL, cloned once per session.

`pg_basebackup -R -X stream` copies the running cluster (the test database included, since
pytest-django has created it by then) into a temporary directory owned by `postgres`, and
`pg_ctl` starts it as a hot standby on a spare port with its socket in that directory. The
primary must accept replication connections from 127.0.0.1 (`.ci/run` adds the pg_hba.conf
line). Each test that asks for `replica` gets it as the `replica` alias with the router on,
exactly as `DATABASE_REPLICA_URL` configures it, and loses it again afterwards.
"""

from __future__ import annotations

import contextlib
import copy
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from django.conf import settings as django_settings
from django.db import connections

from continuity.replica import REPLICA, ROUTER

PG_BIN = Path("/usr/lib/postgresql/15/bin")
START_TIMEOUT_SECONDS = 60


@dataclass(frozen=True)
class StreamingReplica:
    port: int
    directory: Path

    def sql(self, statement: str) -> list[tuple]:
        """Run a statement on the standby itself (outside Django), e.g. pause its replay."""
        with psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname="postgres", autocommit=True
        ) as conn:
            cursor = conn.execute(statement)
            return cursor.fetchall() if cursor.description else []


def _as_postgres(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["runuser", "-u", "postgres", "--", *args],
        check=True,
        capture_output=True,
        text=True,
        **kwargs,
    )


def _spare_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def streaming_replica(django_db_setup, django_db_blocker) -> Iterator[StreamingReplica]:
    primary = connections["default"].settings_dict
    if primary["ENGINE"] != "django.db.backends.postgresql":
        pytest.fail("the replica tests need DATABASE_URL to point at PostgreSQL")
    root = Path(tempfile.mkdtemp(prefix="cr-replica-", dir="/tmp"))
    shutil.chown(root, "postgres", "postgres")
    data = root / "data"
    try:
        _as_postgres(
            str(PG_BIN / "pg_basebackup"),
            "-R",
            "-D",
            str(data),
            "-h",
            primary["HOST"] or "127.0.0.1",
            "-p",
            str(primary["PORT"] or 5432),
            "-U",
            primary["USER"] or "postgres",
            "-X",
            "stream",
            "-c",
            "fast",
        )
    except subprocess.CalledProcessError as exc:
        shutil.rmtree(root, ignore_errors=True)
        pytest.fail(
            f"pg_basebackup failed: {exc.stderr.strip()}\n(the primary's pg_hba.conf must allow "
            "'host replication all 127.0.0.1/32 trust'; .ci/run adds it)"
        )
    # Debian keeps the cluster's configuration outside its data directory: give the copy its own.
    for name, text in {
        "postgresql.conf": "listen_addresses = '127.0.0.1'\nhot_standby = on\n"
        "shared_buffers = 32MB\nfsync = off\n",
        "pg_hba.conf": "local all all trust\nhost all all 127.0.0.1/32 trust\n",
        "pg_ident.conf": "",
    }.items():
        (data / name).write_text(text)
        shutil.chown(data / name, "postgres", "postgres")
    port = _spare_port()
    log = root / "replica.log"
    _as_postgres(
        str(PG_BIN / "pg_ctl"),
        "-D",
        str(data),
        "-l",
        str(log),
        "-w",
        "-t",
        str(START_TIMEOUT_SECONDS),
        "-o",
        f"-p {port} -k {root}",
        "start",
    )
    replica = StreamingReplica(port=port, directory=root)
    # The alias exists from here on (a test case checks its databases exist when it sets up),
    # but nothing reads it until a test installs the router (the `replica` fixture).
    entry = copy.deepcopy(primary)
    entry.update(HOST="127.0.0.1", PORT=str(port))
    entry["TEST"] = {**entry.get("TEST", {}), "MIRROR": "default"}
    if "pool" in entry.get("OPTIONS", {}):
        entry["OPTIONS"]["pool"]["timeout"] = min(django_settings.DB_POOL_TIMEOUT, 2)  # as settings
    django_settings.DATABASES[REPLICA] = entry
    try:
        [(in_recovery,)] = replica.sql("SELECT pg_is_in_recovery()")
        assert in_recovery, "the clone is not a standby"
        yield replica
    finally:
        connections[REPLICA].close()
        connections[REPLICA].close_pool()
        with contextlib.suppress(AttributeError):
            del connections[REPLICA]
        del django_settings.DATABASES[REPLICA]
        subprocess.run(
            ["runuser", "-u", "postgres", "--", str(PG_BIN / "pg_ctl"), "-D", str(data)]
            + ["-m", "immediate", "-w", "stop"],
            check=False,
            capture_output=True,
        )
        shutil.rmtree(root, ignore_errors=True)


def wait_until_replayed(replica: StreamingReplica, timeout: float = 30.0) -> None:
    """Until the standby has replayed everything the primary has written so far."""
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        (target,) = cursor.fetchone()
    deadline = time.monotonic() + timeout
    while True:
        [(done,)] = replica.sql(f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn")
        if done:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"the replica did not replay up to {target} in {timeout} s")
        time.sleep(0.05)


@pytest.fixture
def replica(streaming_replica, settings) -> Iterator[StreamingReplica]:
    """The router on, as DATABASE_REPLICA_URL sets it, for one test; replay resumed after."""
    settings.DATABASE_ROUTERS = [ROUTER]
    try:
        yield streaming_replica
    finally:
        streaming_replica.sql("SELECT pg_wal_replay_resume()")


replica_test = pytest.mark.django_db(transaction=True, databases=["default", REPLICA])
