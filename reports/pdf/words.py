"""The renderer's words in the active language: Django's ``gettext`` when Django is set up
(the caller picks the customer's language with ``continuity.i18n.customer_language``),
the English text when the renderer runs on its own (``bench/render_pdf_only.py``)."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext


def _(message: str) -> str:
    return gettext(message) if settings.configured else message


def pgettext(context: str, message: str) -> str:
    """``message`` as meant in ``context`` (a narrow column header: "Outages" abbreviated)."""
    return translation.pgettext(context, message) if settings.configured else message
