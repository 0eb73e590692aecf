"""``{% load formatting %}``: the filters of ``continuity.formatting`` for templates (the
console, the status page, the emails), so a template shows figures as the PDF does."""

from datetime import datetime
from decimal import Decimal

from django import template

from continuity import formatting

register = template.Library()


@register.filter
def local_time(instant: datetime | None, zone: str) -> str:
    """``{{ outage.started_at|local_time:customer.timezone }}`` → "2026-10-14 15:20 CEST"."""
    return formatting.local_time(instant, zone)


@register.filter
def pct(value: Decimal | int | None) -> str:
    """A configured percentage (target, effectiveness, credit): ``{{ 80.00|pct }}`` → "80"."""
    return formatting.percent(value, trim=True)


@register.filter
def minutes(seconds: Decimal | int | None) -> str:
    return formatting.minutes(seconds)


@register.filter
def duration(seconds: Decimal | int | None) -> str:
    return formatting.duration(seconds)


@register.filter
def money(amount: Decimal | int | None, currency: str = "") -> str:
    return formatting.money(amount, currency)


@register.filter
def figure(text: str | None) -> str | None:
    """A figure the API already wrote, in the active locale: ``{{ "99.884"|figure }}`` →
    "99,884" in a German email (``continuity.i18n.customer_language``)."""
    return formatting.figure(text)
