"""The fingerprint structure holds the period's numbers and nothing a person reads."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from reports import sla
from reports.fingerprint import (
    VERSION,
    WorkflowNumbers,
    fingerprint_sha256,
    fingerprint_structure,
    legacy_figures_equal,
)
from reports.impact import OutageImpact
from reports.periods import parse_month
from reports.sla import OutageSpan

OCTOBER = parse_month("2026-10", "Europe/Berlin")
START = datetime(2026, 10, 14, 13, 20, tzinfo=UTC)
END = START + timedelta(minutes=50)


def outage(**changes) -> OutageSpan:
    return replace(
        OutageSpan(outage_id=7, started_at=START, ended_at=END, severity="down"), **changes
    )


def impact(**changes) -> OutageImpact:
    base = OutageImpact(
        outage_id=7,
        workflow_id=3,
        customer_id=1,
        upstream_dependency="OpenAI API",
        currency="EUR",
        counted_seconds=3000,
        mitigated_seconds=0,
        unmitigated_seconds=3000,
        weighted_minutes=Decimal(50),
        cost=Decimal("500.00"),
        avoided_cost=Decimal(0),
        user_minutes_lost=Decimal(5000),
    )
    return replace(base, **changes)


def numbers(outages=None, impacts=None, **policy) -> WorkflowNumbers:
    outages = [outage()] if outages is None else outages
    figures = sla.compute_sla(
        period=OCTOBER,
        policy=sla.Policy(target_pct=Decimal("99.9"), **policy),
        outages=outages,
        maintenance=[],
        no_data=[],
    )
    return WorkflowNumbers(
        workflow_id=3,
        figures=figures,
        outages=outages,
        impacts=[impact()] if impacts is None else impacts,
    )


def sha(*workflows: WorkflowNumbers, period=OCTOBER) -> str:
    return fingerprint_sha256(fingerprint_structure(period, workflows))


def test_the_structure_is_versioned_and_holds_numbers_keyed_by_ids():
    structure = fingerprint_structure(OCTOBER, [numbers()])
    assert structure["version"] == VERSION
    assert structure["period"] == {
        "start": "2026-09-30T22:00:00+00:00",
        "end": "2026-10-31T23:00:00+00:00",
    }
    row = structure["workflows"][0]
    assert row["workflow"] == 3
    assert row["down_seconds"] == 3000
    assert row["availability_pct"].startswith("99.888")  # 1 − 50 / 44,700 (a 25-hour day)
    assert row["outages"] == [
        {
            "id": 7,
            "started_at": START.isoformat(),
            "ended_at": END.isoformat(),
            "severity": "down",
            "excluded": False,
            "counted_seconds": 3000,
            "mitigated_seconds": 0,
            "weighted_minutes": "50",
            "cost": "500",
            "avoided_cost": "0",
            "user_minutes_lost": "5000",
        }
    ]
    text = repr(structure)
    for presentation in ("OpenAI API", "EUR", "display", "name"):
        assert presentation not in text


def test_equal_numbers_give_equal_fingerprints_whatever_their_decimal_form():
    assert sha(numbers()) == sha(numbers(impacts=[impact(cost=Decimal("500.0000"))]))
    assert len(sha(numbers())) == 64


@pytest.mark.parametrize(
    "changed",
    [
        pytest.param(lambda: numbers(outages=[outage(excluded=True)]), id="exclusion"),
        pytest.param(
            lambda: numbers(outages=[outage(ended_at=END + timedelta(minutes=1))]), id="late result"
        ),
        pytest.param(lambda: numbers(outages=[outage(severity="degraded")]), id="severity"),
        pytest.param(
            lambda: numbers(outages=[outage(), outage(outage_id=8, started_at=END)]),
            id="manual outage",
        ),
        pytest.param(lambda: numbers(impacts=[impact(cost=Decimal("499.99"))]), id="impact amount"),
        pytest.param(
            lambda: numbers(credit_tiers=(sla.CreditTier(Decimal("99.9"), Decimal("10")),)),
            id="policy credit tier",
        ),
        pytest.param(lambda: replace(numbers(), workflow_id=4), id="another workflow"),
    ],
)
def test_any_changed_number_changes_the_fingerprint(changed):
    assert sha(changed()) != sha(numbers())


def test_a_shifted_period_changes_it():
    assert sha(numbers(), period=parse_month("2026-10", "UTC")) != sha(numbers())


def test_outages_outside_the_period_and_workflow_order_do_not_count():
    september = outage(
        outage_id=1, started_at=START - timedelta(days=30), ended_at=END - timedelta(days=30)
    )
    with_lookback = replace(numbers(), outages=[september, outage()])
    assert sha(with_lookback) == sha(numbers())
    other = replace(numbers(outages=[]), workflow_id=9)
    assert sha(numbers(), other) == sha(other, numbers())


STORED = {
    "customer": "acme",
    "customer_name": "Acme",
    "workflows": [
        {
            "workflow": 3,
            "name": "Support bot",
            "availability_pct": "99.888",
            "seconds": {"down": 3000},
        }
    ],
}


@pytest.mark.parametrize(
    "current, equal",
    [
        (STORED, True),
        ({**STORED, "customer_name": "Acme Corp"}, True),
        (
            {**STORED, "workflows": [{**STORED["workflows"][0], "name": "Chat", "new_field": 1}]},
            True,
        ),
        ({**STORED, "workflows": [{**STORED["workflows"][0], "availability_pct": "100"}]}, False),
        ({**STORED, "workflows": [{**STORED["workflows"][0], "seconds": {"down": 0}}]}, False),
        ({**STORED, "workflows": []}, False),
        ({"customer": "acme"}, False),
    ],
)
def test_a_version_1_report_compares_its_stored_numbers_only(current, equal):
    assert legacy_figures_equal(STORED, current) is equal
