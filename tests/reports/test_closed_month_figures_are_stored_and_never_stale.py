"""A closed month's SLA figures are stored once computed and served from the store, byte for
byte what the live computation gives, and every kind of write that changes them drops them
(a late result, an outage exclusion, a fallback activation, a policy change, a maintenance
window change), so the next read shows the new figures, never the stored ones."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.renderers import JSONRenderer

from continuity.models import Runbook, SLAPolicy
from incidents.models import MaintenanceWindow, Outage
from incidents.services.outages import outage_figures_touched
from reports.figures import sla_body
from reports.figures_codec import StoredEntry
from reports.models import StoredFigures
from reports.periods import parse_month
from reports.services.figures_store import stored_figures_save
from reports.sla_selectors import customer_sla
from reports.stored_figures import _entry, customer_sla_body, figures_generation
from tests.factories import CustomerFactory, ProbeFactory, WorkflowFactory

pytestmark = pytest.mark.django_db

# October 2025 in Berlin: 31 days and one hour, DST ends on the 26th.
MONTH = "2025-10"
ZONE = "Europe/Berlin"
NOW = datetime(2025, 12, 3, 9, 0, tzinfo=UTC)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 10, day, hour, minute, tzinfo=UTC)


def body_bytes(body: dict) -> bytes:
    return JSONRenderer().render(body)


def live(customer, now=NOW) -> bytes:
    period = parse_month(MONTH, customer.timezone)
    return body_bytes(sla_body(customer_sla(customer=customer, period=period, now=now)))


def served(customer, now=NOW) -> bytes:
    period = parse_month(MONTH, customer.timezone)
    return body_bytes(customer_sla_body(customer=customer, period=period, now=now))


def stored_count(customer) -> int:
    return StoredFigures.objects.filter(customer=customer).count()


@pytest.fixture
def policy():
    return SLAPolicy.objects.create(name="Gold", target_pct=Decimal("99.900"))


@pytest.fixture
def seeded(policy):
    customer = CustomerFactory(timezone=ZONE, sla_policy=policy)
    workflows = [WorkflowFactory(customer=customer, name=f"wf {n}") for n in range(3)]
    for n, workflow in enumerate(workflows):
        Outage.objects.create(
            workflow=workflow,
            started_at=at(26, 0, 30 + n),  # across the DST change
            ended_at=at(26, 2, 10 * n),
            severity="down" if n else "degraded",
            source="manual",
        )
    window = MaintenanceWindow.objects.create(
        customer=customer, starts_at=at(12, 3), ends_at=at(12, 5), reason="upgrade"
    )
    window.workflows.add(workflows[0])
    return customer, workflows


def stored_then_changed(customer, write) -> None:
    """Store the month, make the write, and show the served figures follow it."""
    first = served(customer)
    assert first == live(customer)
    assert stored_count(customer) == 3
    write()
    assert stored_count(customer) == 0  # dropped in the write's own transaction
    after = served(customer)
    assert after == live(customer)
    assert after != first
    assert stored_count(customer) == 3
    assert served(customer) == after  # now from the store


def test_stored_body_is_the_live_body_byte_for_byte(seeded):
    customer, _ = seeded
    expected = live(customer)
    assert served(customer) == expected  # computed and stored
    assert stored_count(customer) == 3
    assert served(customer) == expected  # read from the store
    assert b"2025-10-01T00:00:00+02:00" not in expected  # periods travel in UTC
    assert body_bytes({}) != expected


def test_a_rename_keeps_the_stored_figures_and_shows_the_new_name(seeded):
    customer, workflows = seeded
    served(customer)
    workflows[1].name = "renamed"
    workflows[1].save()
    assert stored_count(customer) == 3
    assert served(customer) == live(customer)
    assert b'"name":"renamed"' in served(customer)


def test_a_late_failing_result_in_the_month(
    seeded, staff_client, django_capture_on_commit_callbacks
):
    customer, workflows = seeded
    probe = ProbeFactory(workflow=workflows[2], locations=["eu-west"], quorum=1)

    def post_results():
        results = [
            {
                "probe": probe.pk,
                "location": "eu-west",
                "observed_at": (at(20, 10) + timedelta(minutes=m)).isoformat(),
                "outcome": "down" if 2 <= m < 30 else "up",
            }
            for m in range(40)
        ]
        with django_capture_on_commit_callbacks(execute=True):  # derivation, eagerly
            response = staff_client.post(
                "/api/v1/probe-results/", {"results": results}, format="json"
            )
        assert response.status_code == 201, response.json()

    stored_then_changed(customer, post_results)
    assert Outage.objects.filter(workflow=workflows[2], source="probe").exists()


def test_adding_a_probe_changes_the_no_data_of_past_months(seeded):
    customer, workflows = seeded
    stored_then_changed(customer, lambda: ProbeFactory(workflow=workflows[1]))


def test_an_outage_excluded_by_patch(seeded, staff_client):
    customer, workflows = seeded
    outage = Outage.objects.get(workflow=workflows[1])

    def exclude():
        response = staff_client.patch(
            f"/api/v1/outages/{outage.pk}/",
            {"excluded_from_sla": True, "exclusion_reason": "customer's own change"},
            format="json",
        )
        assert response.status_code == 200, response.json()

    stored_then_changed(customer, exclude)


def test_a_fallback_activation(seeded, staff_client):
    customer, workflows = seeded
    outage = Outage.objects.get(workflow=workflows[2])
    runbook = Runbook.objects.create(workflow=workflows[2], title="Fail over")

    def activate():
        response = staff_client.post(
            "/api/v1/fallback-activations/",
            {
                "outage": outage.pk,
                "runbook": runbook.pk,
                "effectiveness_pct": "80",
                "activated_at": (outage.started_at + timedelta(minutes=5)).isoformat(),
            },
            format="json",
        )
        assert response.status_code == 201, response.json()

    stored_then_changed(customer, activate)


def test_a_policy_change(seeded, staff_client, policy):
    customer, _ = seeded

    def tighten():
        response = staff_client.patch(
            f"/api/v1/sla-policies/{policy.pk}/", {"target_pct": "99.990"}, format="json"
        )
        assert response.status_code == 200, response.json()

    stored_then_changed(customer, tighten)


def test_a_maintenance_window_change(seeded, staff_client):
    customer, _ = seeded
    window = MaintenanceWindow.objects.get(customer=customer)

    def widen():
        response = staff_client.patch(
            f"/api/v1/maintenance-windows/{window.pk}/",
            {"starts_at": at(26, 0).isoformat(), "ends_at": at(26, 3).isoformat()},
            format="json",
        )
        assert response.status_code == 200, response.json()

    stored_then_changed(customer, widen)


def test_a_write_in_another_month_keeps_the_stored_figures(seeded, staff_client):
    customer, workflows = seeded
    served(customer)
    outage = Outage.objects.create(
        workflow=workflows[0],
        started_at=datetime(2025, 11, 5, tzinfo=UTC),
        ended_at=datetime(2025, 11, 5, 1, tzinfo=UTC),
        severity="down",
        source="manual",
    )
    response = staff_client.patch(
        f"/api/v1/outages/{outage.pk}/", {"severity": "degraded"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert stored_count(customer) == 3
    assert served(customer) == live(customer)


def test_an_outage_still_open_is_computed_live_not_stored(seeded):
    customer, workflows = seeded
    Outage.objects.create(
        workflow=workflows[0], started_at=at(31, 20), severity="down", source="manual"
    )
    later = NOW + timedelta(days=1)
    assert served(customer) == live(customer)
    assert served(customer, later) == live(customer, later)
    assert stored_count(customer) == 2


def test_the_running_month_is_never_stored(seeded):
    customer, _ = seeded
    period = parse_month(MONTH, customer.timezone)
    during = at(20, 12)
    body = customer_sla_body(customer=customer, period=period, now=during)
    assert body == sla_body(customer_sla(customer=customer, period=period, now=during))
    assert stored_count(customer) == 0


def test_the_api_serves_a_closed_month_in_constant_queries(staff_client, policy):
    def read(customer) -> tuple[int, dict]:
        with CaptureQueriesContext(connection) as queries:
            response = staff_client.get(
                "/api/v1/sla/", {"customer": customer.slug, "period": MONTH}
            )
        assert response.status_code == 200, response.json()
        return len(queries), response.json()

    counts = []
    for size in (2, 20):
        customer = CustomerFactory(timezone=ZONE, sla_policy=policy)
        for n in range(size):
            workflow = WorkflowFactory(customer=customer)
            Outage.objects.create(
                workflow=workflow,
                started_at=at(3, n % 24),
                ended_at=at(3, n % 24, 45),
                severity="down",
                source="manual",
            )
        read(customer)  # computes and stores
        count, body = read(customer)
        assert len(body["workflows"]) == size
        assert body["summary"]["outage_count"] == size
        counts.append(count)
    assert counts[0] == counts[1]


def test_figures_computed_before_a_write_are_not_stored_after_it(seeded):

    customer, workflows = seeded
    period = parse_month(MONTH, customer.timezone)
    generation = figures_generation(customer)
    report = customer_sla(customer=customer, period=period, now=NOW)  # the reader computes
    Outage.objects.filter(workflow=workflows[0]).first().delete()  # a write meanwhile
    outage_figures_touched(Outage(workflow=workflows[0], started_at=at(26, 0), ended_at=at(27, 0)))
    entries: list[StoredEntry] = [_entry(row, period) for row in report.workflows]
    stored = stored_figures_save(
        customer=customer, period=period, entries=entries, generation=generation
    )
    assert stored == 0
    assert stored_count(customer) == 0
    assert served(customer) == live(customer)
