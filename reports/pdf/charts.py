"""Daily availability bar chart (reportlab.graphics), one compact Drawing per workflow.

Bars: green at or above target, amber below target, red below the "severe" line
100 − 10 × (100 − target) (a day that burned budget ten times faster than allowed: 99.0 % for a
99.9 % target), light grey for a day without data. The dashed line is the target. The y axis
starts at a round floor just below the lowest value, so 99.8 and 99.95 look different.
Coordinates are floats (drawing only); every comparison is on Decimals.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib import colors
from reportlab.pdfbase import pdfmetrics

from continuity.formatting import percent
from reports.pdf import theme
from reports.pdf.words import _

HUNDRED = Decimal(100)
_FLOORS = tuple(Decimal(f) for f in ("99.5", "99", "98", "95", "90", "80", "50", "0"))
_LEFT = 20.0  # room for the y labels
_BOTTOM = 10.0  # room for the day labels
_TOP = 3.0
_LABEL_SIZE = 5.5


def parse_pct(text: str | None) -> Decimal | None:
    """A shown percentage back to a number; German text has a decimal comma."""
    try:
        return Decimal(text.replace(",", ".")) if text else None
    except InvalidOperation:
        return None


def severe_below(target: Decimal) -> Decimal:
    """The red threshold: ten times the allowed unavailability below 100 %."""
    return max(Decimal(0), HUNDRED - 10 * (HUNDRED - target))


def bar_colour(value: Decimal | None, target: Decimal | None) -> colors.Color:
    if value is None:
        return theme.NO_DATA
    if target is None or value >= target:
        return theme.GREEN
    return theme.RED if value < severe_below(target) else theme.AMBER


def axis_floor(values: Sequence[Decimal], target: Decimal | None) -> Decimal:
    """The largest round floor strictly below every value and the target."""
    low = min([*values, *([target] if target is not None else []), HUNDRED])
    return next((f for f in _FLOORS if f < low), Decimal(0))


def _day_label(date_text: str, index: int) -> str:
    tail = date_text[-2:]
    return str(int(tail)) if tail.isdigit() else str(index + 1)


def daily_chart(
    days: Sequence[tuple[str, Decimal | None]],
    target: Decimal | None,
    width: float,
    height: float,
) -> Drawing:
    drawing = Drawing(width, height, initialFontName=theme.SANS)
    plot_w, plot_h = width - _LEFT - 2, height - _BOTTOM - _TOP
    x0, y0 = _LEFT, _BOTTOM
    drawing.add(
        Rect(x0, y0, plot_w, plot_h, fillColor=None, strokeColor=theme.RULE, strokeWidth=0.4)
    )
    if not days:
        drawing.add(
            String(
                x0 + plot_w / 2,
                y0 + plot_h / 2 - 2,
                _("no daily data"),
                fontName=theme.font_for(_("no daily data")),
                fontSize=6.5,
                fillColor=theme.MUTED,
                textAnchor="middle",
            )
        )
        return drawing
    values = [v for _day, v in days if v is not None]
    floor = axis_floor(values, target)
    span = float(HUNDRED - floor)

    def y_of(value: Decimal) -> float:
        return y0 + plot_h * float(value - floor) / span

    slot = plot_w / len(days)
    bar_w = max(slot * 0.72, 0.8)
    step = 1 if slot >= 9 else (2 if slot >= 5.5 else 5)
    for i, (day, value) in enumerate(days):
        x = x0 + i * slot + (slot - bar_w) / 2
        top = y0 + plot_h if value is None else max(y_of(value), y0 + 0.8)
        drawing.add(
            Rect(x, y0, bar_w, top - y0, fillColor=bar_colour(value, target), strokeColor=None)
        )
        label = _day_label(day, i)
        if _labelled(int(label), step):
            drawing.add(_label(x + bar_w / 2, 2.5, label, "middle"))
    _y_labels(drawing, floor, target, y_of, x0, plot_w, plot_h)
    return drawing


def _labelled(day: int, step: int) -> bool:
    return day % step == 1 % step if step < 5 else day == 1 or day % step == 0


def _y_labels(drawing, floor, target, y_of, x0, plot_w, plot_h) -> None:
    top_y, low_y = y_of(HUNDRED), y_of(floor)
    drawing.add(_label(x0 - 2, top_y - 4, "100", "end"))
    drawing.add(_label(x0 - 2, low_y, percent(floor, trim=True), "end"))
    if target is None or target <= floor:
        return
    ty = y_of(target)
    drawing.add(
        Line(
            x0,
            ty,
            x0 + plot_w,
            ty,
            strokeColor=theme.INK,
            strokeWidth=0.6,
            strokeDashArray=[2, 1.5],
        )
    )
    if top_y - 4 - ty > 5 and ty - low_y > 5:
        drawing.add(_label(x0 - 2, ty - 2, percent(target, trim=True), "end"))


def _label(x: float, y: float, text: str, anchor: str) -> String:
    return String(
        x,
        y,
        text,
        fontName=theme.SANS,
        fontSize=_LABEL_SIZE,
        fillColor=theme.MUTED,
        textAnchor=anchor,
    )


def legend(width: float) -> Drawing:
    """Swatches explaining the bar colours."""
    severe = _("below 100 - 10 × (100 - target), e.g. %(severe)s for a %(target)s target") % {
        "severe": percent(Decimal("99.0"), 1),
        "target": percent(Decimal("99.9"), 1),
    }
    items = [
        (theme.GREEN, _("at or above target")),
        (theme.AMBER, _("below target")),
        (theme.RED, severe),
        (theme.NO_DATA, _("no data")),
    ]
    drawing = Drawing(width, 12, initialFontName=theme.SANS)
    x = 0.0
    for colour, text in items:
        drawing.add(Rect(x, 2, 8, 8, fillColor=colour, strokeColor=None))
        font = theme.font_for(text)
        drawing.add(String(x + 11, 3, text, fontName=font, fontSize=7, fillColor=theme.INK))
        x += 11 + pdfmetrics.stringWidth(text, font, 7) + 14
    drawing.add(
        Line(x, 6, x + 14, 6, strokeColor=theme.INK, strokeWidth=0.6, strokeDashArray=[2, 1.5])
    )
    target = _("target")
    drawing.add(
        String(x + 17, 3, target, fontName=theme.font_for(target), fontSize=7, fillColor=theme.INK)
    )
    return drawing
