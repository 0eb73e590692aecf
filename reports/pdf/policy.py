"""Section 9: the accounting policy in plain words (SPEC §4), general rules then each policy."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, Paragraph

from reports.pdf import theme
from reports.pdf.data import PolicyText, ReportData

_GENERAL = (
    "A workflow is <b>down</b> while a quorum of its probe locations (by default a majority) "
    "confirms failure, each after several consecutive failed checks; one location failing on "
    "its own does not make the workflow down. It is <b>degraded</b> while a quorum sees it "
    "degraded or failing (for example slow responses). A workflow takes the worst state of "
    "its probes.",
    "Availability = 100 × (1 - (down minutes + degraded minutes × degraded weight) / measured "
    "minutes). The SLA is met when availability is at or above the target, compared exactly.",
    "<b>Maintenance</b> windows are removed from the measured time (the denominator): they "
    "are not counted as good time, and downtime inside them does not count.",
    "Outages excluded from the SLA (with the reason stated in the outage list) are shown but "
    "not counted. Overlapping outages are merged, never counted twice.",
    "Effective availability counts downtime during an active fallback at (1 - fallback "
    "effectiveness) of its weight: a fallback restoring 80 % of the function leaves 20 % of "
    "that time counted.",
    "Displayed percentages are <b>truncated</b> to three decimals, never rounded up: an "
    "availability of 99.9496 % is shown as 99.949 %, so a shown figure never overstates the "
    "service. Coverage is the monitored share of the period outside maintenance.",
)

_NO_DATA = {
    "excluded": "Time without monitoring data is left out of the measured time: it counts "
    "neither as available nor as down. Coverage shows how much of the period was monitored.",
    "up": "Time without monitoring data counts as available time.",
    "down": "Time without monitoring data counts as down time.",
}


def policies(data: ReportData) -> list[Flowable]:
    story: list[Flowable] = [
        CondPageBreak(250),
        Paragraph("How the figures are calculated", theme.H1),
        Paragraph("For every policy", theme.H2),
    ]
    story += [_bullet(text) for text in _GENERAL]
    for policy in data.policies:
        block = [Paragraph(theme.markup(f"Policy “{policy.name}”"), theme.H2)]
        block += [_bullet(theme.markup(line)) for line in policy_lines(policy)]
        story.append(KeepTogether(block))
    return story


def _bullet(html: str) -> Paragraph:
    return Paragraph(html, theme.BULLET, bulletText="•")


def policy_lines(policy: PolicyText) -> list[str]:
    """The plain-language rules of one policy (text, not markup)."""
    seconds = policy.min_outage_seconds
    in_minutes = f" ({seconds // 60} min)" if seconds and seconds % 60 == 0 else ""
    lines = [
        f"Target: {policy.target_pct} % availability per calendar month.",
        f"Service hours: {policy.service_hours}."
        + ("" if _all_hours(policy.service_hours) else " Time outside them is not measured."),
        f"Each degraded minute counts as {policy.degraded_weight} of a down minute.",
        _NO_DATA.get(policy.no_data, f"Time without monitoring data: {policy.no_data}."),
        (
            f"Outages shorter than {seconds} seconds{in_minutes} are not counted."
            if seconds
            else "Every outage counts, however short."
        ),
    ]
    lines += credit_lines(policy.credit_tiers)
    return lines


def _all_hours(service_hours: str) -> bool:
    return service_hours.replace(" ", "").lower() in {"", "24x7", "24/7", "24×7"}


def credit_lines(tiers: tuple[tuple[str, str], ...]) -> list[str]:
    if not tiers:
        return ["No service credits apply."]
    ordered = sorted(tiers, key=lambda t: _decimal(t[0]), reverse=True)
    lines = [
        f"Availability below {below} % → {credit} % service credit." for below, credit in ordered
    ]
    lowest = ordered[-1][0]
    lines.append(
        "The largest credit whose threshold the availability is strictly below applies: "
        f"exactly {lowest} % is not below {lowest} %."
    )
    return lines


def _decimal(text: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation:
        return Decimal(0)
