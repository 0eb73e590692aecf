import csv
import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine

from continuity.models import FallbackActivation, Runbook
from incidents.models import Outage
from tests.factories import WorkflowFactory

pytestmark = pytest.mark.django_db

START = datetime(2026, 9, 14, 13, 0, tzinfo=UTC)


def as_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def seed(customer):
    euro = WorkflowFactory(
        customer=customer, name="Checkout", cost_per_minute=Decimal("10"), currency="EUR"
    )
    dollar = WorkflowFactory(customer=customer, name="Search", currency="USD")
    WorkflowFactory(customer=customer, name="Quiet")
    for workflow, minutes in ((euro, 58), (dollar, 7)):
        outage = Outage.objects.create(
            workflow=workflow,
            started_at=START,
            ended_at=START + timedelta(minutes=minutes),
            severity="down",
            source="probe",
        )
    runbook = Runbook.objects.create(workflow=euro, title="fallback", fallback_strategy="x")
    FallbackActivation.objects.create(
        outage=euro.outages.get(),
        runbook=runbook,
        runbook_version=1,
        activated_at=START + timedelta(minutes=12),
        effectiveness_pct=Decimal("50"),
    )
    Outage.objects.create(
        workflow=dollar,
        started_at=START + timedelta(days=1),
        ended_at=START + timedelta(days=1, minutes=20),
        severity="degraded",
        source="probe",
    )
    return outage


def both(client, customer, **params):
    query = "&".join(f"{k}={v}" for k, v in {"customer": customer.slug, **params}.items())
    body = client.get(f"/api/v1/sla/?{query}")
    assert body.status_code == 200, body.content
    exported = client.get(f"/api/v1/sla/?{query}&format=csv")
    assert exported.status_code == 200, exported.content
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8"))))
    return body.json(), exported, rows


def assert_workflow_rows_match(body, rows):
    workflow_rows = [row for row in rows if row["row"] == "workflow"]
    assert [row["workflow"] for row in workflow_rows] == [
        str(w["workflow"]) for w in body["workflows"]
    ]
    for expected, row in zip(body["workflows"], workflow_rows, strict=True):
        assert (row["customer"], row["period"]) == (body["customer"], body["period"]["label"])
        assert (row["period_start"], row["period_end"]) == (
            body["period"]["start"],
            body["period"]["end"],
        )
        for key, value in expected.items():
            if key in ("seconds", "rto"):
                for inner, figure in value.items():
                    assert row[f"{key}_{inner}"] == as_cell(figure), (key, inner)
            elif key == "burn_rates":
                for window in ("1h", "6h", "3d"):
                    for inner in ("rate", "threshold", "alerting"):
                        figure = value[window][inner] if value else None
                        assert row[f"burn_{window}_{inner}"] == as_cell(figure), (window, inner)
            elif key != "outages":
                assert row[key] == as_cell(value), key


def test_every_workflow_figure_and_the_summary_match_the_json(staff_client, customer):
    seed(customer)
    body, exported, rows = both(staff_client, customer, period="2026-09")
    assert exported["Content-Type"] == "text/csv; charset=utf-8"
    assert exported["Content-Disposition"] == (
        f'attachment; filename="continuity-sla-{customer.slug}-2026-09.csv"'
    )
    assert len(rows) == 4
    assert_workflow_rows_match(body, rows)
    checkout = next(row for row in rows if row["name"] == "Checkout")
    # 58 of 43,200 minutes down: 99.86574…, shown truncated (rounding would say 99.866)
    assert (checkout["availability_display"], checkout["cost"]) == ("99.865", "350.00")
    assert checkout["availability_pct"].startswith("99.86574074074074")

    summary = body["summary"]
    [row] = [row for row in rows if row["row"] == "summary"]
    renamed = {"met": "workflows_met", "breached": "workflows_breached"}
    for key, value in summary.items():
        if key not in ("impact", "impact_by_dependency"):
            assert row[renamed.get(key, key)] == as_cell(value), key
    assert (row["workflow"], row["name"], row["met"]) == ("", "", "")
    impact = summary["impact"]
    assert row["currency"] == "EUR;USD"
    assert row["cost"] == f"{impact['cost']['EUR']};{impact['cost']['USD']}"
    assert row["avoided_cost"] == f"{impact['avoided_cost']['EUR']};{impact['avoided_cost']['USD']}"
    for key in ("outages", "downtime_minutes", "mitigated_minutes"):
        assert row[f"impact_{key}"] == as_cell(impact[key]), key
    assert row["user_minutes_lost"] == impact["user_minutes_lost"]


def test_the_running_month_carries_its_burn_rates(customer_client, customer):
    seed(customer)
    with time_machine.travel(START + timedelta(minutes=30), tick=False):
        body, _, rows = both(customer_client, customer)
    assert body["workflows"][0]["burn_rates"]["1h"]["alerting"] is True
    assert_workflow_rows_match(body, rows)
    checkout = next(row for row in rows if row["name"] == "Checkout")
    assert checkout["burn_1h_alerting"] == "true"
    assert checkout["burn_1h_threshold"] == "14.4"


def test_a_range_period_gives_a_safe_filename(staff_client, customer):
    seed(customer)
    _, exported, rows = both(staff_client, customer, start="2026-09-14", end="2026-09-16")
    filename = exported["Content-Disposition"].split("filename=")[1].strip('"')
    assert filename.startswith(f"continuity-sla-{customer.slug}-2026-09-14T00_00_00")
    assert "/" not in filename and ":" not in filename
    assert rows[-1]["row"] == "summary"
