"""Every event type has a title and labelled lines in every locale: nothing falls back to the
English wording or to a raw data key (the shapes are the ones the services emit)."""

import pytest

from continuity.formatting import LOCALES
from continuity.models import EventType
from incidents.services.event_text import TEST_MESSAGE, event_message
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

OUTAGE = {
    "outage": 12,
    "workflow": "Checkout",
    "severity": "degraded",
    "started_at": "2026-10-14T13:20:00+00:00",
    "ended_at": "2026-10-14T14:05:00+00:00",
    "excluded_from_sla": True,
}
FALLBACK = {
    "activation": 3,
    "outage": 12,
    "workflow": "Checkout",
    "runbook": "Switch provider",
    "activated_at": "2026-10-14T13:30:00+00:00",
    "deactivated_at": None,
}
RTO = {
    **{key: OUTAGE[key] for key in ("outage", "workflow", "severity", "started_at", "ended_at")},
    "workflow_id": 4,
    "rto_minutes": 90,
    "rto_deadline": "2026-10-14T14:50:00+00:00",
}
DATA = {
    EventType.OUTAGE_OPENED: OUTAGE,
    EventType.OUTAGE_UPDATED: OUTAGE,
    EventType.OUTAGE_RESOLVED: OUTAGE,
    EventType.OUTAGE_EXCLUDED: OUTAGE,
    EventType.FALLBACK_ACTIVATED: FALLBACK,
    EventType.FALLBACK_DEACTIVATED: FALLBACK,
    EventType.RTO_AT_RISK: RTO,
    EventType.RTO_MISSED: RTO,
    EventType.BUDGET_BURN: {
        "workflow": "Checkout",
        "workflow_id": 4,
        "window": "6h",
        "threshold": "6",
        "burn_rate": "7.50",
        "error_budget_remaining_seconds": "-90",
    },
    EventType.REPORT_SENT: {"report": 5, "period": "2026-10", "revision": 1},
    EventType.REPORT_SUPERSEDED: {"report": 5, "period": "2026-10", "revision": 1, "by": 6},
    EventType.ENDPOINT_TEST: {"endpoint": 8, "message": TEST_MESSAGE},
}


def test_every_event_type_is_covered():
    assert set(DATA) == set(EventType)


@pytest.mark.parametrize("event_type", list(EventType))
def test_an_event_reads_in_each_language_with_every_field_labelled(event_type):
    payload = {
        "id": f"{event_type}-1",
        "type": str(event_type),
        "occurred_at": "2026-10-14T13:21:00+00:00",
        "customer": "acme",
        "data": DATA[event_type],
    }
    written = {
        locale: event_message(payload, CustomerFactory(name="Acme", locale=locale))
        for locale in LOCALES
    }
    english = written["en"]
    for locale in ("de", "zh-hans"):
        message = written[locale]
        assert message.title != english.title, (locale, message.title)
        assert message.footer != english.footer
        assert len(message.fields) == len(english.fields)
        for (label, value), (english_label, english_value) in zip(
            message.fields, english.fields, strict=True
        ):
            assert label != english_label or label in {"Workflow", "RTO", "Runbook", "Revision"}
            if english_value.startswith("#") or english_value in {"Checkout", "Switch provider"}:
                assert value == english_value
    for message in written.values():
        labels = {label for label, _ in message.fields}
        assert not labels & set(DATA[event_type]), f"a raw key is shown: {labels}"
