"""Late results re-derive only the affected span, and give what a full derivation gives."""

from datetime import UTC, datetime, timedelta

import pytest

from incidents import derivation
from incidents.ingest.services import probe_results_ingest
from incidents.models import NoDataSpan, Outage, ProbeResult
from incidents.selectors import observations_by_probe, probe_spec
from incidents.services import workflow_derive_outages
from tests.factories import ProbeFactory

pytestmark = pytest.mark.django_db

START = datetime(2026, 10, 1, tzinfo=UTC)
NOW = START + timedelta(days=3)
LOCATIONS = ("eu-west", "us-east", "ap-south")


def outcome(location: str, minute: int) -> str | None:
    """eu-west fails alone for two days (below quorum); us-east joins it for 40 minutes on
    day 2; ap-south goes silent for two hours on day 1; a 10-minute blip on day 0."""
    if location == "ap-south" and 1500 <= minute < 1620:
        return None
    if location == "eu-west" and 600 <= minute < 3600:
        return "down"
    if location == "us-east" and 3300 <= minute < 3340:
        return "down"
    if 100 <= minute < 110 and location != "ap-south":
        return "down"
    return "up"


def items(probe, minutes, skip=lambda loc, m: False):
    rows = []
    for minute in minutes:
        for location in LOCATIONS:
            value = outcome(location, minute)
            if value is None or skip(location, minute):
                continue
            rows.append(
                {
                    "probe": probe.pk,
                    "location": location,
                    "observed_at": (START + timedelta(minutes=minute)).isoformat(),
                    "outcome": value,
                    "id": f"{location}-{minute}",
                }
            )
    return rows


def ingest(probe, rows):
    for index in range(0, len(rows), 5000):
        probe_results_ingest(items=rows[index : index + 5000], customer_id=None, now=NOW)


def full_derivation(probe):
    observations = observations_by_probe([probe.pk])[probe.pk]
    since = min(o.observed_at for o in observations)
    return derivation.derive_workflow([(probe_spec(probe), observations)], since=since, until=NOW)


@pytest.mark.parametrize(
    "late_locations, late_minutes, outages_before",
    [
        (("us-east",), range(3290, 3350), 1),  # the day-2 outage arrives late
        (("eu-west", "us-east"), range(95, 115), 1),  # the day-0 blip is re-told
        (("eu-west",), range(590, 640), 2),  # eu-west's long failure starts late
        (("ap-south",), range(1400, 1500), 2),  # before ap-south's silence
    ],
)
def test_late_results_rederive_the_affected_span_like_a_full_derivation(
    late_locations, late_minutes, outages_before
):
    probe = ProbeFactory(locations=list(LOCATIONS), quorum=2)

    def late(location, minute):
        return location in late_locations and minute in late_minutes

    ingest(probe, items(probe, range(0, 4320), skip=late))
    workflow_derive_outages(workflow_id=probe.workflow_id, now=NOW)  # first: whole history
    assert Outage.objects.count() == outages_before

    ingest(probe, items(probe, late_minutes, skip=lambda loc, m: not late(loc, m)))
    workflow_derive_outages(workflow_id=probe.workflow_id, now=NOW)  # windowed

    expected = full_derivation(probe)
    stored = list(
        Outage.objects.order_by("started_at").values_list("started_at", "ended_at", "severity")
    )
    assert stored == [(e.started_at, e.ended_at, str(e.severity)) for e in expected.episodes]
    assert len(stored) == 2
    assert stored[1][0] == START + timedelta(minutes=3300)
    gaps = list(NoDataSpan.objects.order_by("started_at").values_list("started_at", "ended_at"))
    assert gaps == [(span.start, span.end) for span in expected.no_data]
    assert ProbeResult.objects.count() == sum(
        1 for m in range(4320) for loc in LOCATIONS if outcome(loc, m) is not None
    )


def up(probe, minutes):
    return [
        {
            "probe": probe.pk,
            "location": location,
            "observed_at": (START + timedelta(minutes=m)).isoformat(),
            "outcome": "up",
        }
        for m in minutes
        for location in probe.locations
    ]


@pytest.mark.parametrize("silent_probe_since", [None, 30])
def test_a_silence_nobody_derived_is_no_data_from_three_intervals_after_the_last_result(
    silent_probe_since,
):
    """Results stop at minute 600 and no sweep runs; when they resume at minute 800 the
    windowed derivation reaches back to the last result, whatever the lookback. A second
    probe silent since minute 30 changes nothing: no data needs every probe silent."""
    probe = ProbeFactory(locations=list(LOCATIONS), quorum=2, interval_seconds=60)
    if silent_probe_since is not None:
        silent = ProbeFactory(workflow=probe.workflow, locations=["eu-west"])
        probe_results_ingest(items=up(silent, range(silent_probe_since)), customer_id=None)
    probe_results_ingest(items=up(probe, range(0, 600)), customer_id=None, now=NOW)
    workflow_derive_outages(workflow_id=probe.workflow_id, now=START + timedelta(minutes=601))
    assert not NoDataSpan.objects.exists()

    probe_results_ingest(items=up(probe, range(800, 900)), customer_id=None, now=NOW)
    later = START + timedelta(minutes=901)
    workflow_derive_outages(workflow_id=probe.workflow_id, now=later)

    gaps = list(NoDataSpan.objects.values_list("started_at", "ended_at"))
    assert gaps == [(START + timedelta(minutes=599 + 3), START + timedelta(minutes=800))]
