"""A report's fingerprint: the numbers its figures rest on, and nothing a person reads.

Pure, no Django. The structure holds periods, seconds, percentages, credits, impact amounts
and outage bounds, keyed by ids; names, labels, display strings and the API's shape are left
out, so renaming a workflow or adding an API field keeps the fingerprint, while a late
result, an exclusion, a manual outage, a maintenance window or a policy change does not.
Bump `VERSION` whenever the structure changes: a stored fingerprint of another version is
not comparable and is recomputed instead (see `reports.services.reports_detect_changes`).
"""

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from reports.impact import OutageImpact
from reports.periods import Period
from reports.sla import OutageSpan, SLAFigures

VERSION = 2

_FIGURES = (
    "period_seconds",
    "scheduled_seconds",
    "maintenance_seconds",
    "no_data_seconds",
    "measured_seconds",
    "down_seconds",
    "degraded_seconds",
    "counted_downtime_seconds",
    "mitigated_seconds",
    "availability_pct",
    "effective_availability_pct",
    "coverage_pct",
    "target_pct",
    "met",
    "error_budget_seconds",
    "credit_pct",
    "outage_count",
    "mttr_seconds",
    "longest_outage_seconds",
)
_IMPACT = (
    "counted_seconds",
    "mitigated_seconds",
    "weighted_minutes",
    "cost",
    "avoided_cost",
    "user_minutes_lost",
)


@dataclass(frozen=True)
class WorkflowNumbers:
    """One workflow's figures over the period, as `reports.selectors` computed them."""

    workflow_id: int
    figures: SLAFigures
    outages: Sequence[OutageSpan]
    impacts: Sequence[OutageImpact]


def _plain(value: Any) -> Any:
    """Numbers as canonical text (Decimal("1.50") and Decimal("1.5") are the same figure)."""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value else "0"
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _outage(span: OutageSpan, impact: OutageImpact | None) -> dict:
    row = {
        "id": span.outage_id,
        "started_at": _plain(span.started_at),
        "ended_at": _plain(span.ended_at),
        "severity": span.severity,
        "excluded": span.excluded,
    }
    for name in _IMPACT:
        row[name] = _plain(getattr(impact, name)) if impact else None
    return row


def _in_period(span: OutageSpan, period: Period) -> bool:
    return span.started_at < period.end and (span.ended_at is None or span.ended_at > period.start)


def _workflow(numbers: WorkflowNumbers, period: Period) -> dict:
    impacts: Mapping[int, OutageImpact] = {i.outage_id: i for i in numbers.impacts}
    outages = sorted(
        (span for span in numbers.outages if _in_period(span, period)),
        key=lambda s: (s.started_at, s.outage_id or 0),
    )
    return {
        "workflow": numbers.workflow_id,
        **{name: _plain(getattr(numbers.figures, name)) for name in _FIGURES},
        "outages": [_outage(span, impacts.get(span.outage_id)) for span in outages],
    }


def fingerprint_structure(period: Period, workflows: Iterable[WorkflowNumbers]) -> dict:
    """The versioned, numbers-only structure a report's fingerprint hashes."""
    return {
        "version": VERSION,
        "period": {"start": _plain(period.start), "end": _plain(period.end)},
        "workflows": [_workflow(w, period) for w in sorted(workflows, key=lambda w: w.workflow_id)],
    }


def fingerprint_sha256(structure: Mapping) -> str:
    canonical = json.dumps(structure, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


# Version 1 hashed the SLA API body (`Report.figures`); these keys of it are presentation.
_LEGACY_PRESENTATION = frozenset(
    {
        "customer",
        "customer_name",
        "name",
        "upstream_dependency",
        "label",
        "timezone",
        "availability_display",
        "effective_availability_display",
        "currency",
    }
)


def legacy_figures_equal(stored: Any, current: Any) -> bool:
    """Whether a version-1 report's stored figures still hold: every number it stored is the
    same now. Presentation keys, and keys the API gained since, are not compared."""
    if isinstance(stored, Mapping):
        return isinstance(current, Mapping) and all(
            key in current and legacy_figures_equal(value, current[key])
            for key, value in stored.items()
            if key not in _LEGACY_PRESENTATION
        )
    if isinstance(stored, list):
        return (
            isinstance(current, list)
            and len(stored) == len(current)
            and all(legacy_figures_equal(a, b) for a, b in zip(stored, current, strict=True))
        )
    return stored == current
