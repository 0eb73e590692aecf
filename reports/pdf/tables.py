"""Data tables: a header row repeated on every page, Paragraph cells that wrap, zebra rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable, Paragraph, Table, TableStyle

from reports.pdf import theme

DASH = "—"
_PAD = 3


@dataclass(frozen=True)
class Column:
    title: str
    width: float  # points
    numeric: bool = False  # right-aligned
    limit: int = 300  # longer text is clipped: a table row cannot be taller than a page


Cell = str | Flowable | None


def clip(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, marked with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def text_cell(value: str | None, column: Column) -> Cell:
    """A plain string when it fits on one line in Helvetica, else a wrapping Paragraph."""
    value = clip(value, column.limit) if value else DASH
    style = theme.CELL_RIGHT if column.numeric else theme.CELL
    fits = theme.is_latin(value) and "\n" not in value
    if fits and theme.text_width(value, style.fontName, style.fontSize) <= column.width - 2 * _PAD:
        return value
    return Paragraph(theme.markup(value), style)


def row(values: Sequence[str | None], columns: Sequence[Column]) -> list[Cell]:
    """``text_cell`` for each value against its column."""
    return [text_cell(v, c) for v, c in zip(values, columns, strict=True)]


def rich_cell(html: str, column: Column, style: ParagraphStyle | None = None) -> Paragraph:
    """A Paragraph from already-escaped markup (for coloured status text)."""
    return Paragraph(html, style or (theme.CELL_RIGHT if column.numeric else theme.CELL))


def coloured(text: str, colour: object, *, bold: bool = False) -> str:
    body = theme.markup(text)
    if bold:
        body = f"<b>{body}</b>"
    return f'<font color="{theme.hex_colour(colour)}">{body}</font>'


def data_table(
    columns: Sequence[Column],
    rows: Sequence[Sequence[Cell]],
    *,
    shaded_rows: Sequence[int] = (),
) -> Table:
    """A table whose header repeats when it splits across pages.

    ``rows`` hold cells already built with ``text_cell``/``rich_cell`` (strings are set in
    the cell font); ``shaded_rows`` are body row indexes drawn on a grey background.
    """
    header = [
        Paragraph(theme.markup(c.title), theme.HEAD_RIGHT if c.numeric else theme.HEAD)
        for c in columns
    ]
    table = Table(
        [header, *[list(r) for r in rows]],
        colWidths=[c.width for c in columns],
        repeatRows=1,
        hAlign="LEFT",
    )
    commands: list[tuple] = [
        ("FONT", (0, 0), (-1, -1), theme.SANS, theme.CELL.fontSize, theme.CELL.leading),
        ("TEXTCOLOR", (0, 0), (-1, -1), theme.INK),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), _PAD),
        ("RIGHTPADDING", (0, 0), (-1, -1), _PAD),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ("BACKGROUND", (0, 0), (-1, 0), theme.HEAD_BG),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, theme.ACCENT),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, theme.RULE),
    ]
    if len(rows) > 1:
        commands.append(("ROWBACKGROUNDS", (0, 1), (-1, -1), [theme.WHITE, theme.STRIPE_BG]))
    for i, column in enumerate(columns):
        if column.numeric:
            commands.append(("ALIGN", (i, 1), (i, -1), "RIGHT"))
    for r in shaded_rows:
        commands.append(("BACKGROUND", (0, r + 1), (-1, r + 1), theme.EXCLUDED_BG))
    table.setStyle(TableStyle(commands))
    return table


def scale(columns: Sequence[Column], width: float) -> list[Column]:
    """Columns with widths scaled proportionally to fill ``width``."""
    total = sum(c.width for c in columns)
    return [replace(c, width=c.width * width / total) for c in columns]
