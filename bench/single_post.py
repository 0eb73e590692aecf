"""Single-result POSTs, as a fleet of agents sends them, next to a floor in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/continuity_bench \\
        .venv/bin/python bench/single_post.py [--seconds 20] [--clients 16]

Drops and re-creates the bench database (its name ends in ``_bench``; see bench/benchdb.py),
seeds one customer with 100 probes and one ingest key per client, then, each for
``--seconds`` after a short warm-up and on gunicorn with 2 workers:

1. the floor: ``bench/floor_wsgi.py``, which only INSERTs the one result into the same
   ``incidents_proberesult`` table on a connection each worker keeps;
2. Continuity's ``POST /api/v1/probe-results/`` with the settings as shipped: only
   DATABASE_URL, SECRET_KEY, ALLOWED_HOSTS, the plain-HTTP switches of tests/live.py and a
   broker (no worker: a derivation, once queued, keeps its probe flagged, as when workers
   are busy) are set, and every pool, cache, throttle and connection setting is cleared.

``--clients`` threads each keep one HTTP connection (httpx keep-alive) and send one result
per request. Prints req/s, p50 and p99 of both and the ratio. ``--app-dir`` serves
Continuity from another checkout (e.g. ``git archive main``) for a before/after.

With ``--healthchecks DIR --healthchecks-python PATH`` (or HEALTHCHECKS_DIR and
HEALTHCHECKS_PYTHON), the same run also measures Healthchecks' ping endpoint: its checkout
``DIR`` is served by the gunicorn of the venv ``PATH`` belongs to (its own Django), its
settings at their defaults but DEBUG off (as its docker/.env.example has it), on a database
``healthchecks_bench`` on the same server, migrated and given one check per client; each
client POSTs the same JSON body to its own check's ``/ping/<uuid>``. Prints its figures
and Continuity's ratio to them. Getting Healthchecks and its venv: bench/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit
from uuid import UUID

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.benchdb import (  # noqa: E402
    bench_database_url,
    create_empty_database,
    recreate_database,
)
from tests import live  # noqa: E402

PROBES = 100
WARMUP_SECONDS = 3.0
# Cleared in the servers' environment, so that their shipped defaults apply.
SHIPPED = (
    "DB_CONN_MAX_AGE",
    "DB_POOL_MIN_SIZE",
    "DB_POOL_MAX_SIZE",
    "DB_POOL_TIMEOUT",
    "API_KEY_CACHE_SECONDS",
    "THROTTLE_RATE_PER_KEY",
    "THROTTLE_RATE_ANONYMOUS",
    "THROTTLE_RATE_FAILED_AUTH",
    "CACHE_URL",
    "REDIS_URL",
    "CELERY_TASK_ALWAYS_EAGER",
    "DEBUG",
)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="measured seconds per side")
    parser.add_argument("--clients", type=int, default=16, help="concurrent connections")
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/11", help="Redis broker")
    parser.add_argument("--app-dir", default=str(ROOT), help="the checkout Continuity runs from")
    parser.add_argument(
        "--healthchecks",
        default=os.environ.get("HEALTHCHECKS_DIR"),
        help="a Healthchecks checkout to measure in the same run",
    )
    parser.add_argument(
        "--healthchecks-python",
        default=os.environ.get("HEALTHCHECKS_PYTHON"),
        help="the python of the venv Healthchecks' requirements are installed in",
    )
    parser.add_argument(
        "--healthchecks-conn-max-age",
        default="0",
        help="Healthchecks' DB_CONN_MAX_AGE (0, a new connection per request, as it ships)",
    )
    args = parser.parse_args()
    if bool(args.healthchecks) != bool(args.healthchecks_python):
        parser.error("--healthchecks and --healthchecks-python go together")
    return args


@dataclass(frozen=True)
class Run:
    label: str
    latencies: list[float]  # seconds, of the requests that ended inside the measured window
    seconds: float
    failures: int

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000

    def line(self) -> str:
        return (
            f"{self.label:<38} {self.rate:8.1f} req/s   p50 {self.percentile(50):6.1f} ms   "
            f"p99 {self.percentile(99):6.1f} ms   ({len(self.latencies):,} requests, "
            f"{self.failures} failed)"
        )


def seed() -> tuple[list[int], list[str]]:
    from continuity.models import APIKey, Customer, Workflow
    from incidents.models import Probe

    customer = Customer.objects.create(slug="bench", name="Bench Corp", timezone="UTC")
    workflow = Workflow.objects.create(customer=customer, name="Agents")
    probes = [
        Probe.objects.create(workflow=workflow, name=f"agent-{n:03d}", locations=["eu-west"])
        for n in range(PROBES)
    ]
    return [p.pk for p in probes], [
        APIKey.generate(name=f"agent {n}", scopes=["ingest"], customer=customer)[1]
        for n in range(64)
    ]


HEALTHCHECKS_SEED = """
from django.contrib.auth.models import User
from hc.accounts.models import Project
from hc.api.models import Check
project = Project.objects.create(owner=User.objects.create_user("bench", "bench@example.org"))
for n in range({clients}):
    print(Check.objects.create(project=project, name=f"agent-{{n}}").code)
