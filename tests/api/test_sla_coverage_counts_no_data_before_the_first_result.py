"""SPEC §3 strict: a probe is no data before its first result, so a workflow is no data
until its probes first report. Results go in through the API and are derived, as in use."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal, localcontext

import pytest

from continuity.models import SLAPolicy
from incidents.services import workflow_derive_outages
from tests.factories import CustomerFactory, ProbeFactory, WorkflowFactory, make_key

pytestmark = pytest.mark.django_db

OCTOBER_MINUTES = 31 * 1440


def share(part: int, whole: int) -> Decimal:
    """100 x part / whole, at the 50 digits the SLA math divides with."""
    with localcontext(prec=50):
        return Decimal(100) * part / whole


def report(client, probe, locations: dict[str, datetime], until: datetime, every: timedelta):
    """Results `up` at each location from its start until `until`, then derive."""
    results = []
    for location, start in locations.items():
        at = start
        while at < until:
            results.append(
                {
                    "probe": probe.pk,
                    "location": location,
                    "observed_at": at.isoformat(),
                    "outcome": "up",
                }
            )
            at += every
    for offset in range(0, len(results), 5000):
        batch = {"results": results[offset : offset + 5000]}
        response = client.post("/api/v1/probe-results/", batch, format="json")
        assert response.status_code == 201, response.json()
    workflow_derive_outages(workflow_id=probe.workflow_id)


def sla_rows(client, customer, **params) -> dict[int, dict]:
    query = "&".join(f"{k}={v}" for k, v in {"customer": customer.slug, **params}.items())
    response = client.get(f"/api/v1/sla/?{query}")
    assert response.status_code == 200, response.json()
    return {row["workflow"]: row for row in response.json()["workflows"]}


def probe_for(customer, *locations: str, interval: int = 60):
    workflow = WorkflowFactory(customer=customer)
    return ProbeFactory(workflow=workflow, locations=list(locations), interval_seconds=interval)


def test_one_hour_of_results_on_7_october_is_under_one_percent_coverage(customer_client, customer):
    probe = probe_for(customer, "eu-west")
    start = datetime(2026, 10, 7, 6, 0, tzinfo=UTC)
    report(
        customer_client, probe, {"eu-west": start}, start + timedelta(hours=1), timedelta(minutes=1)
    )
    row = sla_rows(customer_client, customer, period="2026-10")[probe.workflow_id]
    # 06:00 to the last result (06:59) + 3 intervals: 62 monitored minutes of 44,640.
    assert row["no_data_minutes"] == str(OCTOBER_MINUTES - 62)
    assert Decimal(row["coverage_pct"]) == share(62, OCTOBER_MINUTES)
    assert Decimal(row["coverage_pct"]) < 1
    assert Decimal(row["availability_pct"]) == 100
    assert row["measured_minutes"] == "62"


@pytest.mark.parametrize(
    ("no_data", "measured", "availability"),
    [
        ("excluded", 16 * 1440, Decimal(100)),
        ("up", OCTOBER_MINUTES, Decimal(100)),
        ("down", OCTOBER_MINUTES, share(16, 31)),
    ],
)
def test_mid_month_onboarding_counts_the_leading_gap_as_the_policy_says(
    api, no_data, measured, availability
):
    policy = SLAPolicy.objects.create(name="p", target_pct=Decimal("99.9"), no_data=no_data)
    customer = CustomerFactory(sla_policy=policy)
    client = api(make_key(customer=customer))
    probe = probe_for(customer, "eu-west", interval=300)
    onboarded = datetime(2026, 10, 16, tzinfo=UTC)
    report(
        client,
        probe,
        {"eu-west": onboarded},
        datetime(2026, 11, 1, tzinfo=UTC),
        timedelta(minutes=5),
    )
    manual_only = WorkflowFactory(customer=customer)
    rows = sla_rows(client, customer, period="2026-10")
    row = rows[probe.workflow_id]
    assert row["no_data_minutes"] == str(15 * 1440)
    assert row["measured_minutes"] == str(measured)
    assert Decimal(row["coverage_pct"]) == share(16, 31)
    assert Decimal(row["availability_pct"]) == availability
    # A workflow without probes (manual outages only) has nothing to wait for.
    assert rows[manual_only.pk]["no_data_minutes"] == "0"
    assert rows[manual_only.pk]["coverage_pct"] == "100"


@pytest.mark.parametrize(
    ("first_location_starts", "no_data_minutes"),
    [
        (datetime(2026, 10, 1, tzinfo=UTC), 0),  # the first location covers the second's day
        (datetime(2026, 10, 2, tzinfo=UTC), 1440),  # nobody reported on the first day
    ],
)
def test_a_second_location_starting_a_day_later_is_not_no_data(
    customer_client, customer, first_location_starts, no_data_minutes
):
    probe = probe_for(customer, "eu-west", "us-east", interval=300)
    starts = {"eu-west": first_location_starts, "us-east": datetime(2026, 10, 2, tzinfo=UTC)}
    report(customer_client, probe, starts, datetime(2026, 10, 3, tzinfo=UTC), timedelta(minutes=5))
    rows = sla_rows(customer_client, customer, start="2026-10-01", end="2026-10-03")
    row = rows[probe.workflow_id]
    assert row["no_data_minutes"] == str(no_data_minutes)
    assert row["measured_minutes"] == str(2 * 1440 - no_data_minutes)


def test_a_probe_that_never_reported_is_no_data_throughout(customer_client, customer):
    probe = probe_for(customer, "eu-west")
    row = sla_rows(customer_client, customer, period="2026-10")[probe.workflow_id]
    assert row["no_data_minutes"] == str(OCTOBER_MINUTES)
    assert row["coverage_pct"] == "0"
    assert row["availability_pct"] is None
    assert row["availability_note"].startswith("Nothing measured")


def test_a_silent_second_probe_does_not_hide_the_first_probes_data(customer_client, customer):
    probe = probe_for(customer, "eu-west", interval=300)
    ProbeFactory(workflow=probe.workflow, locations=["eu-west"], interval_seconds=300)
    start = datetime(2026, 10, 1, tzinfo=UTC)
    report(
        customer_client,
        probe,
        {"eu-west": start},
        datetime(2026, 11, 1, tzinfo=UTC),
        timedelta(minutes=5),
    )
    row = sla_rows(customer_client, customer, period="2026-10")[probe.workflow_id]
    assert row["no_data_minutes"] == "0"
    assert row["coverage_pct"] == "100"
