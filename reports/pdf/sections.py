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

W = theme.CONTENT_WIDTH
para, heading = theme.para, theme.heading


def pct(value: str | None) -> str:
    return DASH if value is None else value


def status_html(met: bool | None) -> str:
    if met is None:
        return coloured("no data", theme.GREY)
    return (
        coloured("met", theme.GREEN, bold=True)
        if met
        else coloured("BREACHED", theme.RED, bold=True)
    )


# --- 1. cover


def cover(data: ReportData) -> list[Flowable]:
    story: list[Flowable] = [
        Spacer(1, 110),
        para("Monthly continuity & SLA report", theme.COVER_TITLE),
        para(clip(data.customer_name, 200), theme.COVER_CUSTOMER),
        para(data.period_text, theme.COVER_LINE),
        Spacer(1, 30),
        para(f"Generated {data.generated_at}", theme.COVER_LINE),
        para(f"Report {data.report_id} · revision {data.revision}", theme.COVER_LINE),
        para(f"Times are local to {data.timezone}", theme.COVER_LINE),
        para(f"Data SHA-256 {data.data_sha256}", theme.SMALL),
    ]
    if data.revision > 1:
        story += [Spacer(1, 24), _revision_box(data)]
    story.append(PageBreak())
    return story


def _revision_box(data: ReportData) -> Table:
    title = f"Corrected revision {data.revision}"
    text = f"This revision supersedes revision {data.revision - 1}; the earlier one is kept."
    cell = [para(title, theme.H2), para(text, theme.NOTE)]
    if data.revision_note:
        note = clip(data.revision_note, 2000)
        cell += [Spacer(1, 4), para(f"What changed: {note}", theme.NOTE)]
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
    story: list[Flowable] = [heading("Executive summary"), _kpis(data), Spacer(1, 8)]
    story.append(Paragraph("Service credits owed", theme.H2))
    if data.credits_owed:
        cols = scale([Column("Workflow", 300), Column("Credit %", 80, numeric=True)], W * 0.6)
        rows = [
            [text_cell(name, cols[0]), text_cell(credit, cols[1])]
            for name, credit in data.credits_owed
        ]
        story.append(data_table(cols, rows))
    else:
        story.append(para("No service credits are owed for this period.", theme.BODY))
    story.append(Paragraph("SLA status by workflow", theme.H2))
    if not data.workflows:
        return [*story, para("No workflows are monitored for this customer.", theme.BODY)]
    cols = scale(
        [
            Column("Workflow", 230),
            Column("Target %", 60, numeric=True),
            Column("Availability %", 75, numeric=True),
            Column("Effective %", 70, numeric=True),
            Column("SLA", 70),
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
            "Effective availability counts downtime covered by an active fallback at the share "
            "of the workflow's function the fallback did not restore.",
            theme.SMALL,
        )
    )
    return story


def _kpis(data: ReportData) -> Table:
    overall = data.summary_availability_display
    met_colour = theme.GREEN if data.workflows_met == data.workflows_total else theme.RED
    figures = [
        (DASH if overall is None else f"{overall} %", "overall availability", theme.INK),
        (f"{data.workflows_met} of {data.workflows_total}", "workflows met their SLA", met_colour),
        (f"{data.total_downtime_minutes} min", "total downtime", theme.INK),
        (data.total_cost, f"cost of downtime ({data.currency})", theme.INK),
        (data.total_avoided_cost, f"avoided by fallbacks ({data.currency})", theme.GREEN),
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


_AVAILABILITY_COLUMNS = [
    Column("Workflow", 110),
    Column("Target %", 38, numeric=True),
    Column("Availability %", 50, numeric=True),
    Column("Effective %", 44, numeric=True),
    Column("SLA", 46),
    Column("Coverage %", 48, numeric=True),
    Column("Credit %", 36, numeric=True),
    Column("Outages", 36, numeric=True),
    Column("MTTR min", 40, numeric=True),
    Column("Longest min", 46, numeric=True),
]
_MINUTES_COLUMNS = [
    Column("Workflow", 118),
    Column("Measured", 56, numeric=True),
    Column("Down", 50, numeric=True),
    Column("Degraded", 50, numeric=True),
    Column("Maintenance", 56, numeric=True),
    Column("No data", 50, numeric=True),
    Column("Error budget", 56, numeric=True),
    Column("Budget left", 56, numeric=True),
]


def workflow_figures(data: ReportData) -> list[Flowable]:
    story: list[Flowable] = [CondPageBreak(200), heading("SLA figures per workflow")]
    if not data.workflows:
        return [*story, para("No workflows are monitored for this customer.", theme.BODY)]
    story.append(
        para(
            "Percentages are truncated to three decimals, never rounded up. Coverage is the "
            "share of the period outside maintenance for which monitoring data exists. "
            "MTTR is the mean time to recovery of the counted outages.",
            theme.SMALL,
        )
    )
    story.append(Paragraph("Availability", theme.H2))
    cols = scale(_AVAILABILITY_COLUMNS, W)
    story.append(data_table(cols, [_availability_row(w, cols) for w in data.workflows]))
    story += [
        para(f"{w.name}: {w.availability_note}", theme.SMALL)
        for w in data.workflows
        if w.availability_note
    ]
    story.append(Paragraph("Time accounting and error budget (minutes)", theme.H2))
    cols = scale(_MINUTES_COLUMNS, W)
    story.append(data_table(cols, [_minutes_row(w, cols) for w in data.workflows]))
    story.append(
        para(
            "Measured = period - maintenance - excluded no-data time. Error budget = measured × "
            "(1 - target / 100); budget left is the budget minus counted downtime (negative: "
            "overspent).",
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
    story: list[Flowable] = [CondPageBreak(260), heading("Daily availability")]
    if not data.workflows:
        return [*story, para("No workflows are monitored for this customer.", theme.BODY)]
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
        f'<font color="{theme.hex_colour(theme.MUTED)}"> · month {theme.markup(shown)}'
        f" · target {theme.markup(w.target_pct)} %</font>"
    )
    return [
        Paragraph(title, theme.CHART_TITLE),
        charts.daily_chart(w.daily_availability, target, width, _CHART_HEIGHT),
    ]
