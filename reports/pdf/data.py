"""The renderer's input: plain frozen dataclasses, already formatted for display.

The caller (``reports.report_data``) computes the figures (SPEC §4, §5) and formats them with
``continuity.formatting``; the renderer only lays them out. Strings are shown as given, so
truncation and currency formatting happen once, upstream.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class WorkflowRow:
    """One workflow's SLA figures for the period (SPEC §4) and its impact (§5)."""

    name: str
    target_pct: str
    availability_display: str | None  # e.g. "99.884" (already truncated); None: nothing measured
    effective_availability_display: str | None
    met: bool | None
    measured_minutes: str
    down_minutes: str
    degraded_minutes: str
    maintenance_minutes: str
    no_data_minutes: str
    coverage_pct: str | None
    error_budget_minutes: str
    error_budget_remaining_minutes: str
    credit_pct: str
    outage_count: int
    mttr_minutes: str | None
    longest_outage_minutes: str | None
    cost: str
    avoided_cost: str
    currency: str
    user_minutes_lost: str
    # (local date "2026-10-01", availability pct or None) for every day of the month
    daily_availability: tuple[tuple[str, Decimal | None], ...]
    last_tested_at: str | None  # drill status
    runbook_title: str | None
    # "SLA effective from …" when the workflow's SLA starts within or after the period,
    # or why there is no availability figure; None: nothing to say
    availability_note: str | None = None


@dataclass(frozen=True)
class OutageRow:
    workflow: str
    started_at: str  # customer local time, e.g. "2026-10-14 15:20 CEST"
    ended_at: str | None  # None while open
    duration: str
    severity: str
    root_cause: str
    excluded: bool
    exclusion_reason: str
    fallback: str | None  # e.g. "Switch to Azure OpenAI, 80 % effective"
    time_to_mitigate: str | None  # e.g. "12 min", "10.833 min"
    rto_status: str  # "met" | "missed" | "pending"


@dataclass(frozen=True)
class MaintenanceRow:
    workflows: str
    starts_at: str
    ends_at: str
    reason: str


@dataclass(frozen=True)
class ImpactRow:
    """Downtime impact summed per workflow or per upstream dependency."""

    label: str
    outages: int
    downtime_minutes: str
    mitigated_minutes: str
    cost: str
    avoided_cost: str
    user_minutes_lost: str


@dataclass(frozen=True)
class PolicyText:
    name: str
    target_pct: str
    degraded_weight: str
    min_outage_seconds: int
    no_data: str  # "excluded" | "up" | "down"
    credit_tiers: tuple[tuple[str, str], ...]  # (below_pct, credit_pct)
    service_hours: str  # e.g. "24x7" or "Mon–Fri 09:00–17:00"


@dataclass(frozen=True)
class ReportData:
    report_id: str
    revision: int
    customer_name: str
    timezone: str
    period_label: str  # "2026-10"
    period_text: str  # "October 2026 (1 Oct 00:00 – 1 Nov 00:00 Europe/Berlin)"
    generated_at: str  # local time text
    data_sha256: str  # hash of the figures, shown in the footer
    summary_availability_display: str | None
    workflows_met: int
    workflows_total: int
    total_downtime_minutes: str
    total_cost: str
    total_avoided_cost: str
    currency: str
    credits_owed: tuple[tuple[str, str], ...]  # (workflow, credit %) where credit > 0
    workflows: tuple[WorkflowRow, ...]
    outages: tuple[OutageRow, ...]
    maintenance: tuple[MaintenanceRow, ...]
    impact_by_workflow: tuple[ImpactRow, ...]
    impact_by_dependency: tuple[ImpactRow, ...]
    policies: tuple[PolicyText, ...]
    revision_note: str = ""  # for corrected revisions: what changed
    locale: str = "en"  # the customer's language (en, zh-hans, de): PDF /Lang and metadata
