"""Fonts, colours, paragraph styles and the text helpers that pick a font per run of text.

Latin text is set in Helvetica (its WinAnsi encoding covers cp1252: accented Latin, €, –, …).
Any run of characters outside cp1252 (Chinese, Japanese, arrows such as →) switches to the
CID font STSong-Light, which covers CJK and whose text pypdf extracts; Hangul runs use the
Korean CID font. CID fonts are not embedded: viewers substitute an installed CJK font, as they
do for every STSong-Light PDF. Emoji (outside the BMP) cannot be set and show as □.
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
from reportlab.platypus import Paragraph

SANS = "Helvetica"
SANS_BOLD = "Helvetica-Bold"
SANS_ITALIC = "Helvetica-Oblique"
CJK = "STSong-Light"  # Chinese; also sets Japanese kana and kanji
KOREAN = "HYSMyeongJo-Medium"  # Hangul

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
    """Register the CID fonts once per process (idempotent)."""
    for face in (CJK, KOREAN):
        pdfmetrics.registerFont(UnicodeCIDFont(face))
        # Bold or italic markup inside a CID run falls back to the same face.
        pdfmetrics.registerFontFamily(face, normal=face, bold=face, italic=face, boldItalic=face)


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
_NOT_ASCII = re.compile(r"[^\x00-\x7f]")
_HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\ua960-\ua97f\uac00-\ud7ff]")
_ASTRAL = re.compile(r"[^\u0000-\uffff]")
UNSUPPORTED = "\u25a1"  # □ stands in for characters outside the BMP (emoji)


@functools.lru_cache(maxsize=4096)
def _latin(ch: str) -> bool:
    try:
        ch.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


def is_latin(text: str) -> bool:
    """True when Helvetica (WinAnsi) can set every character of ``text``."""
    return text.isascii() or all(_latin(ch) for ch in _NOT_ASCII.findall(text))


def _face(ch: str) -> str | None:
    """None for Latin (the caller's font), else the CID font that covers ``ch``."""
    if ch.isascii() or _latin(ch):
        return None
    return KOREAN if _HANGUL.match(ch) else CJK


def runs(text: str) -> list[tuple[str | None, str]]:
    """Split ``text`` into maximal (face, chunk) runs; face None means the Latin font.

    Characters outside the BMP (emoji) become □: the UCS-2 CID encodings cannot carry them.
    """
    text = _ASTRAL.sub(UNSUPPORTED, text)
    out: list[tuple[str | None, str]] = []
    for ch in text:
        face = _face(ch)
        if out and out[-1][0] == face:
            out[-1] = (face, out[-1][1] + ch)
        else:
            out.append((face, ch))
    return out


def markup(text: str) -> str:
    """Escape ``text`` for a Paragraph, wrapping non-Latin runs in a CID font."""
    if is_latin(text):
        return escape(text).replace("\n", "<br/>")
    parts = []
    for face, chunk in runs(text):
        chunk = escape(chunk).replace("\n", "<br/>")
        parts.append(chunk if face is None else f'<font name="{face}">{chunk}</font>')
    return "".join(parts)


def font_for(text: str, latin_font: str = SANS) -> str:
    """One font for a whole string (for graphics where runs cannot be mixed)."""
    if is_latin(text):
        return latin_font
    return KOREAN if _HANGUL.search(text) else CJK


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
