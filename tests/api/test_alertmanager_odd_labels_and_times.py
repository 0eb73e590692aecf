"""Alertmanager alerts with odd labels or times are skipped with a reason, never a 500."""

from datetime import UTC, datetime

import pytest

from incidents.models import ProbeResult
from tests.api.test_alertmanager_webhook import URL, alert, payload
from tests.factories import ProbeFactory, WorkflowFactory, make_key

pytestmark = pytest.mark.django_db

START = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def setup(customer, api):
    probe = ProbeFactory(workflow=WorkflowFactory(customer=customer), locations=["prometheus"])
    return probe, api(make_key(customer=customer, scopes=("ingest",)))


@pytest.mark.parametrize("label", ["²", "¹²", "٣", "1²", " ", "-1", "0", "99999999999999999999999"])
def test_a_probe_label_that_is_not_an_ascii_id_is_skipped(setup, label):
    probe, client = setup
    sent = alert(probe, "firing", START)
    sent["labels"]["continuity_probe"] = label
    response = client.post(URL, payload(sent), format="json")
    assert response.status_code == 200, response.content
    assert response.json()["skipped"] == [
        {"index": 0, "reason": "no numeric continuity_probe label"}
    ]
    assert not ProbeResult.objects.exists()


@pytest.mark.parametrize(
    "starts",
    ["1999-12-31T23:59:59Z", "2101-01-01T00:00:00Z", "1000-06-01T00:00:00Z"],
)
def test_an_alert_firing_outside_the_years_is_skipped_with_the_reason(setup, starts):
    probe, client = setup
    sent = alert(probe, "firing", START)
    sent["startsAt"] = starts
    response = client.post(URL, payload(sent), format="json")
    assert response.status_code == 200, response.content
    [skipped] = response.json()["skipped"]
    assert skipped["index"] == 0
    assert skipped["reason"].startswith("observed_at: must be between the years 2000 and 2100")
    assert not ProbeResult.objects.exists()
