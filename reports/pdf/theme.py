"""Fonts, colours, paragraph styles and the text helpers that pick a font per run of text.

Latin text is set in Helvetica (its WinAnsi encoding covers cp1252: accented Latin, €, –, …).
Any run of characters outside cp1252 (Chinese, Japanese, arrows such as →) switches to the
CID font STSong-Light, which covers CJK and whose text pypdf extracts. CID fonts are not
embedded: viewers substitute an installed CJK font, as they do for every STSong-Light PDF.
"""

from __future__ import annotations

import functools
import re
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

SANS = "Helvetica"
SANS_BOLD = "Helvetica-Bold"
SANS_ITALIC = "Helvetica-Oblique"
CJK = "STSong-Light"

# --- colours (one palette for tables, charts and status text)
INK = colors.HexColor("#1f2933")
MUTED = colors.HexColor("#616e7c")
ACCENT = colors.HexColor("#1f4e79")
RULE = colors.HexColor("#c5ccd6")
HEAD_BG = colors.HexColor("#e3e9f1")
STRIPE_BG = colors.HexColor("#f6f8fa")
EXCLUDED_BG = colors.HexColor("#eeeeee")
NOTE_BG = colors.HexColor("#fff6df")
NOTE_BORDER = colors.HexColor("#e0a800")
GREEN = colors.HexColor("#2e7d32")
AMBER = colors.HexColor("#ef9a00")
RED = colors.HexColor("#c62828")
GREY = colors.HexColor("#9aa5b1")
NO_DATA = colors.HexColor("#dde2e8")
WHITE = colors.white


@functools.cache
def register_fonts() -> None:
    """Register the CID font once per process (idempotent)."""
    pdfmetrics.registerFont(UnicodeCIDFont(CJK))
    # Bold or italic markup inside a CJK run falls back to the same face.
    pdfmetrics.registerFontFamily(CJK, normal=CJK, bold=CJK, italic=CJK, boldItalic=CJK)


register_fonts()


# --- paragraph styles
def _style(name: str, size: float, *, font: str = SANS, **kw: object) -> ParagraphStyle:
    kw.setdefault("leading", round(size * 1.25, 1))
    kw.setdefault("textColor", INK)
    return ParagraphStyle(name, fontName=font, fontSize=size, **kw)


COVER_KICKER = _style("cover-kicker", 13, textColor=ACCENT, spaceAfter=6)
COVER_TITLE = _style("cover-title", 26, font=SANS_BOLD, textColor=ACCENT, spaceAfter=28)
COVER_CUSTOMER = _style("cover-customer", 30, font=SANS_BOLD, leading=36, spaceAfter=12)
COVER_LINE = _style("cover-line", 12, textColor=MUTED, spaceAfter=4)
H1 = _style("h1", 15, font=SANS_BOLD, textColor=ACCENT, spaceBefore=6, spaceAfter=6)
H2 = _style("h2", 10.5, font=SANS_BOLD, spaceBefore=8, spaceAfter=4)
BODY = _style("body", 9, spaceAfter=4)
SMALL = _style("small", 7.5, textColor=MUTED, spaceAfter=3)
BULLET = _style("bullet", 8.5, leftIndent=10, bulletIndent=0, spaceAfter=2.5)
NOTE = _style("note", 9)
CELL = _style("cell", 7, leading=8.4)
CELL_RIGHT = _style("cell-right", 7, leading=8.4, alignment=TA_RIGHT)
CELL_CENTER = _style("cell-center", 7, leading=8.4, alignment=TA_CENTER)
HEAD = _style("head", 7, font=SANS_BOLD, leading=8.4)
HEAD_RIGHT = _style("head-right", 7, font=SANS_BOLD, leading=8.4, alignment=TA_RIGHT)
KPI_VALUE = _style("kpi-value", 15, font=SANS_BOLD, leading=18, alignment=TA_LEFT)
KPI_LABEL = _style("kpi-label", 7.5, textColor=MUTED)
CHART_TITLE = _style("chart-title", 7.5, font=SANS_BOLD, leading=9)

# --- text helpers
_NOT_LATIN = re.compile(r"[^\x00-\x7f]")


@functools.lru_cache(maxsize=4096)
def _latin(ch: str) -> bool:
    try:
        ch.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


def is_latin(text: str) -> bool:
    """True when Helvetica (WinAnsi) can set every character of ``text``."""
    return text.isascii() or all(_latin(ch) for ch in _NOT_LATIN.findall(text))


def runs(text: str) -> list[tuple[bool, str]]:
    """Split ``text`` into maximal (is_latin, chunk) runs."""
    out: list[tuple[bool, str]] = []
    for ch in text:
        latin = ch.isascii() or _latin(ch)
        if out and out[-1][0] == latin:
            out[-1] = (latin, out[-1][1] + ch)
        else:
            out.append((latin, ch))
    return out


def markup(text: str) -> str:
    """Escape ``text`` for a Paragraph, wrapping non-Latin runs in the CJK font."""
    if is_latin(text):
        return escape(text).replace("\n", "<br/>")
    parts = []
    for latin, chunk in runs(text):
        chunk = escape(chunk).replace("\n", "<br/>")
        parts.append(chunk if latin else f'<font name="{CJK}">{chunk}</font>')
    return "".join(parts)


def font_for(text: str, latin_font: str = SANS) -> str:
    """One font for a whole string (for graphics where runs cannot be mixed)."""
    return latin_font if is_latin(text) else CJK


def text_width(text: str, font: str, size: float) -> float:
    return sum(
        pdfmetrics.stringWidth(chunk, font if latin else CJK, size) for latin, chunk in runs(text)
    )


def draw_text(
    canv: Canvas, x: float, y: float, text: str, font: str, size: float, align: str = "left"
) -> None:
    """Draw one line on a canvas, switching to the CJK font per run; align left/right/center."""
    if align == "right":
        x -= text_width(text, font, size)
    elif align == "center":
        x -= text_width(text, font, size) / 2
    for latin, chunk in runs(text):
        face = font if latin else CJK
        canv.setFont(face, size)
        canv.drawString(x, y, chunk)
        x += pdfmetrics.stringWidth(chunk, face, size)


def hex_colour(colour: colors.Color) -> str:
    return "#" + colour.hexval()[2:]


def fit(text: str, font: str, size: float, width: float) -> str:
    """``text`` shortened with an ellipsis so that it is at most ``width`` wide."""
    if text_width(text, font, size) <= width:
        return text
    while text and text_width(text + "…", font, size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


# --- page geometry (A4 portrait, points)
PAGE_WIDTH, PAGE_HEIGHT = 595.2756, 841.8898
MARGIN_X = 42.0
MARGIN_TOP = 54.0
MARGIN_BOTTOM = 46.0
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN_X
