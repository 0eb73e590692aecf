from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest

from incidents.models import MaintenanceWindow
from tests.factories import CustomerFactory, WorkflowFactory

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")


def window(customer, start, hours, reason, workflows=()):
    created = MaintenanceWindow.objects.create(
        customer=customer, starts_at=start, ends_at=start + timedelta(hours=hours), reason=reason
    )
    created.workflows.add(*workflows)
    return created


def events(response):
    assert response.status_code == 200, response.content
    calendar = icalendar.Calendar.from_ical(response.content)
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def test_the_feed_parses_with_each_window_in_utc(customer_client, customer):
    checkout = WorkflowFactory(customer=customer, name="Checkout")
    upgrade = window(customer, datetime(2026, 10, 25, 1, 30, tzinfo=BERLIN), 3, "DB upgrade")
    patch = window(
        customer, datetime(2026, 11, 2, 22, 0, tzinfo=UTC), 1, "Kernel patch", [checkout]
    )
    window(CustomerFactory(), datetime(2026, 10, 1, tzinfo=UTC), 1, "someone else's")

    response = customer_client.get(
        f"/api/v1/maintenance-windows/calendar.ics?customer={customer.slug}"
    )
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    found = events(response)
    assert set(found) == {
        f"maintenance-window-{upgrade.pk}@continuity",
        f"maintenance-window-{patch.pk}@continuity",
    }
    for item in (upgrade, patch):
        event = found[f"maintenance-window-{item.pk}@continuity"]
        start, end = event.decoded("DTSTART"), event.decoded("DTEND")
        assert start.utcoffset() == timedelta(0) and end.utcoffset() == timedelta(0)
        assert (start, end) == (item.starts_at, item.ends_at)
        assert str(event["SUMMARY"]) == item.reason
    assert found[f"maintenance-window-{upgrade.pk}@continuity"].decoded("DTSTART") == datetime(
        2026, 10, 24, 23, 30, tzinfo=UTC
    )
    assert b"DTSTART:20261024T233000Z" in response.content
    assert str(found[f"maintenance-window-{patch.pk}@continuity"]["DESCRIPTION"]) == (
        "Workflows: Checkout"
    )


def test_uids_are_stable_as_windows_come_and_go(customer_client, customer):
    kept = window(customer, datetime(2026, 10, 5, tzinfo=UTC), 2, "kept")
    url = "/api/v1/maintenance-windows/calendar.ics"
    before = events(customer_client.get(url))
    window(customer, datetime(2026, 10, 1, tzinfo=UTC), 2, "earlier")
    after = events(customer_client.get(url))
    uid = f"maintenance-window-{kept.pk}@continuity"
    assert set(before) == {uid} and uid in after and len(after) == 2
    assert before[uid].to_ical() == after[uid].to_ical()


def test_staff_read_any_customer_and_the_plain_path_works(staff_client, customer):
    window(customer, datetime(2026, 10, 5, tzinfo=UTC), 2, "")
    found = events(
        staff_client.get(f"/api/v1/maintenance-windows/calendar/?customer={customer.pk}")
    )
    [event] = found.values()
    assert str(event["SUMMARY"]) == "Maintenance"
    assert str(event["DESCRIPTION"]) == "All workflows"


@pytest.mark.parametrize("reference", ["slug", "pk"])
def test_a_customer_key_cannot_read_another_customers_calendar(customer_client, reference):
    other = CustomerFactory()
    window(other, datetime(2026, 10, 5, tzinfo=UTC), 2, "secret")
    response = customer_client.get(
        f"/api/v1/maintenance-windows/calendar.ics?customer={getattr(other, reference)}"
    )
    assert response.status_code == 404
    assert b"secret" not in response.content
    assert response.json()["detail"]


def test_the_feed_needs_a_key(api, customer):
    response = api().get(f"/api/v1/maintenance-windows/calendar.ics?customer={customer.slug}")
    assert response.status_code in (401, 403)
    assert response["Content-Type"] == "application/json"


def test_options_on_the_feed_answers_json_metadata(staff_client):
    response = staff_client.options("/api/v1/maintenance-windows/calendar/?customer=")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json()["name"]
