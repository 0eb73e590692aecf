"""Section 9: the accounting policy in plain words (SPEC §4), general rules then each policy."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from xml.sax.saxutils import unescape

from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, Paragraph

from continuity.formatting import number
from reports.pdf import theme
from reports.pdf.data import PolicyText, ReportData
from reports.pdf.words import _


def _general() -> tuple[str, ...]:
    return (
        _(
            "A workflow is <b>down</b> while a quorum of its probe locations (by default a "
            "majority) confirms failure, each after several consecutive failed checks; one "
            "location failing on its own does not make the workflow down. It is <b>degraded</b> "
            "while a quorum sees it degraded or failing (for example slow responses). A workflow "
            "takes the worst state of its probes."
        ),
        _(
            "Availability = 100 × (1 - (down minutes + degraded minutes × degraded weight) / "
            "measured minutes). The SLA is met when availability is at or above the target, "
            "compared exactly."
        ),
        _(
            "<b>Maintenance</b> windows are removed from the measured time (the denominator): "
            "they are not counted as good time, and downtime inside them does not count."
        ),
        _(
            "Outages excluded from the SLA (with the reason stated in the outage list) are shown "
            "but not counted. Overlapping outages are merged, never counted twice."
        ),
        _(
            "Effective availability counts downtime during an active fallback at (1 - fallback "
            "effectiveness) of its weight: a fallback restoring 80 %% of the function leaves "
            "20 %% of that time counted."
        )
        % {},
        _(
            "Displayed percentages are <b>truncated</b> to three decimals, never rounded up: an "
            "availability of %(exact)s %% is shown as %(shown)s %%, so a shown figure never "
            "overstates the service. Coverage is the monitored share of the period outside "
            "maintenance."
        )
        % {
            "exact": number(Decimal("99.9496"), 4),
            "shown": number(Decimal("99.9496"), 3),
        },
    )


def _no_data(rule: str) -> str:
    rules = {
        "excluded": _(
            "Time without monitoring data is left out of the measured time: it counts neither "
            "as available nor as down. Coverage shows how much of the period was monitored."
        ),
        "up": _("Time without monitoring data counts as available time."),
        "down": _("Time without monitoring data counts as down time."),
    }
    return rules.get(rule) or _("Time without monitoring data: %(rule)s.") % {"rule": rule}


def policies(data: ReportData) -> list[Flowable]:
    story: list[Flowable] = [
        CondPageBreak(250),
        theme.heading(_("How the figures are calculated")),
        Paragraph(theme.markup(_("For every policy")), theme.H2),
    ]
    story += [_bullet(_cjk(text)) for text in _general()]
    for policy in data.policies:
        title = _("Policy “%(name)s”") % {"name": policy.name}
        block = [Paragraph(theme.markup(title), theme.H2)]
        block += [_bullet(theme.markup(line)) for line in policy_lines(policy)]
        story.append(KeepTogether(block))
    return story


def _cjk(html: str) -> str:
    """Trusted markup (``<b>`` only) with its CJK runs in the CJK font."""
    parts = re.split(r"(</?b>)", html)
    return "".join(p if p in ("<b>", "</b>") else theme.markup(unescape(p)) for p in parts)


def _bullet(html: str) -> Paragraph:
    return Paragraph(html, theme.BULLET, bulletText="•")


def policy_lines(policy: PolicyText) -> list[str]:
    """The plain-language rules of one policy (text, not markup)."""
    seconds = policy.min_outage_seconds
    in_minutes = f" ({seconds // 60} min)" if seconds and seconds % 60 == 0 else ""
    hours = _("Service hours: %(hours)s.") % {"hours": policy.service_hours}
    if not _all_hours(policy.service_hours):
        hours += " " + _("Time outside them is not measured.")
    lines = [
        _("Target: %(pct)s %% availability per calendar month.") % {"pct": policy.target_pct},
        hours,
        _("Each degraded minute counts as %(weight)s of a down minute.")
        % {"weight": policy.degraded_weight},
        _no_data(policy.no_data),
        (
            _("Outages shorter than %(seconds)s seconds%(in_minutes)s are not counted.")
            % {"seconds": seconds, "in_minutes": in_minutes}
            if seconds
            else _("Every outage counts, however short.")
        ),
    ]
    lines += credit_lines(policy.credit_tiers)
    return lines


def _all_hours(service_hours: str) -> bool:
    return service_hours.replace(" ", "").lower() in {"", "24x7", "24/7", "24×7"}


def credit_lines(tiers: tuple[tuple[str, str], ...]) -> list[str]:
    if not tiers:
        return [_("No service credits apply.")]
    ordered = sorted(tiers, key=lambda t: _decimal(t[0]), reverse=True)
    lines = [
        _("Availability below %(below)s %% → %(credit)s %% service credit.")
        % {"below": below, "credit": credit}
        for below, credit in ordered
    ]
    lowest = ordered[-1][0]
    lines.append(
        _(
            "The largest credit whose threshold the availability is strictly below applies: "
            "exactly %(lowest)s %% is not below %(lowest)s %%."
        )
        % {"lowest": lowest}
    )
    return lines


def _decimal(text: str) -> Decimal:
    try:
        return Decimal(text.replace(",", "."))
    except InvalidOperation:
        return Decimal(0)
