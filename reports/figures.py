"""The SLA figures (SPEC §4, §5) as JSON: the one shape the API, the stored report
figures and the PDF share. Decimals travel as strings."""

from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal

from django.utils.translation import gettext as _

from continuity.formatting import local_time
from continuity.models import Customer
from reports import impact, sla
from reports.periods import Period
from reports.sla_selectors import CustomerSLA, SLASummary, WorkflowSLA

BURN_ALERT_THRESHOLDS = {"1h": Decimal("14.4"), "6h": Decimal("6"), "3d": Decimal("1")}
_MILLI = Decimal("0.001")


def quantity(value: Decimal | int | None) -> str | None:
    """A decimal string to three places, without trailing zeros ("50", "12.5", "0.167")."""
    if value is None:
        return None
    text = f"{Decimal(value).quantize(_MILLI, rounding=ROUND_HALF_EVEN):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def minutes(seconds: int | Decimal | None) -> str | None:
    """Seconds as a decimal string of minutes."""
    return None if seconds is None else quantity(Decimal(seconds) / 60)


def _decimal(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:f}"


def availability_note(figures: sla.SLAFigures, tz: str) -> str | None:
    """What a reader must know about the availability figure: where the SLA starts within
    the period, or why there is none."""
    effective = figures.effective_from
    if effective is not None:
        since = {"since": local_time(effective, tz)}
        if figures.before_effective_from:
            return (
                _(
                    "SLA effective from %(since)s: this period lies before it, "
                    "so nothing is measured."
                )
                % since
            )
        return _("SLA effective from %(since)s: time before it is outside the SLA period.") % since
    if figures.availability_pct is None:
        return _(
            "Nothing measured: the period so far is all maintenance or without monitoring data."
        )
    return None


def _burn(rates: dict[str, Decimal | None] | None) -> dict | None:
    if rates is None:
        return None
    return {
        window: {
            "rate": _decimal(rate.quantize(_MILLI) if rate is not None else None),
            "threshold": _decimal(BURN_ALERT_THRESHOLDS.get(window)),
            "alerting": rate is not None
            and window in BURN_ALERT_THRESHOLDS
            and rate >= BURN_ALERT_THRESHOLDS[window],
        }
        for window, rate in rates.items()
    }


def _money(amount: Decimal | None) -> str | None:
    return None if amount is None else f"{impact.money(amount):f}"


def _per_currency(amounts: dict[str, Decimal]) -> dict[str, str]:
    return {currency: _money(amount) for currency, amount in amounts.items()}


def outage_rows(row: WorkflowSLA) -> list[dict]:
    impacts = {item.outage_id: item for item in row.impacts}
    result = []
    for outage in row.inputs.outage_rows:
        item = impacts.get(outage.pk)
        mitigated = row.mitigations[outage.pk]
        result.append(
            {
                "id": outage.pk,
                "started_at": outage.started_at.isoformat(),
                "ended_at": outage.ended_at.isoformat() if outage.ended_at else None,
                "severity": outage.severity,
                "excluded_from_sla": outage.excluded_from_sla,
                "time_to_mitigate_minutes": minutes(mitigated.time_to_mitigate_seconds),
                "rto_status": mitigated.rto_status.value,
                "counted_minutes": minutes(item.counted_seconds) if item else "0",
                "mitigated_minutes": minutes(item.mitigated_seconds) if item else "0",
                "cost": _money(item.cost) if item else "0.00",
                "avoided_cost": _money(item.avoided_cost) if item else "0.00",
                "user_minutes_lost": quantity(item.user_minutes_lost) if item else "0",
            }
        )
    return result


def _iso(instant) -> str | None:
    return None if instant is None else instant.isoformat()


