"""The probe agent: runs a location's probes outside the service's network.

It needs only the REST API and a key with the ``read`` and ``ingest`` scopes. It fetches
the probes of its location (``GET /api/v1/probes/?location=NAME``), runs them on their
intervals with the same checks as the prober workers, and pushes results in batches to
``POST /api/v1/probe-results/``.

Delivery is exactly once: every result gets a client id when it is observed and is
appended to ``pending.jsonl`` in the spool directory before any attempt to send it. A
flush renames that file to ``sending-<n>.jsonl`` and deletes it only once the API has
accepted every result in it; after a failure (API unreachable, agent killed) the file is
sent again, and results the API already has come back as duplicates, never stored twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from incidents.prober import runner
from incidents.prober.outbound import OutboundPolicy
from incidents.prober.runner import result_records
from incidents.prober.spec import RUNNABLE_KINDS, CheckSpec
from incidents.prober.spool import Spool

logger = logging.getLogger(__name__)

USER_AGENT = "Continuity-Agent/1.0"


@dataclass(frozen=True)
class AgentConfig:
    location: str
    api: str
    key: str
    spool_dir: Path
    refresh_seconds: float = 60.0
    flush_seconds: float = 5.0
    batch_size: int = 500
    concurrency: int = 50
    max_backoff: float = 60.0
    request_timeout: float = 30.0
    outbound: OutboundPolicy | None = None  # None: the settings' policy


class Unavailable(Exception):
    """The API did not take the request; try again later."""


@dataclass(frozen=True)
class Rejected:
    """The API refused a batch (400); ``errors`` name the bad items by index."""

    errors: list[dict]


# --- the API -----------------------------------------------------------------------------------


class ApiClient:
    def __init__(self, config: AgentConfig):
        self.location = config.location
        self.http = httpx.AsyncClient(
            base_url=config.api.rstrip("/"),
            headers={"Authorization": f"Bearer {config.key}", "User-Agent": USER_AGENT},
            timeout=config.request_timeout,
        )

    async def aclose(self) -> None:
        await self.http.aclose()

    async def _request(self, method: str, url: str, **kwargs) -> httpx.Response:
        try:
            response = await self.http.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            raise Unavailable(f"API unreachable: {type(exc).__name__}") from None
        if response.status_code in (401, 403):
            raise Unavailable(
                f"API refused the key (HTTP {response.status_code}); check its scopes"
            )
        if response.status_code >= 500 or response.status_code in (408, 429):
            raise Unavailable(f"API answered HTTP {response.status_code}")
        return response

    async def probes(self) -> list[dict]:
        """Every enabled probe of this location, following pagination."""
        url: str | None = "/api/v1/probes/"
        params: dict[str, Any] | None = {
            "location": self.location,
            "enabled": "true",
            "page_size": 500,
        }
        probes: list[dict] = []
        while url:
            response = await self._request("GET", url, params=params)
            if response.status_code != 200:
                raise Unavailable(f"listing probes answered HTTP {response.status_code}")
            page = response.json()
            probes.extend(page.get("results", []))
            url, params = page.get("next"), None
        return probes

    async def post(self, items: list[dict]) -> dict | Rejected:
        response = await self._request("POST", "/api/v1/probe-results/", json={"results": items})
        if response.status_code == 201:
            return response.json()
        if response.status_code == 400:
            body = response.json() if "json" in response.headers.get("content-type", "") else {}
            return Rejected(errors=list(body.get("errors") or []))
        raise Unavailable(f"API answered HTTP {response.status_code}")


# --- the agent ---------------------------------------------------------------------------------


def runnable_specs(probes: list[dict], location: str) -> dict[int, CheckSpec]:
    specs = {}
    for probe in probes:
        if probe.get("kind") not in RUNNABLE_KINDS or location not in probe.get("locations", []):
            continue
        if not probe.get("enabled", True):
            continue
        try:
            spec = CheckSpec.from_mapping(probe)
        except (KeyError, TypeError, ValueError):
            logger.warning("probe %s: cannot be run from its API representation", probe.get("id"))
            continue
        specs[spec.probe_id] = spec
    return specs


def next_due(previous: float, interval: float, now: float) -> float:
    """The next slot of a probe's grid after ``now`` (monotonic seconds); none replayed."""
    if previous > now:
        return previous
    return previous + ((now - previous) // interval + 1) * interval


class ProbeAgent:
    def __init__(
        self,
        config: AgentConfig,
        *,
        environ: Mapping[str, str] | None = None,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = runner.utc_now,
    ):
        self.config = config
        self.environ = os.environ if environ is None else environ
        self.clock = clock
        self.now = now
        self.spool = Spool(config.spool_dir)
        self.specs: dict[int, CheckSpec] = {}
        self.due: dict[int, float] = {}
        self.running: dict[int, asyncio.Task] = {}
        self.delivered = 0
        self.duplicates = 0

    # probes

    def set_probes(self, probes: list[dict]) -> None:
        specs = runnable_specs(probes, self.config.location)
        now = self.clock()
        for probe_id, spec in specs.items():
            if probe_id not in self.due:
                self.due[probe_id] = now
            else:
                self.due[probe_id] = min(self.due[probe_id], now + spec.interval_seconds)
        for gone in set(self.due) - set(specs):
            del self.due[gone]
        if set(specs) != set(self.specs):
            logger.info("location %s: %d probe(s) to run", self.config.location, len(specs))
        self.specs = specs

    async def refresh(self, api: ApiClient) -> bool:
        try:
            probes = await api.probes()
        except Unavailable as exc:
            if not self.specs:
                cached = self.spool.load_probes()
                if cached is not None:
                    logger.warning("%s; running the %d cached probe(s)", exc, len(cached))
                    self.set_probes(cached)
                    return False
            logger.warning("%s; keeping the current probe list", exc)
            return False
        self.spool.save_probes(probes)
        self.set_probes(probes)
        return True

    # running checks

    def start_due(self, clients: runner.Clients) -> None:
        now = self.clock()
        for probe_id, due in list(self.due.items()):
            if due > now:
                continue
            spec = self.specs[probe_id]
            self.due[probe_id] = next_due(due, spec.interval_seconds, now)
            if probe_id in self.running:
                logger.info("probe %s still running; this run is skipped", probe_id)
                continue
            self.running[probe_id] = asyncio.create_task(self.run_one(spec, clients))

    async def run_one(self, spec: CheckSpec, clients: runner.Clients) -> None:
        try:
            result = await runner.run_check(spec, clients, self.environ, self.now)
            items = result_records([result], location=self.config.location, source="agent")
            self.spool.append(items)
            logger.info(
                "probe %s: %s %s%s",
                spec.probe_id,
                result.outcome,
                result.error,
                f" ({result.tokens_used} tokens)" if result.tokens_used is not None else "",
            )
        finally:
            self.running.pop(spec.probe_id, None)

    # delivering results

    async def flush(self, api: ApiClient) -> bool:
        """Send everything spooled; False when the API is unavailable (kept for later)."""
        for _ in range(2):  # what was spooled before, then what arrived meanwhile
            files = self.spool.claim()
            if not files:
                return True
            for path in files:
                if not await self._send_file(api, path):
                    return False
        return True

    async def _send_file(self, api: ApiClient, path: Path) -> bool:
        items = self.spool.read(path)
        size = self.config.batch_size
        while items:
            chunk = items[:size]
            try:
                answer = await api.post(chunk)
            except Unavailable as exc:
                self.spool.rewrite(path, items)
                logger.warning("%s; %d result(s) kept in the spool", exc, self.spool.count())
                return False
            if isinstance(answer, Rejected):
                bad = {e.get("index") for e in answer.errors if isinstance(e.get("index"), int)}
                if not bad:  # refused as a whole: set aside rather than retry forever
                    bad = set(range(len(chunk)))
                self.spool.reject([chunk[i] for i in sorted(bad)])
                logger.error(
                    "API rejected %d result(s), set aside in %s: %s",
                    len(bad),
                    self.spool.rejected,
                    answer.errors[:5],
                )
                items = [item for i, item in enumerate(chunk) if i not in bad] + items[size:]
                self.spool.rewrite(path, items)
                continue
            self.delivered += answer.get("accepted", 0)
            self.duplicates += answer.get("duplicates", 0)
            items = items[size:]
            self.spool.rewrite(path, items)
            logger.info(
                "delivered %d result(s) (%d already known)",
                answer.get("accepted", 0),
                answer.get("duplicates", 0),
            )
        return True

    # loops

    async def _every(self, stop: asyncio.Event, seconds: Callable[[], float], action) -> None:
        while not stop.is_set():
            await action()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), seconds())

    async def run(self, stop: asyncio.Event, *, once: bool = False) -> None:
        clients = runner.Clients(self.config.concurrency, self.config.outbound)
        api = ApiClient(self.config)
        backoff = {"failures": 0}

        async def refresh() -> None:
            await self.refresh(api)

        async def flush() -> None:
            ok = await self.flush(api)
            backoff["failures"] = 0 if ok else backoff["failures"] + 1

        def flush_delay() -> float:
            base = self.config.flush_seconds
            return min(base * 2 ** backoff["failures"], max(base, self.config.max_backoff))

        try:
            await self.refresh(api)
            if once:
                self.start_due(clients)
                await asyncio.gather(*self.running.values())
                await self.flush(api)
                return
            loops = [
                asyncio.create_task(
                    self._every(stop, lambda: self.config.refresh_seconds, refresh)
                ),
                asyncio.create_task(self._every(stop, flush_delay, flush)),
            ]
            while not stop.is_set():
                self.start_due(clients)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), 0.2)
            for loop in loops:
                loop.cancel()
            await asyncio.gather(*loops, return_exceptions=True)
            await asyncio.gather(*self.running.values(), return_exceptions=True)
            await self.flush(api)
        finally:
            await api.aclose()
            await clients.aclose()
            left = self.spool.count()
            if left:
                logger.warning(
                    "%d result(s) stay in %s for the next start", left, self.spool.directory
                )
