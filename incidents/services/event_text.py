"""What a person reads about an outgoing event (email, Slack, Teams, Apprise), in the
customer's language: a title and labelled lines, times on the customer's wall clock and
figures in the locale's separators (``continuity.formatting``).

Only the words change: the signed webhook body is the machine-readable payload itself and is
never translated. Call ``event_message`` for a payload as stored on the delivery row; it picks
the customer's language (``continuity.i18n.customer_language``) for the whole message.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from continuity import formatting
from continuity.i18n import customer_language
from continuity.models import Customer, EventType

TEST_MESSAGE = "A test event from Continuity."  # events.event_endpoint_test's data.message


@dataclass(frozen=True)
class EventMessage:
    """One event written for people: ``header`` (the event's customer, type and time) and
    ``fields`` (what its data says) are (label, value) pairs in display order."""

    title: str
    header: list[tuple[str, str]]
    fields: list[tuple[str, str]]
    footer: str

    def lines(self) -> list[str]:
        return [f"{label}: {value}" for label, value in [*self.header, *self.fields]]

    def text(self) -> str:
        """Plain text without the title (Apprise's body)."""
        return "\n".join(self.lines())

    def slack(self) -> str:
        """Slack mrkdwn: the title in bold, then one line each."""
        return "\n".join([f"*{self.title}*", *self.lines()])

    def teams(self) -> str:
        """Teams markdown, which joins single newlines: a paragraph each."""
        return "\n\n".join([f"**{self.title}**", *self.lines()])


def _titles() -> dict[str, str]:
    return {
        EventType.OUTAGE_OPENED: _("Outage opened: %(subject)s"),
        EventType.OUTAGE_UPDATED: _("Outage updated: %(subject)s"),
        EventType.OUTAGE_RESOLVED: _("Outage resolved: %(subject)s"),
        EventType.OUTAGE_EXCLUDED: _("Outage excluded from the SLA: %(subject)s"),
        EventType.FALLBACK_ACTIVATED: _("Fallback activated: %(subject)s"),
        EventType.FALLBACK_DEACTIVATED: _("Fallback deactivated: %(subject)s"),
        EventType.RTO_AT_RISK: _("RTO about to be missed: %(subject)s"),
        EventType.RTO_MISSED: _("RTO missed: %(subject)s"),
        EventType.BUDGET_BURN: _("Error budget burning fast: %(subject)s"),
        EventType.REPORT_SENT: _("Report sent: %(subject)s"),
        EventType.REPORT_SUPERSEDED: _("Report superseded: %(subject)s"),
        EventType.ENDPOINT_TEST: _("Test event"),
    }


def _word(value: str) -> str:
    words = {
        "down": _("down"),
        "degraded": _("degraded"),
    }
    return words.get(value, value)


def _period(value: str) -> str:
    """ "2026-10" as the month's name ("Oktober 2026", "2026年10月")."""
    try:
        year, month = (int(part) for part in value.split("-"))
        return formatting.month_year(date(year, month, 1))
    except ValueError:
        return value


def _times(value: Decimal | str) -> str:
    return f"{formatting.figure(value)}×"


def _seconds(value: str) -> str:
    try:
        return formatting.duration(int(Decimal(value)))
    except (InvalidOperation, ValueError):
        return value


def _test_message(value: str) -> str:
    return _("A test event from Continuity.") if value == TEST_MESSAGE else value


def _fields(data: dict[str, Any], zone: str) -> list[tuple[str, str]]:
    def when(value: str | None) -> str:
        if value is None:
            return _("ongoing")
        return formatting.local_time(datetime.fromisoformat(value), zone)

    def number(value: Any) -> str:
        return f"#{value}"

    shown: dict[str, tuple[str, Callable[[Any], str]]] = {
        "workflow": (_("Workflow"), str),
        "severity": (_("Severity"), _word),
        "started_at": (_("Started"), when),
        "ended_at": (_("Ended"), when),
        "excluded_from_sla": (
            _("Excluded from the SLA"),
            lambda value: _("yes") if value else _("no"),
        ),
        "runbook": (_("Runbook"), str),
        "activated_at": (_("Activated"), when),
        "deactivated_at": (_("Deactivated"), when),
        "rto_minutes": (
            _("RTO"),
            lambda value: _("%(minutes)s min") % {"minutes": formatting.number(value, trim=True)},
        ),
        "rto_deadline": (_("RTO deadline"), when),
        "window": (_("Window"), str),
        "threshold": (_("Alert threshold"), _times),
        "burn_rate": (_("Burn rate"), _times),
        "error_budget_remaining_seconds": (_("Budget left"), _seconds),
        "period": (_("Period"), _period),
        "revision": (_("Revision"), str),
        "report": (_("Report"), number),
        "by": (_("Superseded by report"), number),
        "outage": (_("Outage"), number),
        "message": (_("Message"), _test_message),
    }
    hidden = {"workflow_id", "activation", "endpoint"}
    lines = [(label, show(data[key])) for key, (label, show) in shown.items() if key in data]
    lines += [
        (key, "" if value is None else str(value))
        for key, value in data.items()
        if key not in shown and key not in hidden
    ]
    return lines


def _compose(payload: dict[str, Any], customer: Customer) -> EventMessage:
    data = payload.get("data") or {}
    subject = data.get("workflow") or (_period(data["period"]) if "period" in data else "")
    template = _titles().get(payload["type"])
    title = template % {"subject": subject} if template else f"{payload['type']} {subject}"
    occurred = datetime.fromisoformat(payload["occurred_at"])
    header = [
        (_("Customer"), customer.name),
        (_("Event"), payload["type"]),
        (_("Occurred"), formatting.local_time(occurred, customer.timezone)),
    ]
    return EventMessage(
        title=f"[{customer.name}] {title.strip()}",
        header=header,
        fields=_fields(data, customer.timezone),
        footer=_("Event id: %(id)s") % {"id": payload["id"]},
    )


def event_message(payload: dict[str, Any], customer: Customer) -> EventMessage:
    """The event as people read it, in ``customer.locale`` and on its wall clock."""
    with customer_language(customer.locale):
        return _compose(payload, customer)
