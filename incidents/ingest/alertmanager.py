"""Prometheus Alertmanager webhook alerts as probe results (pure).

An alert is mapped to a probe by its ``continuity_probe`` label (the probe id) and to a
location by ``continuity_location`` (or ``location``; a single-location probe needs
neither). A firing alert is a `down` result at its ``startsAt``; a resolved one an `up`
result at its ``endsAt``. The result id is derived from the alert's fingerprint and that
time, so Alertmanager's retries and repeat notifications store nothing twice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from continuity.ids import parse_id

PROBE_LABEL = "continuity_probe"
LOCATION_LABELS = ("continuity_location", "location")
ZERO_TIME_YEAR = 1  # Alertmanager's "0001-01-01T00:00:00Z" means "not set"


@dataclass(frozen=True)
class Mapped:
    index: int
    item: dict[str, Any] | None = None
    skipped: str = ""


def probe_ref(labels: Mapping[str, str]) -> int | None:
    return parse_id(str(labels.get(PROBE_LABEL, "")).strip())


def location_label(labels: Mapping[str, str]) -> str:
    for name in LOCATION_LABELS:
        if labels.get(name):
            return str(labels[name])
    return ""


def fingerprint(alert: Mapping[str, Any]) -> str:
    given = str(alert.get("fingerprint") or "").strip()
    if given:
        return given[:40]
    labels = alert.get("labels") or {}
    canonical = "\x00".join(f"{k}={labels[k]}" for k in sorted(labels))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def _set(value: datetime | None) -> datetime | None:
    return None if value is None or value.year <= ZERO_TIME_YEAR else value.astimezone(UTC)


def error_text(alert: Mapping[str, Any]) -> str:
    labels, annotations = alert.get("labels") or {}, alert.get("annotations") or {}
    name = labels.get("alertname") or "alert"
    detail = annotations.get("summary") or annotations.get("description") or ""
    return f"{name}: {detail}" if detail else f"{name} firing"


def map_alert(
    index: int, alert: Mapping[str, Any], probe_locations: Mapping[int, tuple[str, ...]]
) -> Mapped:
    """One validated alert (times already parsed to datetimes) as a result item or a skip.

    ``probe_locations`` holds the locations of every probe the caller may write to.
    """
    labels = alert.get("labels") or {}
    probe_id = probe_ref(labels)
    if probe_id is None:
        return Mapped(index, skipped=f"no numeric {PROBE_LABEL} label")
    if probe_id not in probe_locations:
        return Mapped(index, skipped=f"unknown probe {probe_id}")
    locations = probe_locations[probe_id]
    location = location_label(labels) or (locations[0] if len(locations) == 1 else "")
    if not location:
        return Mapped(
            index, skipped="no continuity_location label, and the probe has several locations"
        )
    if location not in locations:
        return Mapped(index, skipped=f"{location!r} is not one of probe {probe_id}'s locations")
    status = alert.get("status")
    if status == "firing":
        at, outcome, error, tag = _set(alert.get("startsAt")), "down", error_text(alert), "f"
    else:
        at, outcome, error, tag = _set(alert.get("endsAt")), "up", "", "r"
    if at is None:
        field = "startsAt" if status == "firing" else "endsAt"
        return Mapped(index, skipped=f"{status} alert without {field}")
    stamp = at.strftime("%Y%m%dT%H%M%S.%fZ")
    item = {
        "probe": probe_id,
        "location": location,
        "observed_at": at.isoformat(),
        "outcome": outcome,
        "id": f"am:{fingerprint(alert)}:{tag}:{stamp}",
    }
    if error:
        item["error"] = error[:2000]
    return Mapped(index, item=item)
