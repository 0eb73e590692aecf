"""The report's sections, each a function from ReportData to a list of flowables."""

from __future__ import annotations

from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    PageBreak,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from reports.pdf import charts, theme
from reports.pdf.data import ReportData, WorkflowRow
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
from reports.pdf.words import _, pgettext

W = theme.CONTENT_WIDTH
para, heading = theme.para, theme.heading


def _no_workflows() -> str:
    return _("No workflows are monitored for this customer.")


def pct(value: str | None) -> str:
    return DASH if value is None else value


def status_html(met: bool | None) -> str:
    if met is None:
        return coloured(_("no data"), theme.GREY)
    return (
        coloured(_("met"), theme.GREEN, bold=True)
        if met
        else coloured(_("BREACHED"), theme.RED, bold=True)
    )


# --- 1. cover


def cover(data: ReportData) -> list[Flowable]:
    story: list[Flowable] = [
        Spacer(1, 110),
        para(_("Monthly continuity & SLA report"), theme.COVER_TITLE),
        para(clip(data.customer_name, 200), theme.COVER_CUSTOMER),
        para(data.period_text, theme.COVER_LINE),
        Spacer(1, 30),
        para(_("Generated %(at)s") % {"at": data.generated_at}, theme.COVER_LINE),
        para(
            _("Report %(id)s · revision %(revision)s")
            % {"id": data.report_id, "revision": data.revision},
            theme.COVER_LINE,
        ),
        para(_("Times are local to %(zone)s") % {"zone": data.timezone}, theme.COVER_LINE),
        para(_("Data SHA-256 %(sha)s") % {"sha": data.data_sha256}, theme.SMALL),
    ]
    if data.revision > 1:
        story += [Spacer(1, 24), _revision_box(data)]
    story.append(PageBreak())
    return story


def _revision_box(data: ReportData) -> Table:
    title = _("Corrected revision %(revision)s") % {"revision": data.revision}
    text = _("This revision supersedes revision %(previous)s; the earlier one is kept.") % {
        "previous": data.revision - 1
    }
    cell = [para(title, theme.H2), para(text, theme.NOTE)]
    if data.revision_note:
        note = clip(data.revision_note, 2000)
        cell += [Spacer(1, 4), para(_("What changed: %(note)s") % {"note": note}, theme.NOTE)]
    box = Table([[cell]], colWidths=[W])
    box.setStyle(
        TableStyle(
            [
                theme.TABLE_FONT,
                ("BACKGROUND", (0, 0), (-1, -1), theme.NOTE_BG),
                ("BOX", (0, 0), (-1, -1), 1, theme.NOTE_BORDER),
                ("LEFTPADDING", (0, 0), (-1, -1), 10),
                ("RIGHTPADDING", (0, 0), (-1, -1), 10),
                ("TOPPADDING", (0, 0), (-1, -1), 6),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 10),
            ]
        )
    )
    return box


# --- 2. executive summary


def summary(data: ReportData) -> list[Flowable]:
    story: list[Flowable] = [heading(_("Executive summary")), _kpis(data), Spacer(1, 8)]
    story.append(para(_("Service credits owed"), theme.H2))
    if data.credits_owed:
        cols = scale([Column(_("Workflow"), 300), Column(_("Credit %"), 80, numeric=True)], W * 0.6)
        rows = [
            [text_cell(name, cols[0]), text_cell(credit, cols[1])]
            for name, credit in data.credits_owed
        ]
        story.append(data_table(cols, rows))
    else:
        story.append(para(_("No service credits are owed for this period."), theme.BODY))
    story.append(para(_("SLA status by workflow"), theme.H2))
    if not data.workflows:
        return [*story, para(_no_workflows(), theme.BODY)]
    cols = scale(
        [
            Column(_("Workflow"), 230),
            Column(_("Target %"), 60, numeric=True),
            Column(_("Availability %"), 75, numeric=True),
            Column(_("Effective %"), 70, numeric=True),
            Column(_("SLA"), 70),
        ],
        W,
    )
    rows = [
        [
            text_cell(w.name, cols[0]),
            text_cell(w.target_pct, cols[1]),
            text_cell(pct(w.availability_display), cols[2]),
            text_cell(pct(w.effective_availability_display), cols[3]),
            rich_cell(status_html(w.met), cols[4]),
        ]
        for w in data.workflows
    ]
    story.append(data_table(cols, rows))
    story.append(
        para(
            _(
                "Effective availability counts downtime covered by an active fallback at the "
                "share of the workflow's function the fallback did not restore."
            ),
            theme.SMALL,
        )
    )
    return story


def _kpis(data: ReportData) -> Table:
    overall = data.summary_availability_display
    met_colour = theme.GREEN if data.workflows_met == data.workflows_total else theme.RED
    figures = [
        (DASH if overall is None else f"{overall} %", _("overall availability"), theme.INK),
        (
            _("%(met)s of %(total)s") % {"met": data.workflows_met, "total": data.workflows_total},
            _("workflows met their SLA"),
            met_colour,
        ),
        (
            _("%(minutes)s min") % {"minutes": data.total_downtime_minutes},
            _("total downtime"),
            theme.INK,
        ),
        (
            data.total_cost,
            _("cost of downtime (%(currency)s)") % {"currency": data.currency},
            theme.INK,
        ),
        (
            data.total_avoided_cost,
            _("avoided by fallbacks (%(currency)s)") % {"currency": data.currency},
            theme.GREEN,
        ),
    ]
    cells = [
        [Paragraph(coloured(value, colour), theme.KPI_VALUE), para(label, theme.KPI_LABEL)]
        for value, label, colour in figures
    ]
    table = Table([cells], colWidths=[W / len(cells)] * len(cells))
    table.setStyle(
        TableStyle(
            [
                theme.TABLE_FONT,
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEABOVE", (0, 0), (-1, 0), 2, theme.ACCENT),
                ("BACKGROUND", (0, 0), (-1, -1), theme.STRIPE_BG),
                ("LEFTPADDING", (0, 0), (-1, -1), 6),
                ("TOPPADDING", (0, 0), (-1, -1), 6),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
            ]
        )
    )
    return table


