"""Sections 5 to 8: outage list, downtime impact, maintenance windows, runbook drills."""

from __future__ import annotations

from reportlab.platypus import CondPageBreak, Flowable, PageBreak, Paragraph

from reports.pdf import theme
from reports.pdf.data import ImpactRow, OutageRow, ReportData, WorkflowRow
from reports.pdf.tables import (
    DASH,
    Column,
    clip,
    coloured,
    data_table,
    rich_cell,
    row,
    scale,
    text_cell,
)

W = theme.CONTENT_WIDTH
para, heading = theme.para, theme.heading


# --- 5. outages

_OUTAGE_COLUMNS = [
    Column("Start", 48),
    Column("End", 48),
    Column("Duration", 44, numeric=True),
    Column("Workflow", 64),
    Column("Severity", 36),
    Column("Root cause", 130, limit=800),
    Column("Fallback", 70),
    Column("Mitigated in", 42, numeric=True),
    Column("RTO", 32),
]
_SEVERITY = {"down": theme.RED, "degraded": theme.AMBER_TEXT}
_RTO = {
    "met": (theme.GREEN, False),
    "missed": (theme.RED, True),
    "pending": (theme.AMBER_TEXT, False),
}


def outages(data: ReportData) -> list[Flowable]:
    story: list[Flowable] = [PageBreak(), heading("Outages")]
    if not data.outages:
        return [*story, para("No outages were recorded in this period.", theme.BODY)]
    excluded = sum(o.excluded for o in data.outages)
    missed = sum(o.rto_status == "missed" for o in data.outages)
    story.append(
        para(
            f"{len(data.outages)} outages, {excluded} excluded from the SLA (shaded), RTO missed "
            f'for {missed}. Times are local to {data.timezone}; "Mitigated in" is the time from '
            "the start of the outage to the first fallback activation.",
            theme.SMALL,
        )
    )
    cols = scale(_OUTAGE_COLUMNS, W)
    rows = [_outage_row(o, cols) for o in data.outages]
    shaded = [i for i, o in enumerate(data.outages) if o.excluded]
    story.append(data_table(cols, rows, shaded_rows=shaded))
    return story


def _outage_row(o: OutageRow, cols: list[Column]) -> list:
    cause = theme.markup(clip(o.root_cause, 800) or DASH)
    if o.excluded:
        reason = f"Excluded from SLA: {clip(o.exclusion_reason, 200) or 'no reason given'}"
        cause += f"<br/><i>{coloured(reason, theme.MUTED)}</i>"
    rto_colour, rto_bold = _RTO.get(o.rto_status, (theme.INK, False))
    return [
        text_cell(o.started_at, cols[0]),
        text_cell(o.ended_at or "ongoing", cols[1]),
        text_cell(o.duration, cols[2]),
        text_cell(o.workflow, cols[3]),
        rich_cell(coloured(o.severity, _SEVERITY.get(o.severity, theme.INK)), cols[4]),
        rich_cell(cause, cols[5]),
        text_cell(o.fallback, cols[6]),
        text_cell(o.time_to_mitigate, cols[7]),
        rich_cell(coloured(o.rto_status, rto_colour, bold=rto_bold), cols[8]),
    ]


# --- 6. downtime impact


def impact(data: ReportData) -> list[Flowable]:
    story: list[Flowable] = [CondPageBreak(220), heading("Downtime impact")]
    story.append(
        para(
            "Cost = unmitigated minutes × cost per minute + mitigated minutes × cost per minute × "
            "(1 - fallback effectiveness); avoided cost is what the fallbacks saved. User-minutes "
            "lost = users affected × counted minutes.",
            theme.SMALL,
        )
    )
    by_workflow = data.impact_by_workflow or tuple(_impact_from(w) for w in data.workflows)
    story += _impact_table("By workflow", "Workflow", by_workflow, data.currency)
    story += _impact_table(
        "By upstream dependency", "Dependency", data.impact_by_dependency, data.currency
    )
    return story


def _impact_from(w: WorkflowRow) -> ImpactRow:
    """Fallback when the caller gave no per-workflow impact rows."""
    return ImpactRow(
        label=w.name,
        outages=w.outage_count,
        downtime_minutes=w.down_minutes,
        mitigated_minutes=DASH,
        cost=w.cost,
        avoided_cost=w.avoided_cost,
        user_minutes_lost=w.user_minutes_lost,
    )


def _impact_table(title: str, label: str, rows: tuple[ImpactRow, ...], currency: str) -> list:
    head = Paragraph(theme.markup(title), theme.H2)
    if not rows:
        return [head, para("No downtime impact in this period.", theme.BODY)]
    cols = scale(
        [
            Column(label, 140),
            Column("Outages", 45, numeric=True),
            Column("Downtime min", 60, numeric=True),
            Column("Mitigated min", 60, numeric=True),
            Column(f"Cost {currency}", 70, numeric=True),
            Column(f"Avoided {currency}", 70, numeric=True),
            Column("User-minutes lost", 70, numeric=True),
        ],
        W,
    )
    body = [
        row(
            [
                r.label,
                str(r.outages),
                r.downtime_minutes,
                r.mitigated_minutes,
                r.cost,
                r.avoided_cost,
                r.user_minutes_lost,
            ],
            cols,
        )
        for r in rows
    ]
    return [head, data_table(cols, body)]


# --- 7. maintenance


def maintenance(data: ReportData) -> list[Flowable]:
    story: list[Flowable] = [CondPageBreak(150), heading("Maintenance windows")]
    if not data.maintenance:
        return [*story, para("No maintenance windows in this period.", theme.BODY)]
    story.append(
        para(
            "Maintenance time is removed from the measured time; it is not counted as "
            "available time.",
            theme.SMALL,
        )
    )
    cols = scale(
        [Column("Workflows", 150), Column("Starts", 90), Column("Ends", 90), Column("Reason", 180)],
        W,
    )
    rows = [row((m.workflows, m.starts_at, m.ends_at, m.reason), cols) for m in data.maintenance]
    story.append(data_table(cols, rows))
    return story


# --- 8. runbook drills


def drills(data: ReportData) -> list[Flowable]:
    story: list[Flowable] = [CondPageBreak(150), heading("Runbook drill status")]
    if not data.workflows:
        return [*story, para("No workflows are monitored for this customer.", theme.BODY)]
    cols = scale([Column("Workflow", 180), Column("Runbook", 220), Column("Last tested", 110)], W)
    rows = []
    for w in data.workflows:
        runbook = (
            text_cell(w.runbook_title, cols[1])
            if w.runbook_title
            else rich_cell(coloured("no runbook", theme.MUTED), cols[1])
        )
        tested = (
            text_cell(w.last_tested_at, cols[2])
            if w.last_tested_at
            else rich_cell(coloured("never", theme.RED, bold=True), cols[2])
        )
        rows.append([text_cell(w.name, cols[0]), runbook, tested])
    story.append(data_table(cols, rows))
    return story
