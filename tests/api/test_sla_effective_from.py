"""A workflow's SLA effective date: time before it is outside the SLA period, and the API,
the PDF and the console say so."""

import io
from datetime import UTC, datetime, timedelta

import pypdf
import pytest

from continuity.models import Workflow
from incidents.models import Outage
from reports.pdf import render_monthly_report
from reports.periods import parse_month
from reports.report_data import build_report_data
from reports.sla_selectors import customer_sla
from tests.factories import CustomerFactory, WorkflowFactory, make_key

pytestmark = pytest.mark.django_db

EFFECTIVE = "2026-10-20T00:00:00-04:00"


@pytest.fixture
def new_york(db):
    return CustomerFactory(timezone="America/New_York")


@pytest.fixture
def client(api, new_york):
    return api(make_key(customer=new_york))


@pytest.fixture
def workflow(client, new_york):
    workflow = WorkflowFactory(customer=new_york)
    response = client.patch(
        f"/api/v1/workflows/{workflow.pk}/", {"sla_effective_from": EFFECTIVE}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["sla_effective_from"] == "2026-10-20T04:00:00Z"
    workflow.refresh_from_db()
    return workflow


def down(workflow, start: datetime, minutes: int) -> Outage:
    return Outage.objects.create(
        workflow=workflow,
        started_at=start,
        ended_at=start + timedelta(minutes=minutes),
        severity="down",
        source="manual",
    )


def sla_row(client, customer, period: str) -> dict:
    response = client.get(f"/api/v1/sla/?customer={customer.slug}&period={period}")
    assert response.status_code == 200, response.json()
    [row] = response.json()["workflows"]
    return row


def test_effective_from_20_october_new_york_measures_exactly_the_minutes_after_it(
    client, new_york, workflow
):
    down(workflow, datetime(2026, 10, 10, 12, tzinfo=UTC), 90)  # before: not counted
    down(workflow, datetime(2026, 10, 25, 12, tzinfo=UTC), 30)
    row = sla_row(client, new_york, "2026-10")
    assert row["period_minutes"] == "44640"
    # 20 Oct 00:00 EDT to 1 Nov 00:00 EDT: twelve days.
    assert row["scheduled_minutes"] == row["measured_minutes"] == str(12 * 1440)
    assert row["no_data_minutes"] == "0"
    assert row["down_minutes"] == "30"
    assert row["outage_count"] == 1
    assert row["cost"] == "300.00"  # 30 min x 10.00: the October 10 outage costs nothing here
    assert row["sla_effective_from"] == "2026-10-20T04:00:00+00:00"
    assert row["effective_period_start"] == "2026-10-20T04:00:00+00:00"
    assert row["availability_note"] == (
        "SLA effective from 2026-10-20 00:00 EDT: time before it is outside the SLA period."
    )


def test_a_period_entirely_before_it_has_null_availability_and_says_why(client, new_york, workflow):
    down(workflow, datetime(2026, 9, 10, 12, tzinfo=UTC), 90)
    row = sla_row(client, new_york, "2026-09")
    assert row["availability_pct"] is None
    assert row["availability_display"] is None
    assert row["met"] is None
    assert row["credit_pct"] == "0"
    assert row["measured_minutes"] == row["down_minutes"] == "0"
    assert row["effective_period_start"] is None
    assert row["availability_note"] == (
        "SLA effective from 2026-10-20 00:00 EDT: this period lies before it, "
        "so nothing is measured."
    )


def test_a_later_period_and_an_unset_date_count_the_whole_period(client, new_york, workflow):
    november = sla_row(client, new_york, "2026-11")
    assert november["measured_minutes"] == "43260"
    assert november["availability_note"] is None
    assert november["effective_period_start"] == "2026-11-01T04:00:00+00:00"
    response = client.patch(
        f"/api/v1/workflows/{workflow.pk}/", {"sla_effective_from": None}, format="json"
    )
    assert response.status_code == 200 and response.json()["sla_effective_from"] is None
    october = sla_row(client, new_york, "2026-10")
    assert october["measured_minutes"] == "44640"
    assert october["sla_effective_from"] is None


@pytest.mark.parametrize(
    "value",
    [
        "next tuesday",
        "2026-13-01T00:00:00Z",
        17,
        "0001-01-01T00:00:00+05:00",
        "9999-12-31T23:59:59-05:00",
        "1850-01-01T00:00:00Z",
    ],
)
def test_a_bad_effective_date_is_a_field_error_and_changes_nothing(client, workflow, value):
    response = client.patch(
        f"/api/v1/workflows/{workflow.pk}/", {"sla_effective_from": value}, format="json"
    )
    assert response.status_code == 400
    assert "sla_effective_from" in response.json()
    assert Workflow.objects.get(pk=workflow.pk).sla_effective_from == workflow.sla_effective_from


def test_the_pdf_says_sla_effective_from(new_york, workflow):
    period = parse_month("2026-10", new_york.timezone)
    figures = customer_sla(customer=new_york, period=period, now=period.end + timedelta(days=1))
    data = build_report_data(figures, report_id="r-1", revision=1, data_sha256="0" * 64)
    [row] = data.workflows
    assert row.availability_note.startswith("SLA effective from 2026-10-20 00:00 EDT")
    assert row.daily_availability[18][1] is None  # 19 October: outside the SLA period
    assert row.daily_availability[19][1] == 100
    reader = pypdf.PdfReader(io.BytesIO(render_monthly_report(data)))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    assert "SLA effective from 2026-10-20 00:00 EDT" in text
