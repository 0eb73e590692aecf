"""The document: page template with header and footer, "Page x of y", the story in order."""

from __future__ import annotations

import io

from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate, Paragraph

from reports.pdf import listings, policy, sections, theme
from reports.pdf.data import ReportData
from reports.pdf.words import _

_HEADER_Y = theme.PAGE_HEIGHT - 32
_FOOTER_Y = 26
_RIGHT = theme.PAGE_WIDTH - theme.MARGIN_X


def pdf_language(locale: str) -> str:
    """The BCP 47 tag for the catalog's /Lang: "zh-hans" is "zh-Hans", "de" stays "de"."""
    language, _dash, script = locale.partition("-")
    return f"{language}-{script.title()}" if script else language


class _NumberedCanvas(Canvas):
    """Two-pass canvas: keeps every page's state and stamps "Page x of y" at save time."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._page_states: list[dict] = []

    def showPage(self) -> None:  # noqa: N802 (reportlab API)
        self._page_states.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._page_states)
        for state in self._page_states:
            self.__dict__.update(state)
            self.setFillColor(theme.MUTED)
            theme.draw_text(
                self,
                _RIGHT,
                _FOOTER_Y,
                _("Page %(page)s of %(pages)s") % {"page": self._pageNumber, "pages": total},
                theme.SANS,
                7,
                align="right",
            )
            super().showPage()
        super().save()


class _ReportDocTemplate(BaseDocTemplate):
    def __init__(self, buffer: io.BytesIO, data: ReportData) -> None:
        super().__init__(
            buffer,
            pagesize=(theme.PAGE_WIDTH, theme.PAGE_HEIGHT),
            leftMargin=theme.MARGIN_X,
            rightMargin=theme.MARGIN_X,
            topMargin=theme.MARGIN_TOP,
            bottomMargin=theme.MARGIN_BOTTOM,
            title=_("Monthly continuity & SLA report — %(customer)s — %(period)s")
            % {"customer": data.customer_name, "period": data.period_label},
            author="Continuity",
            subject=_("Report %(id)s rev %(revision)s")
            % {"id": data.report_id, "revision": data.revision},
            creator="Continuity",
            lang=pdf_language(data.locale),
            initialFontName=theme.SANS,  # else every page names an unembedded Helvetica
            invariant=1,
        )
        self.data = data
        self._outline_keys = 0
        frame = Frame(
            self.leftMargin,
            self.bottomMargin,
            self.width,
            self.height,
            id="body",
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
        )
        self.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=self._decorate)])

    def _decorate(self, canv: Canvas, doc: BaseDocTemplate) -> None:
        """Header (customer, period) and the footer's report identity on every page."""
        data = self.data
        canv.saveState()
        canv.setFillColor(theme.MUTED)
        half = theme.CONTENT_WIDTH / 2 - 10
        customer = theme.fit(data.customer_name, theme.SANS_BOLD, 8, half)
        theme.draw_text(canv, theme.MARGIN_X, _HEADER_Y, customer, theme.SANS_BOLD, 8)
        period = _("Monthly SLA report · %(period)s") % {"period": data.period_label}
        period = theme.fit(period, theme.SANS, 8, half)
        theme.draw_text(canv, _RIGHT, _HEADER_Y, period, theme.SANS, 8, align="right")
        canv.setStrokeColor(theme.RULE)
        canv.setLineWidth(0.5)
        canv.line(theme.MARGIN_X, _HEADER_Y - 5, _RIGHT, _HEADER_Y - 5)
        canv.line(theme.MARGIN_X, _FOOTER_Y + 10, _RIGHT, _FOOTER_Y + 10)
        footer = (
            _("Report %(id)s rev %(revision)s") % {"id": data.report_id, "revision": data.revision}
            + " · "
            + _("data SHA-256 %(sha)s…") % {"sha": data.data_sha256[:16]}
        )
        footer = theme.fit(footer, theme.SANS, 7, theme.CONTENT_WIDTH - 70)
        theme.draw_text(canv, theme.MARGIN_X, _FOOTER_Y, footer, theme.SANS, 7)
        canv.restoreState()

    def afterFlowable(self, flowable: Flowable) -> None:  # noqa: N802 (reportlab API)
        """Section headings become PDF outline (bookmark) entries."""
        if isinstance(flowable, Paragraph) and flowable.style is theme.H1:
            self._outline_keys += 1
            key = f"section-{self._outline_keys}"
            self.canv.bookmarkPage(key)
            self.canv.addOutlineEntry(flowable.getPlainText(), key, level=0)


def build_story(data: ReportData) -> list[Flowable]:
    return [
        *sections.cover(data),
        *sections.summary(data),
        *sections.workflow_figures(data),
        *sections.daily_charts(data),
        *listings.outages(data),
        *listings.impact(data),
        *listings.maintenance(data),
        *listings.drills(data),
        *policy.policies(data),
    ]


def render_monthly_report(data: ReportData) -> bytes:
    """Render the monthly PDF report; the same data gives the same bytes."""
    theme.register_fonts()
    buffer = io.BytesIO()
    doc = _ReportDocTemplate(buffer, data)
    doc.build(build_story(data), canvasmaker=_NumberedCanvas)
    return buffer.getvalue()
