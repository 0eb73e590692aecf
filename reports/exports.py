"""The `sla/` body as CSV rows: one per workflow, then one for the customer.

Made from the JSON body itself, so the CSV carries the same figures and display rule
(`availability_display` truncated, `availability_pct` exact beside it). Nested figures
become prefixed columns (`seconds_down`, `burn_1h_rate`, `rto_missed`); lists (a workflow's
outages, the impact per dependency) stay in the JSON and in `outages/?format=csv`.
"""

from reports.figures import BURN_ALERT_THRESHOLDS

_NESTED = ("seconds", "burn_rates", "rto", "outages")
_SUMMARY_RENAMED = {"met": "workflows_met", "breached": "workflows_breached"}
_SUMMARY_NESTED = ("impact", "impact_by_dependency")


def _flat(prefix: str, values: dict) -> dict:
    return {f"{prefix}_{key}": value for key, value in values.items()}


def _burn(rates: dict | None) -> dict:
    row = {}
    for window in BURN_ALERT_THRESHOLDS:
        figures = (rates or {}).get(window) or {}
        for key in ("rate", "threshold", "alerting"):
            row[f"burn_{window}_{key}"] = figures.get(key)
    return row


def _context(body: dict, kind: str) -> dict:
    period = body["period"]
    return {
        "row": kind,
        "customer": body["customer"],
        "period": period["label"],
        "period_start": period["start"],
        "period_end": period["end"],
    }


def workflow_csv_row(body: dict, workflow: dict) -> dict:
    return {
        **_context(body, "workflow"),
        **{key: value for key, value in workflow.items() if key not in _NESTED},
        **_flat("seconds", workflow["seconds"]),
        **_burn(workflow["burn_rates"]),
        **_flat("rto", workflow["rto"]),
    }


def _impact(impact: dict | None) -> dict:
    """The customer's impact: amounts in several currencies are ';'-joined, in the order
    of the `currency` column."""
    if impact is None:
        return {}
    currencies = sorted({*impact["cost"], *impact["avoided_cost"]})
    return {
        "currency": currencies,
        "cost": [impact["cost"].get(currency) for currency in currencies],
        "avoided_cost": [impact["avoided_cost"].get(currency) for currency in currencies],
        "user_minutes_lost": impact["user_minutes_lost"],
        "impact_outages": impact["outages"],
        "impact_downtime_minutes": impact["downtime_minutes"],
        "impact_mitigated_minutes": impact["mitigated_minutes"],
    }


def summary_csv_row(body: dict) -> dict:
    summary = body["summary"]
    return {
        **_context(body, "summary"),
        **{
            _SUMMARY_RENAMED.get(key, key): value
            for key, value in summary.items()
            if key not in _SUMMARY_NESTED
        },
        **_impact(summary["impact"]),
    }


def sla_csv_rows(body: dict) -> list[dict]:
    return [
        *(workflow_csv_row(body, workflow) for workflow in body["workflows"]),
        summary_csv_row(body),
    ]
