"""Monthly PDF report renderer (SPEC §6): frozen dataclasses in, PDF bytes out.

No ORM: dataclasses in, bytes out. Its words come from Django's gettext (``words``) in the
active language, the figures arrive formatted in the customer's locale, and every font is
embedded (``theme``). reportlab platypus lays out the document; charts are
reportlab.graphics Drawings. See ``document`` for the page furniture, ``sections`` and
``policy`` for the content, ``theme`` for fonts, colours and styles.
"""

from reports.pdf.data import (
    ImpactRow,
    MaintenanceRow,
    OutageRow,
    PolicyText,
    ReportData,
    WorkflowRow,
)
from reports.pdf.document import render_monthly_report

__all__ = [
    "ImpactRow",
    "MaintenanceRow",
    "OutageRow",
    "PolicyText",
    "ReportData",
    "WorkflowRow",
    "render_monthly_report",
]
