"""Reading the audit trail: one feed over every event table, newest first.

The feed is a UNION ALL of the event tables, each mapped to the same columns (the
customer is looked up through the event row's own foreign key). Only the page read is
then completed: each event's `changes` compare it with the object's previous snapshot,
fetched with it, one query per event table on the page.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.db.models import CharField, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.fields.files import FieldFile
from django.db.models.fields.json import KT

from audit.models import BASELINE, EVENT_MODELS, TRACKED, Tracked
from continuity import formatting
from continuity.ids import parse_id

SYSTEM = "system"
ROW = (
    "pgh_id",
    "pgh_created_at",
    "pgh_label",
    "a_key",
    "a_type",
    "a_customer",
    "a_object",
    "a_actor",
    "a_channel",
)
OBJECT_TYPES = sorted({tracked.object_type for tracked in TRACKED})
_BY_KEY = {tracked.key: tracked for tracked in TRACKED}


@dataclass(frozen=True)
class AuditEvent:
    id: str
    at: datetime
    actor: str | None
    channel: str
    customer: int | None
    object_type: str
    object_id: int
    action: str
    changes: dict[str, list[Any]]


@dataclass(frozen=True)
class AuditQuery:
    """What to read. `tenant` is the customer a request is bound to (None for staff)."""

    tenant: int | None = None
    customer: int | None = None
    object_type: str | None = None
    object_id: int | None = None
    actor: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def _customer_of(tracked: Tracked, event_model) -> F | Subquery:
    """The customer id through the event row's own foreign key, NULL once that row is gone."""
    hop, _, rest = tracked.customer.partition("__")
    if not rest:
        return F(hop)
    related = event_model._meta.get_field(hop).related_model
    return Subquery(related.objects.filter(pk=OuterRef(f"{hop}_id")).values(rest)[:1])


def _branch(tracked: Tracked, query: AuditQuery) -> QuerySet:
    event_model = EVENT_MODELS[tracked.key]
    events = event_model.objects.exclude(pgh_label=BASELINE).annotate(
        a_key=Value(tracked.key, output_field=CharField()),
        a_type=Value(tracked.object_type, output_field=CharField()),
        a_customer=_customer_of(tracked, event_model),
        a_object=F(tracked.object_id),
        a_actor=KT("pgh_context__actor"),
        a_channel=KT("pgh_context__channel"),
    )
    given = {
        "a_customer": query.tenant,
        "a_object": query.object_id,
        "a_actor": query.actor,
        "pgh_created_at__gte": query.since,
        "pgh_created_at__lt": query.until,
    }
    events = events.filter(**{name: value for name, value in given.items() if value is not None})
    if query.customer is not None:
        events = events.filter(a_customer=query.customer)
    return events.values_list(*ROW)


def audit_event_rows(query: AuditQuery) -> QuerySet:
    """The matching events as rows (see ROW), newest first; page it, then `audit_events`."""
    branches = [
        _branch(tracked, query)
        for tracked in TRACKED
        if query.object_type in (None, tracked.object_type)
    ]
    if not branches:
        return _branch(TRACKED[0], query).none()
    return branches[0].union(*branches[1:], all=True).order_by("-pgh_created_at", "-pgh_id")


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    if isinstance(value, FieldFile):
        return value.name or ""
    return value


def _snapshot(tracked: Tracked, event) -> dict[str, Any]:
    skip = {"id", tracked.object_id.removesuffix("_id")}
    return {
        f.name: f.value_from_object(event)
        for f in event._meta.local_fields
        if not f.name.startswith("pgh_") and f.name not in skip
    }


def _changes(action: str, current: dict, previous: dict | None) -> dict[str, list[Any]]:
    if action in ("delete", "remove"):
        return {name: [_plain(value), None] for name, value in current.items()}
    before = previous or {}
    return {
        name: [_plain(before.get(name)), _plain(value)]
        for name, value in current.items()
        if previous is None or before.get(name) != value
    }


