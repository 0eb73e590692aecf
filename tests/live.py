"""Real processes for integration and browser tests: gunicorn, a Celery worker, beat.

No mocks: each helper starts the same command an operator would run, as a subprocess in
its own process group, with the given environment laid over ``os.environ``, waits until
it answers, and stops the whole group on exit. Each process writes stdout and stderr to
one log file; when the ``with`` body (or the start-up) fails, the log's tail is attached
to the exception as a note, so a failing test shows what the server or worker said.

Typical use from a pytest fixture (the test needs ``transactional_db`` so the rows it
creates are committed and visible to the subprocesses)::

    env = {"DATABASE_URL": database_url(), "CELERY_BROKER_URL": broker_url}
    with serve_wsgi(env) as base_url, celery_worker(env):
        ...
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
LOG_TAIL_LINES = 80

# DEBUG off over plain HTTP on loopback (README "Deploying"), with a key for tests only.
# tests/settings.py puts these in the environment, so every process a test starts has them.
LOCAL_HTTP_ENV = {
    "SECRET_KEY": "tests-only-not-secret-0123456789-abcdefghijklmnopqrstuvwxyz",
    "SECURE_SSL_REDIRECT": "0",
    "SESSION_COOKIE_SECURE": "0",
    "CSRF_COOKIE_SECURE": "0",
}

T = TypeVar("T")


class WaitTimeout(AssertionError):
    """A condition did not become true in time (an AssertionError, so pytest shows it)."""


class StopWaiting(Exception):
    """Raised by a ``wait_until`` predicate when waiting longer cannot help."""


class ProcessExited(StopWaiting, RuntimeError):
    """A live process ended while it was expected to run."""


def wait_until(
    predicate: Callable[[], T],
    timeout: float = 10.0,
    interval: float = 0.1,
    *,
    message: str | Callable[[], str] = "",
) -> T:
    """Call ``predicate`` until it returns something truthy, and return that.

    Exceptions raised by the predicate count as "not yet" (except :class:`StopWaiting`,
    which propagates at once); on timeout the last one is chained and named in the error,
    with ``message`` (a string or a callable giving one, e.g. to show the current state).
    """
    deadline = time.monotonic() + timeout
    last_error: BaseException | None = None
    attempts = 0
    while True:
        attempts += 1
        try:
            value = predicate()
        except StopWaiting:
            raise
        except Exception as exc:  # noqa: BLE001 - retried, reported on timeout
            last_error, value = exc, None
        else:
            last_error = None
        if value:
            return value
        if time.monotonic() >= deadline:
            break
        time.sleep(interval)
    what = message() if callable(message) else message
    name = getattr(predicate, "__name__", repr(predicate))
    detail = f"; last error: {repr(last_error)[:500]}" if last_error is not None else ""
    raise WaitTimeout(
        f"timed out after {timeout:.1f}s ({attempts} attempts) waiting for {name}"
        f"{': ' + what if what else ''}{detail}"
    ) from last_error


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url(settings_dict: Mapping[str, Any] | None = None) -> str:
    """A DATABASE_URL for the database Django is connected to *now*.

    Inside a pytest-django test that is the test database (``test_<name>``), so the
    subprocesses see exactly the rows the test committed.
    """
    if settings_dict is None:
        from django.db import connection

        settings_dict = connection.settings_dict
    engine = settings_dict["ENGINE"]
    if "postgresql" not in engine:
        raise RuntimeError(f"live processes need PostgreSQL; the test database uses {engine}")
    user = quote(settings_dict.get("USER") or "", safe="")
    password = quote(str(settings_dict.get("PASSWORD") or ""), safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{auth}{host}:{port}/{quote(settings_dict['NAME'], safe='')}"


def flush_redis(url: str) -> None:
    """Empty the Redis database of ``url`` (queues, unacked messages, results)."""
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        client.flushdb()
    finally:
        client.close()


def live_environment(broker_url: str, **extra: str) -> dict[str, str]:
    """Environment for app subprocesses on the test database and broker, tasks not eager.

    Call from a fixture on a transactional PostgreSQL test database: it empties the broker's
    Redis database and makes this process publish tasks rather than run them eagerly (the
    autouse ``eager_celery`` fixture restores that).
    """
    from continuity.celery import app as celery_app

    flush_redis(broker_url)
    celery_app.conf.task_always_eager = False
    return {
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": broker_url,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "DB_CONN_MAX_AGE": "0",
        "DEBUG": "0",
        "LOG_LEVEL": "WARNING",
        **extra,
    }


def redis_available(url: str) -> bool:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


class LiveURL(str):
    """A server's base URL that also carries the server's :class:`LiveProcess`."""

    process: LiveProcess


class LiveProcess:
    """A subprocess in its own process group, logging to a file."""

    hostname: str | None = None  # a Celery worker's node name

    def __init__(self, name: str, args: list[str], env: Mapping[str, str], log_dir: Path):
        self.name = name
        self.args = args
        self.log_path = log_dir / f"{name}.log"
        self._log_file = self.log_path.open("wb")
        full_env = {**os.environ, **{key: str(value) for key, value in env.items()}}
        full_env.setdefault("PYTHONUNBUFFERED", "1")
        self.popen = subprocess.Popen(
            args,
            cwd=ROOT,
            env=full_env,
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: killpg reaches every child
        )

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def log(self) -> str:
        self._log_file.flush()
        return self.log_path.read_text(errors="replace")

    def log_tail(self, lines: int = LOG_TAIL_LINES) -> str:
        return "\n".join(self.log().splitlines()[-lines:])

    def check_alive(self) -> None:
        if not self.alive():
            raise ProcessExited(
                f"{self.name} exited with code {self.popen.returncode} (its log is below)"
            )

    def stop(self, sig: int = signal.SIGTERM, grace: float = 10.0) -> None:
        """Signal the process group, wait ``grace`` seconds, then SIGKILL what is left."""
        try:
            if self.alive():
                self._signal_group(sig)
                try:
                    self.popen.wait(grace)
                except subprocess.TimeoutExpired:
                    # The leader is still unreaped, so the group is still ours to kill.
                    self._signal_group(signal.SIGKILL)
                    self.popen.wait(5)
        finally:
            self._log_file.close()

    def _signal_group(self, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.popen.pid, sig)


@contextlib.contextmanager
def _running(
    name: str,
    args: list[str],
    env: Mapping[str, str],
    *,
    stop_signal: int = signal.SIGTERM,
    grace: float = 10.0,
    log_dir: Path | None = None,
) -> Iterator[LiveProcess]:
    """Start a process; on any failure inside, attach its log tail to the exception."""
    with contextlib.ExitStack() as stack:
        if log_dir is None:
            log_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="live-")))
        process = LiveProcess(name, args, env, log_dir)
        try:
            yield process
        except BaseException as exc:
            if hasattr(exc, "add_note"):
                exc.add_note(f"--- last lines of the {name} log ---")
                exc.add_note(process.log_tail())
            raise
        finally:
            process.stop(stop_signal, grace)


def _no_control_socket() -> list[str]:
    """Newer gunicorn opens a control socket at one fixed path (~/.gunicorn/gunicorn.ctl),
    which servers running side by side would fight over; none of them needs it."""
    from gunicorn import config

    names = {setting.name for setting in config.KNOWN_SETTINGS}
    return ["--no-control-socket"] if "control_socket_disable" in names else []


@contextlib.contextmanager
def serve_wsgi(
    env: Mapping[str, str],
    *,
    workers: int = 2,
    threads: int = 1,
    port: int | None = None,
    startup_timeout: float = 30.0,
    ready_path: str = "/api/v1/",
    extra_args: tuple[str, ...] = (),
) -> Iterator[LiveURL]:
    """Serve ``continuity.wsgi:application`` with gunicorn; yields the base URL.

    Ready once ``ready_path`` gets any HTTP response (a 401/403 is an answer, too). The
    URL is a :class:`LiveURL`: ``base_url.process.log()`` is what gunicorn logged so far.
    """
    import httpx

    port = port or free_port()
    args = [
        sys.executable,
        "-m",
        "gunicorn",
        "continuity.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--graceful-timeout",
        "3",
        "--timeout",
        "120",
        "--error-logfile",
        "-",
        *_no_control_socket(),
        *extra_args,
    ]
    base_url = LiveURL(f"http://127.0.0.1:{port}")
    with _running("gunicorn", args, env) as process:
        base_url.process = process

        def answers() -> bool:
            process.check_alive()
            try:
                httpx.get(base_url + ready_path, timeout=2)
            except httpx.TransportError:
                return False
            return True

        wait_until(answers, startup_timeout, 0.1, message=f"gunicorn to answer on {base_url}")
        yield base_url


def _ping(broker_url: str, hostname: str) -> bool:
    from celery import Celery
    from kombu import Connection

    # An explicit connection: Celery prefers $CELERY_BROKER_URL over a broker= argument.
    app = Celery("live-ping", set_as_current=False)
    try:
        with Connection(broker_url, connect_timeout=2) as connection:
            replies = app.control.ping(destination=[hostname], timeout=0.5, connection=connection)
        return any(hostname in reply for reply in replies)
    finally:
        app.close()


@contextlib.contextmanager
def celery_worker(
    env: Mapping[str, str],
    queues: str = "celery",
    *,
    pool: str = "solo",
    startup_timeout: float = 30.0,
    loglevel: str = "INFO",
) -> Iterator[LiveProcess]:
    """Run ``celery -A continuity worker`` on ``queues`` until the block exits.

    Ready once it answers ``app.control.ping`` on the broker of ``env["CELERY_BROKER_URL"]``.
    Stopped with SIGTERM (a warm shutdown: a running task finishes first).
    """
    broker_url = env.get("CELERY_BROKER_URL") or os.environ.get("CELERY_BROKER_URL")
    if not broker_url:
        raise RuntimeError("celery_worker needs CELERY_BROKER_URL in env")
    hostname = f"live-{uuid.uuid4().hex[:8]}@{socket.gethostname()}"
    args = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "continuity",
        "worker",
        "-P",
        pool,
        "--concurrency",
        "1",
        "-Q",
        queues,
        "-n",
        hostname,
        "--loglevel",
        loglevel,
        "--without-heartbeat",
        "--without-gossip",
        "--without-mingle",
    ]
    with _running("celery-worker", args, env, grace=15.0) as process:

        def responds() -> bool:
            process.check_alive()
            return _ping(broker_url, hostname)

        wait_until(responds, startup_timeout, 0.2, message=f"worker {hostname} to answer ping")
        process.hostname = hostname
        yield process


@contextlib.contextmanager
def celery_beat(
    env: Mapping[str, str], *, startup_timeout: float = 30.0, loglevel: str = "INFO"
) -> Iterator[LiveProcess]:
    """Run ``celery -A continuity beat`` with its schedule file in a temporary directory.

    Ready once its log says it is starting (beat answers no pings).
    """
    with tempfile.TemporaryDirectory(prefix="live-beat-") as tmp:
        args = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "continuity",
            "beat",
            "--loglevel",
            loglevel,
            "--schedule",
            str(Path(tmp) / "celerybeat-schedule"),
            "--pidfile",
            str(Path(tmp) / "celerybeat.pid"),
        ]
        with _running("celery-beat", args, env, log_dir=Path(tmp)) as process:

            def started() -> bool:
                process.check_alive()
                return "beat: Starting" in process.log()

            wait_until(started, startup_timeout, 0.2, message="celery beat to start")
            yield process