def workflow_row(row: WorkflowSLA, tz: str) -> dict:
    f = row.figures
    workflow = row.inputs.workflow
    total = row.impact_total
    currency = workflow.currency
    return {
        "workflow": workflow.pk,
        "name": workflow.name,
        "upstream_dependency": workflow.upstream_dependency,
        "sla_effective_from": _iso(workflow.sla_effective_from),
        "effective_period_start": None if f.before_effective_from else _iso(f.effective_start),
        "availability_note": availability_note(f, tz),
        "target_pct": _decimal(f.target_pct),
        "period_minutes": minutes(f.period_seconds),
        "scheduled_minutes": minutes(f.scheduled_seconds),
        "measured_minutes": minutes(f.measured_seconds),
        "down_minutes": minutes(f.down_seconds),
        "degraded_minutes": minutes(f.degraded_seconds),
        "maintenance_minutes": minutes(f.maintenance_seconds),
        "no_data_minutes": minutes(f.no_data_seconds),
        "counted_downtime_minutes": minutes(f.counted_downtime_seconds),
        "coverage_pct": _decimal(f.coverage_pct),
        "availability_pct": _decimal(f.availability_pct),
        "availability_display": f.availability_display,
        "met": f.met,
        "error_budget_minutes": minutes(f.error_budget_seconds),
        "error_budget_remaining_minutes": minutes(f.error_budget_remaining_seconds),
        "credit_pct": _decimal(f.credit_pct),
        "outage_count": f.outage_count,
        "mttr_minutes": minutes(f.mttr_seconds),
        "longest_outage_minutes": minutes(f.longest_outage_seconds),
        "effective_availability_pct": _decimal(f.effective_availability_pct),
        "effective_availability_display": f.effective_availability_display,
        "mitigated_minutes": minutes(f.mitigated_seconds),
        "seconds": {
            "period": f.period_seconds,
            "scheduled": f.scheduled_seconds,
            "measured": f.measured_seconds,
            "down": f.down_seconds,
            "degraded": f.degraded_seconds,
            "maintenance": f.maintenance_seconds,
            "no_data": f.no_data_seconds,
            "counted_downtime": _decimal(f.counted_downtime_seconds),
        },
        "burn_rates": _burn(row.burn_rates),
        "currency": currency,
        "cost_per_minute": f"{workflow.cost_per_minute:f}",
        "cost": _money(total.cost.get(currency, Decimal(0))),
        "avoided_cost": _money(total.avoided_cost.get(currency, Decimal(0))),
        "user_minutes_lost": quantity(total.user_minutes_lost),
        "rto": row.rto_counts,
        "outages": outage_rows(row),
    }


def impact_row(totals: impact.ImpactTotals) -> dict:
    return {
        "outages": totals.outages,
        "downtime_minutes": minutes(totals.counted_seconds),
        "mitigated_minutes": minutes(totals.mitigated_seconds),
        "cost": _per_currency(totals.cost),
        "avoided_cost": _per_currency(totals.avoided_cost),
        "user_minutes_lost": quantity(totals.user_minutes_lost),
    }


def summary_row(summary: SLASummary) -> dict:
    return {
        "workflows": summary.workflows,
        "met": summary.met,
        "breached": summary.breached,
        "measured_minutes": minutes(summary.measured_seconds),
        "down_minutes": minutes(summary.down_seconds),
        "degraded_minutes": minutes(summary.degraded_seconds),
        "counted_downtime_minutes": minutes(summary.counted_downtime_seconds),
        "availability_pct": _decimal(summary.availability_pct),
        "availability_display": summary.availability_display,
        "lowest_availability_pct": _decimal(summary.lowest_availability_pct),
        "outage_count": summary.outage_count,
        "workflows_with_credit": summary.workflows_with_credit,
    }


def sla_body(report: CustomerSLA) -> dict:
    tz = report.period.timezone
    return sla_body_of(
        customer=report.customer,
        period=report.period,
        now=report.now,
        rows=[workflow_row(row, tz) for row in report.workflows],
        summary=report.summary,
        impacts=report.impacts,
    )


def sla_body_of(
    *,
    customer: Customer,
    period: Period,
    now: datetime,
    rows: list[dict],
    summary: SLASummary,
    impacts: list[impact.OutageImpact],
) -> dict:
    """The body of workflow rows already built (computed now, or stored for a closed period)."""
    summary_body = summary_row(summary)
    totals = impact.by_customer(impacts)
    summary_body["impact"] = impact_row(totals[0]) if totals else None
    summary_body["impact_by_dependency"] = [
        {"upstream_dependency": totals.key, **impact_row(totals)}
        for totals in impact.by_dependency(impacts)
    ]
    return {
        "customer": customer.slug,
        "customer_id": customer.pk,
        "customer_name": customer.name,
        "period": {
            "label": period.label,
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "timezone": period.timezone,
            "minutes": int(period.minutes) if period.seconds % 60 == 0 else minutes(period.seconds),
            "complete": now >= period.end,
        },
        "generated_at": now.isoformat(),
        "workflows": rows,
        "summary": summary_body,
    }