def _with_previous(event_model, ids: set[int]) -> list:
    """The events `ids` and the snapshot before each of them, in one query."""
    previous = (
        event_model.objects.filter(pgh_obj_id=OuterRef("pgh_obj_id"), pgh_id__lt=OuterRef("pgh_id"))
        .order_by("-pgh_id")
        .values("pgh_id")[:1]
    )
    before = (
        event_model.objects.filter(pgh_id__in=ids)
        .annotate(before=Subquery(previous, output_field=IntegerField()))
        .values("before")
    )
    return list(event_model.objects.filter(Q(pgh_id__in=ids) | Q(pgh_id__in=before)))


def _snapshots(rows: list[tuple]) -> dict[tuple[str, int], tuple[dict, dict | None]]:
    """Each row's snapshot and the one before it (None for an object's first event)."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for row in rows:
        wanted[row[3]].add(row[0])
    found = {}
    for key, ids in wanted.items():
        events = sorted(_with_previous(EVENT_MODELS[key], ids), key=lambda e: e.pgh_id)
        last: dict[int, dict] = {}
        for event in events:
            snapshot = _snapshot(_BY_KEY[key], event)
            found[(key, event.pgh_id)] = (snapshot, last.get(event.pgh_obj_id))
            last[event.pgh_obj_id] = snapshot
    return found


def audit_events(rows: list[tuple]) -> list[AuditEvent]:
    """Rows of `audit_event_rows` as events with their changes (one query per event table)."""
    snapshots = _snapshots(rows)
    events = []
    for pk, at, label, key, object_type, customer, object_id, actor, channel in rows:
        tracked = _BY_KEY[key]
        current, before = snapshots[(key, pk)]
        events.append(
            AuditEvent(
                id=f"{key}-{pk}",
                at=at,
                actor=actor,
                channel=channel or SYSTEM,
                customer=customer,
                object_type=object_type,
                object_id=object_id,
                action=tracked.action_prefix + label,
                changes=_changes(label, current, before),
            )
        )
    return events


def audit_event_get(*, event_id: str, tenant: int | None) -> AuditEvent | None:
    """One event by its id (`<table key>-<number>`), None if unknown or another tenant's."""
    key, _, number = event_id.rpartition("-")
    pk = parse_id(number)
    if key not in _BY_KEY or pk is None:
        return None
    rows = list(_branch(_BY_KEY[key], AuditQuery(tenant=tenant)).filter(pgh_id=pk))
    return audit_events(rows)[0] if rows else None


def audit_events_for(*, object_type: str, object_id: int, limit: int = 50) -> list[AuditEvent]:
    """An object's history, newest first: what a console page's "History" section shows."""
    query = AuditQuery(object_type=object_type, object_id=object_id)
    return audit_events(list(audit_event_rows(query)[:limit]))


def audit_events_since(*, customer_id: int, since: datetime, limit: int = 200) -> list[AuditEvent]:
    """A customer's changes after `since`: "what changed since revision N, and who changed it"."""
    query = AuditQuery(customer=customer_id, since=since)
    return audit_events(list(audit_event_rows(query)[:limit]))


FIGURE_OBJECTS = frozenset(
    {"outage", "maintenance_window", "sla_policy", "workflow", "fallback_activation"}
)


def figure_changes_since(customer, since: datetime, limit: int = 20) -> list[str]:
    """Who changed what the figures rest on since `since`, one line an event, oldest first:
    what a corrected revision's note names."""
    events = [
        event
        for event in audit_events_since(customer_id=customer.pk, since=since)
        if event.object_type in FIGURE_OBJECTS
    ]
    lines = []
    for event in reversed(events[:limit]):
        fields = ", ".join(sorted(event.changes))
        lines.append(
            f"{formatting.local_time(event.at, customer.timezone)} "
            f"{event.actor or 'system'} ({event.channel}) {event.object_type} "
            f"{event.object_id} {event.action}" + (f" [{fields}]" if fields else "")
        )
    return lines
