"""Fonts, colours, paragraph styles and the text helpers that pick a font per run of text.

Every font is a TrueType file shipped in ``reports/pdf/fonts`` and embedded as a subset
(``/FontFile2``), so the report looks the same in any viewer, with or without CJK fonts
installed. Text is set in DejaVu Sans Condensed (Latin, Greek, Cyrillic, arrows; about as
wide as Helvetica, so the tables keep their layout); any run of characters DejaVu lacks
(Chinese, Japanese, Hangul) switches to WenQuanYi Micro Hei, which covers all three.
A character neither font has (emoji) shows as □.
"""

from __future__ import annotations

import functools
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph

FONT_DIR = Path(__file__).resolve().parent / "fonts"
SANS = "DejaVuSansCondensed"
SANS_BOLD = "DejaVuSansCondensed-Bold"
SANS_ITALIC = "DejaVuSansCondensed-Oblique"
CJK = "WenQuanYiMicroHei"  # Chinese, Japanese kana and kanji, Hangul

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
AMBER_TEXT = colors.HexColor("#b36b00")  # amber dark enough to read as text
RED = colors.HexColor("#c62828")
GREY = colors.HexColor("#9aa5b1")
NO_DATA = colors.HexColor("#dde2e8")
WHITE = colors.white


@functools.cache
def register_fonts() -> None:
    """Register the TrueType faces once per process (idempotent)."""
    faces = {
        SANS: TTFont(SANS, FONT_DIR / "DejaVuSansCondensed.ttf"),
        SANS_BOLD: TTFont(SANS_BOLD, FONT_DIR / "DejaVuSansCondensed-Bold.ttf"),
        SANS_ITALIC: TTFont(SANS_ITALIC, FONT_DIR / "DejaVuSansCondensed-Oblique.ttf"),
        CJK: TTFont(CJK, FONT_DIR / "wqy-microhei.ttc", subfontIndex=0),
    }
    for face in faces.values():
        pdfmetrics.registerFont(face)
    pdfmetrics.registerFontFamily(
        SANS, normal=SANS, bold=SANS_BOLD, italic=SANS_ITALIC, boldItalic=SANS_BOLD
    )
    # Micro Hei has one weight: bold or italic markup inside a CJK run keeps the same face.
    pdfmetrics.registerFontFamily(CJK, normal=CJK, bold=CJK, italic=CJK, boldItalic=CJK)


@functools.cache
def _glyphs(face: str) -> frozenset[int]:
    register_fonts()
    return frozenset(pdfmetrics.getFont(face).face.charToGlyph)


register_fonts()


# A Table's cells default to Helvetica: every table names our face so none is referenced.
TABLE_FONT = ("FONT", (0, 0), (-1, -1), SANS)


# --- paragraph styles
def _style(name: str, size: float, *, font: str = SANS, **kw: object) -> ParagraphStyle:
    kw.setdefault("leading", round(size * 1.25, 1))
    kw.setdefault("textColor", INK)
    kw.setdefault("bulletFontName", font)
    return ParagraphStyle(name, fontName=font, fontSize=size, **kw)


COVER_KICKER = _style("cover-kicker", 13, textColor=ACCENT, spaceAfter=6)
COVER_TITLE = _style("cover-title", 26, font=SANS_BOLD, textColor=ACCENT, spaceAfter=28)
COVER_CUSTOMER = _style("cover-customer", 30, font=SANS_BOLD, leading=36, spaceAfter=12)
COVER_LINE = _style("cover-line", 12, textColor=MUTED, spaceAfter=4)
H1 = _style("h1", 15, font=SANS_BOLD, textColor=ACCENT, spaceBefore=16, spaceAfter=6)
H2 = _style("h2", 10.5, font=SANS_BOLD, spaceBefore=8, spaceAfter=4)
BODY = _style("body", 9, spaceAfter=4)
SMALL = _style("small", 7.5, textColor=MUTED, spaceBefore=3, spaceAfter=3)
BULLET = _style("bullet", 8.5, leftIndent=10, bulletIndent=0, spaceAfter=2.5)
NOTE = _style("note", 9)
CELL = _style("cell", 7, leading=8.4)
CELL_RIGHT = _style("cell-right", 7, leading=8.4, alignment=TA_RIGHT)
CELL_CENTER = _style("cell-center", 7, leading=8.4, alignment=TA_CENTER)
HEAD = _style("head", 7, font=SANS_BOLD, leading=8.4)
HEAD_RIGHT = _style("head-right", 7, font=SANS_BOLD, leading=8.4, alignment=TA_RIGHT)
KPI_VALUE = _style("kpi-value", 13, font=SANS_BOLD, leading=16, alignment=TA_LEFT)
KPI_LABEL = _style("kpi-label", 7.5, textColor=MUTED)
CHART_TITLE = _style("chart-title", 7.5, leading=9)

# --- text helpers
UNSUPPORTED = "\u25a1"  # □ stands in for characters no shipped font has (emoji)


@functools.lru_cache(maxsize=8192)
def _face(ch: str) -> str | None:
    """None when the Latin face has ``ch`` (the caller's font), else the face that does."""
    if ch.isascii() or ord(ch) in _glyphs(SANS):
        return None
    return CJK if ord(ch) in _glyphs(CJK) else ""


def is_latin(text: str) -> bool:
    """True when DejaVu Sans alone can set every character of ``text``."""
    return text.isascii() or all(_face(ch) is None for ch in text)


def runs(text: str) -> list[tuple[str | None, str]]:
    """Split ``text`` into maximal (face, chunk) runs; face None means the Latin font.

    Characters neither font has become □ (set in the Latin font).
    """
    out: list[tuple[str | None, str]] = []
    for ch in text:
        face = _face(ch)
        if face == "":
            face, ch = None, UNSUPPORTED
        if out and out[-1][0] == face:
            out[-1] = (face, out[-1][1] + ch)
        else:
            out.append((face, ch))
    return out


def markup(text: str) -> str:
    """Escape ``text`` for a Paragraph, wrapping CJK runs in the CJK font."""
    if is_latin(text):
        return escape(text).replace("\n", "<br/>")
    parts = []
    for face, chunk in runs(text):
        chunk = escape(chunk).replace("\n", "<br/>")
        parts.append(chunk if face is None else f'<font name="{face}">{chunk}</font>')
    return "".join(parts)


def font_for(text: str, latin_font: str = SANS) -> str:
    """One font for a whole string (for graphics where runs cannot be mixed)."""
    return latin_font if is_latin(text) else CJK


def text_width(text: str, font: str, size: float) -> float:
    return sum(pdfmetrics.stringWidth(chunk, face or font, size) for face, chunk in runs(text))


def draw_text(
    canv: Canvas, x: float, y: float, text: str, font: str, size: float, align: str = "left"
) -> None:
    """Draw one line on a canvas, switching font per run; align left, right or center."""
    if align == "right":
        x -= text_width(text, font, size)
    elif align == "center":
        x -= text_width(text, font, size) / 2
    for face, chunk in runs(text):
        canv.setFont(face or font, size)
        canv.drawString(x, y, chunk)
        x += pdfmetrics.stringWidth(chunk, face or font, size)


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


def para(text: str, style: ParagraphStyle) -> Paragraph:
    """A Paragraph showing ``text`` literally (escaped, CJK runs in the CJK font)."""
    return Paragraph(markup(text), style)


def heading(text: str) -> Paragraph:
    """A section heading; the document turns these into PDF outline entries."""
    return Paragraph(markup(text), H1)
