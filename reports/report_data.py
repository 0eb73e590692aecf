"""The monthly report's content: the same figures as /api/v1/sla/, formatted for the PDF."""

from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from continuity import formatting
from continuity.formatting import minutes, percent
from reports import fingerprint, sla
from reports.figures import availability_note, sla_body
from reports.impact import money
from reports.pdf.data import (
    ImpactRow,
    MaintenanceRow,
    OutageRow,
    PolicyText,
    ReportData,
    WorkflowRow,
)
from reports.periods import Period, days_of
from reports.sla_selectors import CustomerSLA, WorkflowSLA

VOLATILE_KEYS = {"generated_at", "burn_rates", "complete"}


def _strip_volatile(value):
    if isinstance(value, dict):
        return {k: _strip_volatile(v) for k, v in value.items() if k not in VOLATILE_KEYS}
    if isinstance(value, list):
        return [_strip_volatile(v) for v in value]
    return value


def report_figures(report: CustomerSLA) -> dict:
    """The period's figures as the API shows them, minus what changes with the clock."""
    return _strip_volatile(sla_body(report))


def report_fingerprint(report: CustomerSLA) -> str:
    """SHA-256 of the period's numbers (`reports.fingerprint`, version `VERSION`)."""
    numbers = [
        fingerprint.WorkflowNumbers(
            workflow_id=row.inputs.workflow.pk,
            figures=row.figures,
            outages=row.inputs.outages,
            impacts=row.impacts,
        )
        for row in report.workflows
    ]
    return fingerprint.fingerprint_sha256(fingerprint.fingerprint_structure(report.period, numbers))


def _cents(amount: Decimal) -> str:
    """The amount to the cent as the API states it (``impact.money``), with separators."""
    return formatting.money(money(amount))


def _amounts(by_currency: dict[str, Decimal], currency: str) -> str:
    cents = {code: money(amount) for code, amount in by_currency.items()}
    return formatting.amounts(cents, empty_currency=currency)


def _user_minutes(value: Decimal) -> str:
    return formatting.number(value, trim=True)


def _daily(row: WorkflowSLA, period: Period) -> tuple[tuple[str, Decimal | None], ...]:
    return tuple(
        (day.label, row.inputs.sla_figures(day).availability_pct) for day in days_of(period)
    )


def _workflow_row(row: WorkflowSLA, period: Period) -> WorkflowRow:
    f = row.figures
    workflow = row.inputs.workflow
    total = row.impact_total
    runbooks = list(workflow.runbooks.all())
    tested = [rb.last_tested_at for rb in runbooks if rb.last_tested_at]
    return WorkflowRow(
        name=workflow.name,
        target_pct=percent(f.target_pct),
        availability_display=formatting.figure(f.availability_display),
        effective_availability_display=formatting.figure(f.effective_availability_display),
        met=f.met,
        measured_minutes=minutes(f.measured_seconds),
        down_minutes=minutes(f.down_seconds),
        degraded_minutes=minutes(f.degraded_seconds),
        maintenance_minutes=minutes(f.maintenance_seconds),
        no_data_minutes=minutes(f.no_data_seconds),
        coverage_pct=None if f.coverage_pct is None else percent(f.coverage_pct),
        error_budget_minutes=minutes(f.error_budget_seconds),
        error_budget_remaining_minutes=minutes(f.error_budget_remaining_seconds),
        credit_pct=percent(f.credit_pct, trim=True),
        outage_count=f.outage_count,
        mttr_minutes=minutes(f.mttr_seconds),
        longest_outage_minutes=minutes(f.longest_outage_seconds),
        cost=_cents(total.cost.get(workflow.currency, Decimal(0))),
        avoided_cost=_cents(total.avoided_cost.get(workflow.currency, Decimal(0))),
        currency=workflow.currency,
        user_minutes_lost=_user_minutes(total.user_minutes_lost),
        daily_availability=_daily(row, period),
        last_tested_at=formatting.local_time(max(tested), period.timezone) if tested else None,
        runbook_title=runbooks[0].title if runbooks else None,
        availability_note=availability_note(f, period.timezone),
    )


def _fallback_text(activation) -> str:
    how = _("automatic") if activation.automatic else _("manual")
    effectiveness = percent(activation.effectiveness_pct, trim=True)
    return _("%(runbook)s, %(effectiveness)s %% effective (%(how)s)") % {
        "runbook": activation.runbook.title,
        "effectiveness": effectiveness,
        "how": how,
    }


def _outage_row(row: WorkflowSLA, outage, report: CustomerSLA) -> OutageRow:
    zone = report.period.timezone
    mitigation = row.mitigations[outage.pk]
    activations = row.inputs.activations.get(outage.pk, [])
    end = outage.ended_at or report.now
    ttm = mitigation.time_to_mitigate_seconds
    return OutageRow(
        workflow=row.inputs.workflow.name,
        started_at=formatting.local_time(outage.started_at, zone),
        ended_at=None if outage.ended_at is None else formatting.local_time(outage.ended_at, zone),
        duration=formatting.duration((end - outage.started_at).total_seconds()),
        severity=outage.severity,
        root_cause=outage.root_cause,
        excluded=outage.excluded_from_sla,
        exclusion_reason=outage.exclusion_reason,
        fallback=_fallback_text(activations[0]) if activations else None,
        time_to_mitigate=None if ttm is None else _("%(minutes)s min") % {"minutes": minutes(ttm)},
        rto_status=mitigation.rto_status.value,
    )


