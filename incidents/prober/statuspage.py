"""`statuspage` probes: one named component of a vendor's Statuspage `summary.json`.

What the vendor itself admits, recorded next to what the customer's own probes see:
operational → up, degraded_performance → degraded, partial_outage and major_outage →
down, under_maintenance → up with a note (planned work is the vendor's maintenance, not
an outage of this probe; the customer's own maintenance windows are separate).
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any

import httpx

from incidents.prober.http import USER_AGENT, describe_transport_error, elapsed_ms, fetch
from incidents.prober.spec import CheckResult, CheckSpec

STATUS_OUTCOMES = {
    "operational": "up",
    "degraded_performance": "degraded",
    "partial_outage": "down",
    "major_outage": "down",
    "under_maintenance": "up",
}


# --- pure ------------------------------------------------------------------------------------


def summary_url(target: str) -> str:
    base = target.rstrip("/")
    return base if base.endswith(".json") else f"{base}/api/v2/summary.json"


def find_component(summary: Mapping[str, Any], name: str) -> Mapping[str, Any] | None:
    """The component called ``name`` (case-insensitive), or ``Group / Component``."""
    components = [c for c in summary.get("components") or [] if isinstance(c, dict)]
    wanted = name.strip().casefold()
    by_id = {c.get("id"): c for c in components}
    for component in components:
        if str(component.get("name", "")).strip().casefold() == wanted:
            return component
    for component in components:
        group = by_id.get(component.get("group_id"))
        if group and f"{group.get('name', '')} / {component.get('name', '')}".casefold() == wanted:
            return component
    return None


def _incident_names(summary: Mapping[str, Any], key: str, component: Mapping[str, Any]):
    for incident in summary.get(key) or []:
        if not isinstance(incident, dict):
            continue
        affected = {c.get("id") for c in incident.get("components") or [] if isinstance(c, dict)}
        if not affected or component.get("id") in affected:
            yield str(incident.get("name") or "").strip()


def classify_summary(summary: object, component_name: str) -> tuple[str, str]:
    """(outcome, error or note) for one component of a `summary.json` document."""
    if not isinstance(summary, dict) or not isinstance(summary.get("components"), list):
        return "down", "malformed status page: no 'components' list in summary.json"
    component = find_component(summary, component_name)
    if component is None:
        names = sorted(str(c.get("name")) for c in summary["components"] if isinstance(c, dict))
        known = ", ".join(names[:20])
        return "down", f"component {component_name!r} is not on the status page (it has: {known})"
    status = str(component.get("status") or "")
    outcome = STATUS_OUTCOMES.get(status)
    if outcome is None:
        return "down", f"component {component_name!r} has an unknown status {status!r}"
    if status == "operational":
        return "up", ""
    if status == "under_maintenance":
        names = [n for n in _incident_names(summary, "scheduled_maintenances", component) if n]
        detail = f": {names[0]}" if names else ""
        return "up", f"note: {component_name} is under maintenance{detail}"
    names = [n for n in _incident_names(summary, "incidents", component) if n]
    detail = f" — incident: {names[0]}" if names else ""
    return outcome, f"status page reports {component_name} as {status}{detail}"


# --- I/O -------------------------------------------------------------------------------------


async def run_statuspage(
    spec: CheckSpec, client: httpx.AsyncClient, environ: Mapping[str, str], now
) -> CheckResult:
    observed_at = now()
    url = summary_url(spec.target)
    started = time.perf_counter()
    try:
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        response, raw = await fetch(
            client, "GET", url, headers=headers, timeout=spec.timeout_seconds
        )
    except Exception as exc:  # every failure becomes a result
        error = describe_transport_error(exc, url=url, timeout_ms=spec.timeout_ms)
        return CheckResult(spec.probe_id, observed_at, "down", error=f"status page: {error}")
    latency = elapsed_ms(started)
    status = response.status_code
    if status != 200:
        return CheckResult(
            spec.probe_id,
            observed_at,
            "down",
            latency_ms=latency,
            status_code=status,
            error=f"status page answered HTTP {status} {response.reason_phrase}".strip(),
        )
    try:
        summary = json.loads(raw)
    except ValueError:
        summary = None
    outcome, error = classify_summary(summary, spec.statuspage_component)
    return CheckResult(
        spec.probe_id, observed_at, outcome, latency_ms=latency, status_code=status, error=error
    )
