"""The SLA body of a customer and period: stored figures for a closed month, computed live
otherwise (`GET /api/v1/sla/`, its CSV).

A closed month's figures change only when a write touches it, and every such write drops
them (`reports.services.figures_store`). So a closed month reads its workflows with their
stored rows, one query whatever their number; a workflow without a stored row (first read,
or dropped by a write) is computed and stored. A period holding an outage still open is not
stored: its RTO status still moves with the clock.
"""

import json
from dataclasses import dataclass
from datetime import datetime

from django.db import connections, router

from continuity.models import Customer, Workflow
from reports import fingerprint
from reports.figures import sla_body, sla_body_of, workflow_row
from reports.figures_codec import STORE_VERSION, StoredEntry
from reports.models import FiguresGeneration, StoredFigures
from reports.periods import Period, month_containing
from reports.selectors import sla_inputs, workflows_for_sla
from reports.services.figures_store import stored_figures_save
from reports.sla_selectors import WorkflowSLA, customer_sla, summarise, workflow_sla


def is_storable(period: Period, now: datetime) -> bool:
    """A calendar month of the customer's zone that has ended (a free range is not kept)."""
    return period.end <= now and month_containing(period.start, period.timezone) == period


def figures_generation(customer: Customer) -> int:
    """The customer's count of figures-touched marks (`reports.models.FiguresGeneration`)."""
    row = FiguresGeneration.objects.filter(customer=customer).values_list("generation").first()
    return row[0] if row else 0


def _entry(row: WorkflowSLA, period: Period) -> StoredEntry:
    numbers = fingerprint.WorkflowNumbers(
        workflow_id=row.inputs.workflow.pk,
        figures=row.figures,
        outages=row.inputs.outages,
        impacts=row.impacts,
    )
    structure = fingerprint.fingerprint_structure(period, [numbers])
    return StoredEntry(
        workflow_id=row.inputs.workflow.pk,
        row=workflow_row(row, period.timezone),
        figures=row.figures,
        impacts=list(row.impacts),
        fingerprint=fingerprint.fingerprint_sha256(structure),
    )


_READ = """
SELECT g.generation, w.id, w.name, s.figures, s.fingerprint
FROM (SELECT %(customer)s::bigint AS customer_id) AS c
LEFT JOIN reports_figuresgeneration g ON g.customer_id = c.customer_id
LEFT JOIN continuity_workflow w ON w.customer_id = c.customer_id
LEFT JOIN reports_storedfigures s
    ON s.workflow_id = w.id
   AND s.period_start = %(start)s AND s.period_end = %(end)s AND s.version = %(version)s
ORDER BY w.name, w.id
"""


@dataclass(frozen=True)
class _Listed:
    workflow_id: int
    name: str
    entry: StoredEntry | None


def _read(customer: Customer, period: Period) -> tuple[int, list[_Listed]]:
    """The customer's generation, and its workflows (in `workflows_for_sla` order) with their
    stored entries for the period: one query."""
    # The alias the ORM reads from here (a replica inside `reading_from_replica`): the
    # generation must come from the same database as the inputs it vouches for.
    reader = connections[router.db_for_read(FiguresGeneration)]
    if reader.vendor != "postgresql":
        return _read_portable(customer, period)
    params = {
        "customer": customer.pk,
        "start": period.start,
        "end": period.end,
        "version": STORE_VERSION,
    }
    with reader.cursor() as cursor:
        cursor.execute(_READ, params)
        rows = cursor.fetchall()
    listed = [
        _Listed(w, name, StoredEntry.decoded(w, json.loads(text), sha) if text else None)
        for _, w, name, text, sha in rows
        if w is not None
    ]
    return rows[0][0] or 0, listed


def _read_portable(customer: Customer, period: Period) -> tuple[int, list[_Listed]]:
    generation = figures_generation(customer)
    stored = dict(
        (w, (text, sha))
        for w, text, sha in StoredFigures.objects.filter(
            customer=customer,
            period_start=period.start,
            period_end=period.end,
            version=STORE_VERSION,
        ).values_list("workflow_id", "figures", "fingerprint")
    )
    listed = []
    for w, name in (
        Workflow.objects.filter(customer=customer).order_by("name", "pk").values_list("pk", "name")
    ):
        text, sha = stored.get(w, (None, None))
        listed.append(
            _Listed(w, name, StoredEntry.decoded(w, json.loads(text), sha) if text else None)
        )
    return generation, listed


def _compute(
    customer: Customer, workflows: list[Workflow], period: Period, now: datetime, generation: int
) -> dict[int, StoredEntry]:
    """Compute the workflows' figures and store those whose outages have all ended."""
    computed = [
        workflow_sla(inputs, period, now, burn=False)
        for inputs in sla_inputs(workflows, period.start, period.end, now)
    ]
    entries = {row.inputs.workflow.pk: _entry(row, period) for row in computed}
    settled = [
        entries[row.inputs.workflow.pk]
        for row in computed
        if all(outage.ended_at is not None for outage in row.inputs.outage_rows)
    ]
    stored_figures_save(customer=customer, period=period, entries=settled, generation=generation)
    return entries


def customer_sla_body(*, customer: Customer, period: Period, now: datetime) -> dict:
    """`reports.figures.sla_body` of `customer_sla`, from stored figures for a closed month."""
    if not is_storable(period, now):
        return sla_body(customer_sla(customer=customer, period=period, now=now))
    generation, listed = _read(customer, period)
    entries = {item.workflow_id: item.entry for item in listed if item.entry is not None}
    missing = [item.workflow_id for item in listed if item.entry is None]
    if missing:
        workflows = list(workflows_for_sla([customer]).filter(pk__in=missing))
        entries.update(_compute(customer, workflows, period, now, generation))
    listed = [item for item in listed if item.workflow_id in entries]  # deleted meanwhile
    ordered = [entries[item.workflow_id] for item in listed]
    return sla_body_of(
        customer=customer,
        period=period,
        now=now,
        rows=[entry.row_named(item.name) for entry, item in zip(ordered, listed, strict=True)],
        summary=summarise([entry.figures for entry in ordered]),
        impacts=[item for entry in ordered for item in entry.impacts],
    )
