"""``{% load formatting %}`` gives templates (console, status page, emails) the same strings."""

from datetime import UTC, datetime
from decimal import Decimal

from django.template import Context, Template


def render(source: str, **context) -> str:
    return Template("{% load formatting %}" + source).render(Context(context))


def test_filters_show_what_the_module_shows():
    text = render(
        "{{ at|local_time:tz }} | {{ pct|pct }} | {{ s|minutes }} | {{ s|duration }} | "
        "{{ amount|money:'EUR' }}",
        at=datetime(2026, 10, 25, 1, 30, tzinfo=UTC),
        tz="Europe/Berlin",
        pct=Decimal("80.50"),
        s=1793,
        amount=Decimal("7519.499"),
    )
    assert text == "2026-10-25 02:30 CET | 80.5 | 29.883 | 29 min 53 s | 7,519.49 EUR"


def test_missing_values_show_a_dash():
    assert render("{{ at|local_time:'UTC' }}{{ s|minutes }}", at=None, s=None) == "——"
