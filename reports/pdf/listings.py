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
from reports.pdf.words import _

W = theme.CONTENT_WIDTH
para, heading = theme.para, theme.heading


# --- 5. outages


def _outage_columns() -> list[Column]:
    return [
        Column(_("Start"), 48),
        Column(_("End"), 48),
        Column(_("Duration"), 44, numeric=True),
        Column(_("Workflow"), 64),
        Column(_("Severity"), 36),
        Column(_("Root cause"), 130, limit=800),
        Column(_("Fallback"), 70),
        Column(_("Mitigated in"), 42, numeric=True),
        Column(_("RTO"), 32),
    ]


def _word(value: str) -> str:
    """A stored status word (severity, RTO status) in the active language."""
    words = {
        "down": _("down"),
        "degraded": _("degraded"),
        "met": _("met"),
        "missed": _("missed"),
        "pending": _("pending"),
    }
    return words.get(value, value)


_SEVERITY = {"down": theme.RED, "degraded": theme.AMBER_TEXT}
_RTO = {
    "met": (theme.GREEN, False),
    "missed": (theme.RED, True),
    "pending": (theme.AMBER_TEXT, False),
}


def outages(data: ReportData) -> list[Flowable]:
    story: list[Flowable] = [PageBreak(), heading(_("Outages"))]
    if not data.outages:
        return [*story, para(_("No outages were recorded in this period."), theme.BODY)]
    excluded = sum(o.excluded for o in data.outages)
    missed = sum(o.rto_status == "missed" for o in data.outages)
    story.append(
        para(
            _(
                "%(count)s outages, %(excluded)s excluded from the SLA (shaded), RTO missed for "
                '%(missed)s. Times are local to %(zone)s; "Mitigated in" is the time from the '
                "start of the outage to the first fallback activation."
            )
            % {
                "count": len(data.outages),
                "excluded": excluded,
                "missed": missed,
                "zone": data.timezone,
            },
            theme.SMALL,
        )
    )
    cols = scale(_outage_columns(), W)
    rows = [_outage_row(o, cols) for o in data.outages]
    shaded = [i for i, o in enumerate(data.outages) if o.excluded]
    story.append(data_table(cols, rows, shaded_rows=shaded))
    return story


def _outage_row(o: OutageRow, cols: list[Column]) -> list:
    cause = theme.markup(clip(o.root_cause, 800) or DASH)
    if o.excluded:
        reason = _("Excluded from SLA: %(reason)s") % {
            "reason": clip(o.exclusion_reason, 200) or _("no reason given")
        }
        cause += f"<br/><i>{coloured(reason, theme.MUTED)}</i>"
    rto_colour, rto_bold = _RTO.get(o.rto_status, (theme.INK, False))
    return [
        text_cell(o.started_at, cols[0]),
        text_cell(o.ended_at or _("ongoing"), cols[1]),
        text_cell(o.duration, cols[2]),
        text_cell(o.workflow, cols[3]),
        rich_cell(coloured(_word(o.severity), _SEVERITY.get(o.severity, theme.INK)), cols[4]),
        rich_cell(cause, cols[5]),
        text_cell(o.fallback, cols[6]),
        text_cell(o.time_to_mitigate, cols[7]),
        rich_cell(coloured(_word(o.rto_status), rto_colour, bold=rto_bold), cols[8]),
    ]


# --- 6. downtime impact


def impact(data: ReportData) -> list[Flowable]:
    story: list[Flowable] = [CondPageBreak(220), heading(_("Downtime impact"))]
    story.append(
        para(
            _(
                "Cost = unmitigated minutes × cost per minute + mitigated minutes × cost per "
                "minute × (1 - fallback effectiveness); avoided cost is what the fallbacks "
                "saved. User-minutes lost = users affected × counted minutes."
            ),
            theme.SMALL,
        )
    )
    by_workflow = data.impact_by_workflow or tuple(_impact_from(w) for w in data.workflows)
    story += _impact_table(_("By workflow"), _("Workflow"), by_workflow, data.currency)
    story += _impact_table(
        _("By upstream dependency"), _("Dependency"), data.impact_by_dependency, data.currency
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
        return [head, para(_("No downtime impact in this period."), theme.BODY)]
    cols = scale(
        [
            Column(label, 140),
            Column(_("Outages"), 45, numeric=True),
            Column(_("Downtime min"), 60, numeric=True),
            Column(_("Mitigated min"), 60, numeric=True),
            Column(_("Cost %(currency)s") % {"currency": currency}, 70, numeric=True),
            Column(_("Avoided %(currency)s") % {"currency": currency}, 70, numeric=True),
            Column(_("User-minutes lost"), 70, numeric=True),
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
    story: list[Flowable] = [CondPageBreak(150), heading(_("Maintenance windows"))]
    if not data.maintenance:
        return [*story, para(_("No maintenance windows in this period."), theme.BODY)]
    story.append(
        para(
            _(
                "Maintenance time is removed from the measured time; it is not counted as "
                "available time."
            ),
            theme.SMALL,
        )
    )
    cols = scale(
        [
            Column(_("Workflows"), 150),
            Column(_("Starts"), 90),
            Column(_("Ends"), 90),
            Column(_("Reason"), 180),
        ],
        W,
    )
    rows = [row((m.workflows, m.starts_at, m.ends_at, m.reason), cols) for m in data.maintenance]
    story.append(data_table(cols, rows))
    return story


# --- 8. runbook drills


def drills(data: ReportData) -> list[Flowable]:
    story: list[Flowable] = [CondPageBreak(150), heading(_("Runbook drill status"))]
    if not data.workflows:
        return [*story, para(_("No workflows are monitored for this customer."), theme.BODY)]
    cols = scale(
        [Column(_("Workflow"), 180), Column(_("Runbook"), 220), Column(_("Last tested"), 110)], W
    )
    rows = []
    for w in data.workflows:
        runbook = (
            text_cell(w.runbook_title, cols[1])
            if w.runbook_title
            else rich_cell(coloured(_("no runbook"), theme.MUTED), cols[1])
        )
        tested = (
            text_cell(w.last_tested_at, cols[2])
            if w.last_tested_at
            else rich_cell(coloured(_("never"), theme.RED, bold=True), cols[2])
        )
        rows.append([text_cell(w.name, cols[0]), runbook, tested])
    story.append(data_table(cols, rows))
    return story