def _outage_rows(report: CustomerSLA) -> list[OutageRow]:
    """In order of start (the instant: local wall-clock text repeats when clocks go back)."""
    outages = [(outage, row) for row in report.workflows for outage in row.inputs.outage_rows]
    outages.sort(key=lambda item: (item[0].started_at, item[1].inputs.workflow.name))
    return [_outage_row(row, outage, report) for outage, row in outages]


def _impact_row(label: str, totals, currency: str) -> ImpactRow:
    return ImpactRow(
        label=label,
        outages=totals.outages,
        downtime_minutes=minutes(totals.counted_seconds),
        mitigated_minutes=minutes(totals.mitigated_seconds),
        cost=_amounts(totals.cost, currency),
        avoided_cost=_amounts(totals.avoided_cost, currency),
        user_minutes_lost=_user_minutes(totals.user_minutes_lost),
    )


def _clock(value) -> str:
    return "24:00" if (value.hour, value.minute) == (0, 0) else f"{value:%H:%M}"


def _service_hours(policy: sla.Policy) -> str:
    if not policy.service_hours:
        return "24x7"
    return ", ".join(
        f"{formatting.weekday(w.weekday)} {w.start:%H:%M}–{_clock(w.end)}"
        for w in policy.service_hours
    )


def _policy_texts(report: CustomerSLA) -> tuple[PolicyText, ...]:
    seen: dict[str, PolicyText] = {}
    for row in report.workflows:
        stored = row.inputs.workflow.effective_policy
        policy = row.inputs.policy
        name = stored.name if stored else _("Default (99.9 %)")
        seen.setdefault(
            name,
            PolicyText(
                name=name,
                target_pct=percent(policy.target_pct, trim=True),
                degraded_weight=formatting.number(policy.degraded_weight, trim=True),
                min_outage_seconds=policy.min_outage_seconds,
                no_data=str(policy.no_data),
                credit_tiers=tuple(
                    (percent(t.below_pct, trim=True), percent(t.credit_pct, trim=True))
                    for t in policy.credit_tiers
                ),
                service_hours=_service_hours(policy),
            ),
        )
    return tuple(seen.values())


def _maintenance_rows(report: CustomerSLA) -> tuple[MaintenanceRow, ...]:
    windows: dict[tuple, list[str]] = {}
    for row in report.workflows:
        for interval in row.inputs.maintenance:
            windows.setdefault((interval.start, interval.end), []).append(row.inputs.workflow.name)
    reasons = {
        (w.starts_at, w.ends_at): w.reason
        for w in report.customer.maintenance_windows.filter(
            starts_at__lt=report.period.end, ends_at__gt=report.period.start
        )
    }
    return tuple(
        MaintenanceRow(
            workflows=", ".join(sorted(names)),
            starts_at=formatting.local_time(start, report.period.timezone),
            ends_at=formatting.local_time(end, report.period.timezone),
            reason=reasons.get((start, end), ""),
        )
        for (start, end), names in sorted(windows.items())
    )


def build_report_data(
    report: CustomerSLA, *, report_id: str, revision: int, data_sha256: str, note: str = ""
) -> ReportData:
    """The PDF's content, worded and formatted in the active language and
    ``continuity.formatting`` locale (``continuity.i18n.customer_language``)."""
    period = report.period
    zone = ZoneInfo(period.timezone)
    summary = report.summary
    total = report.impact_total
    currencies = sorted({row.inputs.workflow.currency for row in report.workflows}) or ["USD"]
    by_workflow = {t.key: t for t in (row.impact_total for row in report.workflows)}
    first_local = formatting.day_and_time(period.start.astimezone(zone))
    last_local = formatting.day_and_time(period.end.astimezone(zone))
    return ReportData(
        report_id=report_id,
        revision=revision,
        customer_name=report.customer.name,
        timezone=period.timezone,
        period_label=period.label,
        period_text=(
            f"{formatting.month_year(period.start.astimezone(zone))} "
            f"({first_local} – {last_local} {period.timezone})"
        ),
        generated_at=formatting.local_time(report.now, zone),
        data_sha256=data_sha256,
        summary_availability_display=formatting.figure(summary.availability_display),
        workflows_met=summary.met,
        workflows_total=summary.workflows,
        total_downtime_minutes=minutes(summary.down_seconds + summary.degraded_seconds),
        total_cost=_amounts(total.cost if total else {}, currencies[0]),
        total_avoided_cost=_amounts(total.avoided_cost if total else {}, currencies[0]),
        currency=", ".join(currencies),
        credits_owed=tuple(
            (row.inputs.workflow.name, percent(row.figures.credit_pct, trim=True))
            for row in report.workflows
            if row.figures.credit_pct > 0
        ),
        workflows=tuple(_workflow_row(row, period) for row in report.workflows),
        outages=tuple(_outage_rows(report)),
        maintenance=_maintenance_rows(report),
        impact_by_workflow=tuple(
            _impact_row(
                row.inputs.workflow.name,
                by_workflow[row.inputs.workflow.pk],
                row.inputs.workflow.currency,
            )
            for row in report.workflows
        ),
        impact_by_dependency=tuple(
            _impact_row(t.key or _("(none)"), t, currencies[0]) for t in report.impact_by_dependency
        ),
        policies=_policy_texts(report),
        revision_note=note,
        locale=formatting.current_locale(),
    )
