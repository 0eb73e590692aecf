"""Writing for one customer: Django's translation and ``continuity.formatting`` in the
customer's locale at once, so words, figures and dates agree."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.utils import translation

from continuity import formatting


@contextmanager
def customer_language(locale: str) -> Iterator[None]:
    """Inside the block, ``gettext`` and every ``continuity.formatting`` call use ``locale``
    (``en``, ``zh-hans``, ``de``)."""
    with translation.override(locale), formatting.use_locale(locale):
        yield