# --- 3. per-workflow SLA figures


def _availability_columns() -> list[Column]:
    return [
        Column(_("Workflow"), 110),
        Column(_("Target %"), 38, numeric=True),
        Column(_("Availability %"), 50, numeric=True),
        Column(_("Effective %"), 44, numeric=True),
        Column(_("SLA"), 46),
        Column(_("Coverage %"), 48, numeric=True),
        Column(_("Credit %"), 36, numeric=True),
        Column(pgettext("narrow column", "Outages"), 36, numeric=True),
        Column(_("MTTR min"), 40, numeric=True),
        Column(_("Longest min"), 46, numeric=True),
    ]


def _minutes_columns() -> list[Column]:
    return [
        Column(_("Workflow"), 118),
        Column(_("Measured"), 56, numeric=True),
        Column(_("Down"), 50, numeric=True),
        Column(pgettext("narrow column", "Degraded"), 50, numeric=True),
        Column(_("Maintenance"), 56, numeric=True),
        Column(_("No data"), 50, numeric=True),
        Column(_("Error budget"), 56, numeric=True),
        Column(_("Budget left"), 56, numeric=True),
    ]


def workflow_figures(data: ReportData) -> list[Flowable]:
    story: list[Flowable] = [CondPageBreak(200), heading(_("SLA figures per workflow"))]
    if not data.workflows:
        return [*story, para(_no_workflows(), theme.BODY)]
    story.append(
        para(
            _(
                "Percentages are truncated to three decimals, never rounded up. Coverage is the "
                "share of the period outside maintenance for which monitoring data exists. "
                "MTTR is the mean time to recovery of the counted outages."
            ),
            theme.SMALL,
        )
    )
    story.append(para(_("Availability"), theme.H2))
    cols = scale(_availability_columns(), W)
    story.append(data_table(cols, [_availability_row(w, cols) for w in data.workflows]))
    story += [
        para(f"{w.name}: {w.availability_note}", theme.SMALL)
        for w in data.workflows
        if w.availability_note
    ]
    story.append(para(_("Time accounting and error budget (minutes)"), theme.H2))
    cols = scale(_minutes_columns(), W)
    story.append(data_table(cols, [_minutes_row(w, cols) for w in data.workflows]))
    story.append(
        para(
            _(
                "Measured = period - maintenance - excluded no-data time. Error budget = "
                "measured × (1 - target / 100); budget left is the budget minus counted "
                "downtime (negative: overspent)."
            ),
            theme.SMALL,
        )
    )
    return story


def _availability_row(w: WorkflowRow, cols: list[Column]) -> list:
    values = [
        w.name,
        w.target_pct,
        pct(w.availability_display),
        pct(w.effective_availability_display),
        None,
        pct(w.coverage_pct),
        w.credit_pct,
        str(w.outage_count),
        w.mttr_minutes,
        w.longest_outage_minutes,
    ]
    cells = row(values, cols)
    cells[4] = rich_cell(status_html(w.met), cols[4])
    return cells


def _minutes_row(w: WorkflowRow, cols: list[Column]) -> list:
    values = [
        w.name,
        w.measured_minutes,
        w.down_minutes,
        w.degraded_minutes,
        w.maintenance_minutes,
        w.no_data_minutes,
        w.error_budget_minutes,
    ]
    cells = row(values, cols[:-1])
    left = w.error_budget_remaining_minutes
    if left.strip().startswith(("-", "−")):
        cells.append(rich_cell(coloured(left, theme.RED, bold=True), cols[-1]))
    else:
        cells.append(text_cell(left, cols[-1]))
    return cells


# --- 4. daily availability charts

_CHART_HEIGHT = 78.0
_CHARTS_PER_ROW = 2


def daily_charts(data: ReportData) -> list[Flowable]:
    story: list[Flowable] = [CondPageBreak(260), heading(_("Daily availability"))]
    if not data.workflows:
        return [*story, para(_no_workflows(), theme.BODY)]
    story += [charts.legend(W), Spacer(1, 6)]
    cell_w = W / _CHARTS_PER_ROW
    cells = [_chart_cell(w, cell_w - 8) for w in data.workflows]
    while len(cells) % _CHARTS_PER_ROW:
        cells.append("")
    rows = [cells[i : i + _CHARTS_PER_ROW] for i in range(0, len(cells), _CHARTS_PER_ROW)]
    grid = Table(rows, colWidths=[cell_w] * _CHARTS_PER_ROW, hAlign="LEFT")
    grid.setStyle(
        TableStyle(
            [
                theme.TABLE_FONT,
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 8),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    story.append(grid)
    return story


def _chart_cell(w: WorkflowRow, width: float) -> list[Flowable]:
    target = charts.parse_pct(w.target_pct)
    shown = DASH if w.availability_display is None else f"{w.availability_display} %"
    title = (
        f"<b>{theme.markup(clip(w.name, 120))}</b>"
        f'<font color="{theme.hex_colour(theme.MUTED)}"> · '
        + theme.markup(_("month %(shown)s") % {"shown": shown})
        + " · "
        + theme.markup(_("target %(pct)s %%") % {"pct": w.target_pct})
        + "</font>"
    )
    return [
        Paragraph(title, theme.CHART_TITLE),
        charts.daily_chart(w.daily_availability, target, width, _CHART_HEIGHT),
    ]
