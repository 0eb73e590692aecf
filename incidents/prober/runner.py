"""Run many checks concurrently on one event loop (a prober worker's batch or an agent)."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime

import httpx

from incidents.prober.http import run_http
from incidents.prober.llm import run_llm
from incidents.prober.outbound import (
    OutboundPolicy,
    Resolver,
    configured_policy,
    guarded_client,
    resolve,
)
from incidents.prober.spec import CheckResult, CheckSpec
from incidents.prober.statuspage import run_statuspage

logger = logging.getLogger(__name__)

DEFAULT_CONCURRENCY = 100
RUNNERS = {"http": run_http, "llm": run_llm, "statuspage": run_statuspage}


def utc_now() -> datetime:
    return datetime.now(UTC)


class Clients:
    """Two shared httpx clients: TLS-verifying (the default) and not, for probes that opt out;
    both connect only where ``policy`` (default: the settings') allows."""

    def __init__(
        self,
        concurrency: int = DEFAULT_CONCURRENCY,
        policy: OutboundPolicy | None = None,
        resolver: Resolver = resolve,
    ):
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=0)
        policy = policy or configured_policy()
        self.verifying = guarded_client(policy, verify=True, limits=limits, resolver=resolver)
        self.insecure = guarded_client(policy, verify=False, limits=limits, resolver=resolver)

    def for_spec(self, spec: CheckSpec) -> httpx.AsyncClient:
        return self.verifying if spec.verify_tls else self.insecure

    async def aclose(self) -> None:
        await self.verifying.aclose()
        await self.insecure.aclose()


async def run_check(
    spec: CheckSpec,
    clients: Clients,
    environ: Mapping[str, str],
    now: Callable[[], datetime] = utc_now,
) -> CheckResult:
    runner = RUNNERS.get(spec.kind)
    if runner is None:
        return CheckResult(spec.probe_id, now(), "down", error=f"cannot run kind {spec.kind!r}")
    try:
        return await runner(spec, clients.for_spec(spec), environ, now)
    except Exception as exc:  # a bug in a runner must not lose the batch's other results
        logger.exception("probe %s: %s check failed unexpectedly", spec.probe_id, spec.kind)
        error = f"prober error: {type(exc).__name__}"
        return CheckResult(spec.probe_id, now(), "down", error=error)


async def run_checks(
    specs: Iterable[CheckSpec],
    *,
    environ: Mapping[str, str],
    concurrency: int = DEFAULT_CONCURRENCY,
    now: Callable[[], datetime] = utc_now,
) -> list[CheckResult]:
    """Run every check at once (at most ``concurrency`` in flight); results in input order."""
    specs = list(specs)
    semaphore = asyncio.Semaphore(concurrency)
    clients = Clients(concurrency)

    async def limited(spec: CheckSpec) -> CheckResult:
        async with semaphore:
            return await run_check(spec, clients, environ, now)

    try:
        return list(await asyncio.gather(*(limited(spec) for spec in specs)))
    finally:
        await clients.aclose()


def run_checks_sync(specs: Iterable[CheckSpec], **options) -> list[CheckResult]:
    """`run_checks` from synchronous code (a Celery task): one event loop for the batch."""
    return asyncio.run(run_checks(specs, **options))


def result_records(results: list[CheckResult], *, location: str, source: str) -> list[dict]:
    """Ingestion items, each with a fresh client id so a retried delivery is stored once."""
    return [
        result.as_item(location=location, client_id=f"{source}:{location}:{uuid.uuid4().hex}"[:100])
        for result in results
    ]