"""


def healthchecks_env(bench_url: str, port: int, conn_max_age: str) -> dict[str, str]:
    """Healthchecks' own settings variables for PostgreSQL at ``bench_url``'s server, on
    database ``healthchecks_bench``; everything else at its defaults but DEBUG."""
    server = urlsplit(bench_url)
    return {
        "DJANGO_SETTINGS_MODULE": "hc.settings",
        "DB": "postgres",
        "DB_NAME": "healthchecks_bench",
        "DB_HOST": server.hostname or "",
        "DB_PORT": str(server.port or ""),
        "DB_USER": server.username or "postgres",
        "DB_PASSWORD": server.password or "",
        "DB_CONN_MAX_AGE": conn_max_age,
        "SECRET_KEY": live.LOCAL_HTTP_ENV["SECRET_KEY"],
        "DEBUG": "False",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SITE_ROOT": f"http://127.0.0.1:{port}",
    }


def prepare_healthchecks(args, bench_url: str, admin_url: str, env: dict[str, str]) -> list[str]:
    """A fresh, migrated ``healthchecks_bench`` with one check per client; their ping paths."""
    server = urlsplit(bench_url)
    create_empty_database(urlunsplit(server._replace(path="/healthchecks_bench")), admin_url)

    def manage(*command: str) -> str:
        done = subprocess.run(
            [args.healthchecks_python, "manage.py", *command],
            cwd=args.healthchecks,
            env={**os.environ, **env},
            capture_output=True,
            text=True,
        )
        if done.returncode:
            sys.exit(f"Healthchecks' manage.py {command[0]} failed:\n{done.stderr}")
        return done.stdout

    manage("migrate", "--noinput", "-v", "0")
    seeded = manage("shell", "-v", "0", "-c", HEALTHCHECKS_SEED.format(clients=args.clients))
    return [f"/ping/{UUID(line.strip())}" for line in seeded.split()]


def healthchecks_commit(checkout: str) -> str:
    """The commit the checkout is at, if it is a git work tree (``git archive`` is not)."""
    done = subprocess.run(
        ["git", "-C", checkout, "rev-parse", "HEAD"], capture_output=True, text=True
    )
    return done.stdout.strip() if done.returncode == 0 else "(not a git work tree)"


@contextlib.contextmanager
def gunicorn(
    app: str,
    env: dict[str, str],
    app_dir: str,
    python: str = sys.executable,
    port: int | None = None,
) -> Iterator[str]:
    """gunicorn with 2 workers serving ``app`` from ``app_dir`` with ``python``'s packages;
    yields its base URL."""
    import httpx

    port = port or live.free_port()
    args = [
        python,
        "-m",
        "gunicorn",
        app,
        "--chdir",
        app_dir,
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "2",
        "--error-logfile",
        "-",
        *live._no_control_socket(),
    ]
    env = {"PYTHONPATH": os.pathsep.join([app_dir, str(ROOT)]), **env}
    with tempfile.TemporaryDirectory(prefix="single-post-") as log_dir:
        process = live.LiveProcess("gunicorn", args, env, Path(log_dir))
        base_url = f"http://127.0.0.1:{port}"
        try:

            def answers() -> bool:
                process.check_alive()
                try:
                    httpx.get(base_url + "/", timeout=2)
                except httpx.TransportError:
                    return False
                return True

            live.wait_until(answers, 30, 0.1, message=f"gunicorn on {base_url}")
            yield base_url
        except BaseException:
            print(process.log_tail(), file=sys.stderr)
            raise
        finally:
            process.stop()


def load(
    base_url: str, paths: list[str], probe_ids, keys, args, label: str, expect: int = 201
) -> Run:
    """``args.clients`` keep-alive clients posting one result each, for warm-up + seconds;
    client ``n`` posts to ``paths[n % len(paths)]`` and counts any status but ``expect`` as
    a failure."""
    import httpx

    started = time.monotonic()
    measured_from, until = started + WARMUP_SECONDS, started + WARMUP_SECONDS + args.seconds
    latencies: list[list[float]] = [[] for _ in range(args.clients)]
    failures = [0] * args.clients

    def client(n: int) -> None:
        headers = {"Authorization": f"Bearer {keys[n % len(keys)]}"}
        path = paths[n % len(paths)]
        with httpx.Client(base_url=base_url, headers=headers, timeout=30) as http:
            seq = 0
            while (now := time.monotonic()) < until:
                seq += 1
                body = {
                    "results": [
                        {
                            "probe": probe_ids[(n * 7 + seq) % len(probe_ids)],
                            "location": "eu-west",
                            "observed_at": datetime.now(UTC).isoformat(),
                            "outcome": "up",
                            "latency_ms": 120,
                            "id": f"{label[:5]}-{n}-{seq}",
                        }
                    ]
                }
                response = http.post(path, json=body)
                ended = time.monotonic()
                if response.status_code != expect:
                    if not any(failures):
                        print(f"{label}: {response.status_code} {response.text[:300]}")
                    failures[n] += 1
                elif measured_from <= now and ended <= until:
                    latencies[n].append(ended - now)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(args.clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Run(label, [x for per in latencies for x in per], args.seconds, sum(failures))


def ratio(app: Run, reference: Run, name: str) -> str:
    return (
        f"ratio to {name}: {app.rate / reference.rate:.2f} of its req/s, "
        f"p50 {app.percentile(50) / reference.percentile(50):.1f}x, "
        f"p99 {app.percentile(99) / reference.percentile(99):.1f}x"
    )


def main() -> None:
    args = parse_args()
    bench_url, admin_url = bench_database_url("_bench")
    for name, value in live.LOCAL_HTTP_ENV.items():
        os.environ.setdefault(name, value)
    recreate_database(bench_url, admin_url)
    os.environ.update(DATABASE_URL=bench_url, CELERY_BROKER_URL="", DEBUG="1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "continuity.settings")
    import django

    django.setup()
    from django.db import connection

    probe_ids, keys = seed()
    connection.close()

    env = {name: "" for name in SHIPPED}
    env.update(live.LOCAL_HTTP_ENV)
    env.update(DATABASE_URL=bench_url, ALLOWED_HOSTS="127.0.0.1", LOG_LEVEL="ERROR")
    live.flush_redis(args.broker)
    if args.healthchecks:
        hc_port = live.free_port()
        hc_env = {
            **healthchecks_env(bench_url, hc_port, args.healthchecks_conn_max_age),
            "PYTHONPATH": args.healthchecks,
        }
        hc_paths = prepare_healthchecks(args, bench_url, admin_url, hc_env)
    print(
        f"{args.clients} clients, one result per POST, {args.seconds:.0f} s measured after "
        f"{WARMUP_SECONDS:.0f} s warm-up, gunicorn 2 workers, Continuity from {args.app_dir}"
    )
    with gunicorn("bench.floor_wsgi:application", env, str(ROOT)) as base_url:
        floor = load(
            base_url, ["/"], probe_ids, keys, args, "floor: INSERT only (bench/floor_wsgi)"
        )
    print(floor.line())
    healthchecks = None
    if args.healthchecks:
        print(
            f"Healthchecks from {args.healthchecks} at {healthchecks_commit(args.healthchecks)}, "
            f"python {args.healthchecks_python}, "
            f"DB_CONN_MAX_AGE={args.healthchecks_conn_max_age}"
        )
        with gunicorn(
            "hc.wsgi:application",
            hc_env,
            args.healthchecks,
            python=args.healthchecks_python,
            port=hc_port,
        ) as base_url:
            healthchecks = load(
                base_url, hc_paths, probe_ids, keys, args, "Healthchecks POST /ping/<uuid>", 200
            )
        print(healthchecks.line())
    app_env = {**env, "CELERY_BROKER_URL": args.broker}
    with gunicorn("continuity.wsgi:application", app_env, args.app_dir) as base_url:
        app = load(
            base_url,
            ["/api/v1/probe-results/"],
            probe_ids,
            keys,
            args,
            "Continuity POST probe-results/",
        )
    print(app.line())
    live.flush_redis(args.broker)
    print(ratio(app, floor, "the floor"))
    if healthchecks:
        print(ratio(app, healthchecks, "Healthchecks") + " (target: at least 2 of its req/s)")
    else:
        print("Healthchecks not measured (give --healthchecks DIR --healthchecks-python PATH)")
    if statistics.mean(app.latencies or [0]) == 0:
        sys.exit("no request succeeded")


if __name__ == "__main__":
    main()
