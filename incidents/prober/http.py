"""`http` probes: classify a response (pure) and run one request (httpx, async).

Every failure gives a `down` result whose error says what failed in words an on-call
engineer can act on: DNS, connection refused, TLS, timeout, unexpected status, failed
body assertion.
"""

from __future__ import annotations

import asyncio
import errno
import socket
import ssl
import time
from collections.abc import Mapping
from urllib.parse import urlsplit

import httpx

from incidents.prober.assertions import assertion_failure
from incidents.prober.outbound import TargetRefused
from incidents.prober.spec import CheckResult, CheckSpec, MissingSecret, Secrets, resolve_headers

MAX_BODY_BYTES = 1024 * 1024
USER_AGENT = "Continuity-Prober/1.0"


# --- pure ------------------------------------------------------------------------------------


def status_expected(status_code: int, expected: tuple[int, ...]) -> bool:
    return status_code in expected if expected else 200 <= status_code <= 299


def expected_text(expected: tuple[int, ...]) -> str:
    return ", ".join(str(code) for code in expected) if expected else "2xx"


def classify_response(
    spec: CheckSpec, *, status_code: int, reason: str, body: str, latency_ms: int
) -> tuple[str, str]:
    """(outcome, error) of a response that arrived."""
    if not status_expected(status_code, spec.expected_status):
        phrase = f" {reason}" if reason else ""
        return "down", f"HTTP {status_code}{phrase}, expected {expected_text(spec.expected_status)}"
    failure = assertion_failure(spec.body_assertion, body)
    if failure:
        return "down", failure
    return latency_verdict(latency_ms, spec.degraded_latency_ms)


def latency_verdict(latency_ms: int, limit_ms: int | None) -> tuple[str, str]:
    if limit_ms is not None and latency_ms > limit_ms:
        return "degraded", f"slow: {latency_ms} ms, above the {limit_ms} ms threshold"
    return "up", ""


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and all(current is not other for other in seen):
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def describe_transport_error(exc: BaseException, *, url: str, timeout_ms: int) -> str:
    """A failed request in words: DNS, refused, TLS, timeout, protocol error."""
    parts = urlsplit(url)
    host = parts.hostname or url
    port = parts.port or (443 if parts.scheme == "https" else 80)
    chain = _chain(exc)
    refused = next((cause for cause in chain if isinstance(cause, TargetRefused)), None)
    if refused is not None:
        return str(refused)
    if isinstance(exc, TimeoutError | httpx.TimeoutException):
        stage = {
            httpx.ConnectTimeout: f"connecting to {host}:{port}",
            httpx.WriteTimeout: "sending the request",
            httpx.PoolTimeout: "waiting for a free connection",
        }.get(type(exc), "waiting for the response")
        return f"timeout: no answer after {timeout_ms} ms ({stage})"
    for cause in chain:
        if isinstance(cause, ssl.SSLCertVerificationError):
            detail = cause.verify_message or str(cause)
            return f"TLS error: certificate verification failed for {host}: {detail}"
        if isinstance(cause, ssl.SSLError):
            return f"TLS error: handshake with {host}:{port} failed: {cause.reason or cause}"
        if isinstance(cause, socket.gaierror):
            return f"DNS error: cannot resolve {host}: {cause.strerror or cause}"
        if isinstance(cause, ConnectionRefusedError) or (
            isinstance(cause, OSError) and cause.errno == errno.ECONNREFUSED
        ):
            return f"connection refused by {host}:{port}"
    if isinstance(exc, httpx.TooManyRedirects):
        return f"too many redirects from {url}"
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return f"invalid target URL: {exc}"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"connection error: {host}:{port} broke the HTTP exchange ({exc})"
    if isinstance(exc, httpx.ConnectError):
        return f"connection error: cannot connect to {host}:{port} ({exc})"
    if isinstance(exc, httpx.TransportError):
        return f"connection error with {host}:{port}: {exc or type(exc).__name__}"
    return f"prober error: {type(exc).__name__}: {exc}"


def elapsed_ms(started: float) -> int:
    return max(0, round((time.perf_counter() - started) * 1000))


# --- I/O -------------------------------------------------------------------------------------


async def read_capped(response: httpx.Response, limit: int = MAX_BODY_BYTES) -> bytes:
    chunks, size = [], 0
    async for chunk in response.aiter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size >= limit:
            break
    return b"".join(chunks)[:limit]


async def fetch(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    headers: Mapping[str, str],
    timeout: float,
    content: bytes | None = None,
) -> tuple[httpx.Response, bytes]:
    """One request with redirects followed, its body read up to MAX_BODY_BYTES, all within
    `timeout` seconds; transport errors and the timeout are raised."""
    async with asyncio.timeout(timeout):
        request = client.build_request(
            method, url, headers=headers, content=content, timeout=timeout
        )
        response = await client.send(request, stream=True, follow_redirects=True)
        try:
            return response, await read_capped(response)
        finally:
            await response.aclose()


async def run_http(
    spec: CheckSpec, client: httpx.AsyncClient, environ: Mapping[str, str], now
) -> CheckResult:
    observed_at = now()
    secrets = Secrets()
    try:
        headers = {"User-Agent": USER_AGENT, **resolve_headers(spec.headers, environ, secrets)}
    except MissingSecret as missing:
        return CheckResult(spec.probe_id, observed_at, "down", error=f"configuration: {missing}")
    started = time.perf_counter()
    try:
        response, raw = await fetch(
            client,
            spec.method,
            spec.target,
            headers=headers,
            timeout=spec.timeout_seconds,
            content=spec.body.encode() if spec.body else None,
        )
    except Exception as exc:  # every failure becomes a result, never an exception
        error = describe_transport_error(exc, url=spec.target, timeout_ms=spec.timeout_ms)
        return CheckResult(spec.probe_id, observed_at, "down", error=secrets.redact(error))
    latency = elapsed_ms(started)
    body = raw.decode(response.encoding or "utf-8", errors="replace")
    outcome, error = classify_response(
        spec,
        status_code=response.status_code,
        reason=response.reason_phrase,
        body=body,
        latency_ms=latency,
    )
    return CheckResult(
        spec.probe_id,
        observed_at,
        outcome,
        latency_ms=latency,
        status_code=response.status_code,
        error=secrets.redact(error),
    )
