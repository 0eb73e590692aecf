"""Every font in the report is an embedded TrueType subset, so a viewer with no CJK font
installed still draws the Chinese customer's name (issue 15, item 5). Needs poppler-utils
(pdffonts, pdftoppm), which .ci/run installs."""

from __future__ import annotations

import io
import os
import subprocess
from pathlib import Path

import pypdf
import pytest
from PIL import Image

from reports.pdf import render_monthly_report, theme
from tests.unit.test_pdf import report

NAME = "开元物流"
NAME_SIZE = theme.COVER_CUSTOMER.fontSize


@pytest.fixture(scope="module")
def chinese_pdf() -> bytes:
    return render_monthly_report(report(customer=NAME, names=("发票识别",), outages=3))


def _fonts(pdf: bytes) -> list[pypdf.generic.DictionaryObject]:
    """Every font dictionary used on any page, descendants of Type0 fonts included."""
    seen: dict[int, pypdf.generic.DictionaryObject] = {}
    for page in pypdf.PdfReader(io.BytesIO(pdf)).pages:
        for ref in page["/Resources"].get("/Font", {}).values():
            font = ref.get_object()
            seen[id(font)] = font
            for child in font.get("/DescendantFonts", []):
                seen[id(child.get_object())] = child.get_object()
    return list(seen.values())


def test_every_font_is_an_embedded_truetype_subset(chinese_pdf):
    fonts = [f for f in _fonts(chinese_pdf) if f["/Subtype"] != "/Type0"]
    assert fonts
    names = set()
    for font in fonts:
        descriptor = font["/FontDescriptor"].get_object()
        assert "/FontFile2" in descriptor, f"{font['/BaseFont']} is not embedded as TrueType"
        base = str(font["/BaseFont"])
        assert base[7] == "+", f"{base} is not a subset (no ABCDEF+ tag)"
        names.add(base[8:])
    for face in (theme.SANS, theme.SANS_BOLD, theme.CJK):
        assert any(name.startswith(face) for name in names), (face, names)
    assert not any("STSong" in n or "Helvetica" in n for n in names)


def test_pdffonts_lists_every_font_as_embedded(chinese_pdf, tmp_path):
    path = tmp_path / "report.pdf"
    path.write_bytes(chinese_pdf)
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True)
    rows = out.stdout.splitlines()[2:]
    assert rows
    for line in rows:
        # columns: name type encoding emb sub uni object ID
        emb, sub = line.split()[-5:-3]
        assert (emb, sub) == ("yes", "yes"), line


def _name_box(pdf: bytes) -> tuple[float, float]:
    """(x, baseline y) in PDF points of the cover's customer name, from pypdf's text walk."""
    found: list[tuple[float, float]] = []

    def visit(text, cm, tm, font, size):
        if NAME in text and size == NAME_SIZE and not found:
            matrix = pypdf.mult(tm, cm)
            found.append((matrix[4], matrix[5]))

    pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text(visitor_text=visit)
    assert found, "the name is not on the cover"
    return found[0]


def _render_cover_without_system_fonts(pdf: bytes, tmp_path: Path) -> Image.Image:
    conf = tmp_path / "fonts.conf"
    # A fontconfig with no font directory: a machine without any system font.
    conf.write_text(f"<fontconfig><cachedir>{tmp_path}</cachedir></fontconfig>")
    (tmp_path / "report.pdf").write_bytes(pdf)
    env = {**os.environ, "FONTCONFIG_FILE": str(conf), "FONTCONFIG_PATH": str(tmp_path)}
    subprocess.run(
        ["pdftoppm", "-r", "72", "-f", "1", "-l", "1", "-gray", "-png", "report.pdf", "cover"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        check=True,
    )
    return Image.open(next(tmp_path.glob("cover*.png"))).convert("L")


def _ink(image: Image.Image, box: tuple[int, int, int, int]) -> list[int]:
    """Dark pixels per column of ``box`` (left, top, right, bottom)."""
    left, top, right, bottom = box
    return [
        sum(image.getpixel((x, y)) < 128 for y in range(top, bottom)) for x in range(left, right)
    ]


def test_the_chinese_name_has_ink_with_no_font_installed(chinese_pdf, tmp_path):
    x, baseline = _name_box(chinese_pdf)
    image = _render_cover_without_system_fonts(chinese_pdf, tmp_path)
    top = round(image.height - baseline - NAME_SIZE)
    bottom = round(image.height - baseline + NAME_SIZE * 0.25)
    glyphs = []
    for i in range(len(NAME)):
        left = round(x + i * NAME_SIZE)
        glyphs.append(_ink(image, (left, top, left + round(NAME_SIZE), bottom)))
    for ch, columns in zip(NAME, glyphs, strict=True):
        assert sum(columns) > NAME_SIZE * 4, f"no ink where {ch} should be"
    # Four different characters, not four identical "missing glyph" boxes.
    assert len({tuple(columns) for columns in glyphs}) == len(NAME)
    after = round(x + (len(NAME) + 0.5) * NAME_SIZE)
    blank = _ink(image, (after, top, after + 3 * round(NAME_SIZE), bottom))
    assert sum(blank) == 0, "the paper after the name is blank: the box is the name's"
