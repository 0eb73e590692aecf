"""The pure parts of the console: durations, daily bars, the timeline geometry."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from console.pages import daily
from console.pages.overview import effective_state
from console.svg import strips, timeline
from continuity import formatting
from reports import intervals, sla
from reports.fallbacks import FallbackSpan

NOW = datetime(2026, 10, 20, 12, 0, tzinfo=UTC)
POLICY = sla.Policy(target_pct=Decimal("99.9"))


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0 s"),
        (59, "59 s"),
        (60, "1 min"),
        (25 * 60 + 30, "25 min"),
        (3 * 3600 + 5 * 60, "3 h 05 min"),
        (2 * 86400 + 4 * 3600 + 59, "2 d 4 h"),
        (-90, "-1 min"),
        (None, "—"),
    ],
)
def test_duration(seconds, text):
    assert formatting.duration(seconds, live=True) == text


def test_local_times_carry_the_zone_abbreviation():
    assert formatting.local_time(NOW, "Europe/Berlin") == "2026-10-20 14:00 CEST"
    later = NOW + timedelta(days=10)
    assert formatting.local_time(later, "Europe/Berlin") == "2026-10-30 13:00 CET"


@pytest.mark.parametrize(
    ("current", "open_severities", "expected"),
    [
        ("up", [], "up"),
        ("up", ["degraded"], "degraded"),
        ("no_data", ["down"], "down"),
        ("down", ["degraded"], "down"),
        ("weird", [], "no_data"),
    ],
)
def test_effective_state(current, open_severities, expected):
    assert effective_state(current, open_severities) == expected


def figures(**kwargs):
    span = daily.window(NOW, "Europe/Berlin", days=5)
    defaults = {
        "period": span,
        "policy": POLICY,
        "outages": [],
        "maintenance": [],
        "no_data": [],
        "monitored_since": NOW - timedelta(days=30),
        "now": NOW,
    }
    return daily.daily_figures(**{**defaults, **kwargs})


def test_days_are_local_and_end_today():
    days = figures()
    assert [d.day.isoformat() for d in days] == [
        "2026-10-16",
        "2026-10-17",
        "2026-10-18",
        "2026-10-19",
        "2026-10-20",
    ]
    assert {d.state for d in days} == {"up"}
    assert days[-1].availability_display == "100.000"


def test_worst_state_per_day_with_sla_rules():
    day = datetime(2026, 10, 18, 10, 0, tzinfo=UTC)
    days = figures(
        outages=[
            sla.OutageSpan(1, day, day + timedelta(minutes=30), "degraded"),
            sla.OutageSpan(
                2, day + timedelta(hours=2), day + timedelta(hours=2, seconds=30), "down"
            ),
            sla.OutageSpan(3, day + timedelta(days=1), day + timedelta(days=1, minutes=10), "down"),
            sla.OutageSpan(
                4,
                day - timedelta(days=1),
                day - timedelta(days=1, minutes=-10),
                "down",
                excluded=True,
            ),
        ]
    )
    by_day = {d.day.isoformat(): d for d in days}
    assert by_day["2026-10-18"].state == "degraded"  # the 30 s down blip is below 60 s
    assert by_day["2026-10-19"].state == "down"
    assert "down 10 min" in by_day["2026-10-19"].title
    assert by_day["2026-10-17"].state == "up"  # excluded outages do not count


def test_no_data_maintenance_and_not_monitored_days():
    d17 = datetime(2026, 10, 16, 22, 0, tzinfo=UTC)  # local midnight of 17 Oct in Berlin
    days = figures(
        no_data=[intervals.Interval(d17, d17 + timedelta(hours=20))],
        maintenance=[intervals.Interval(d17 + timedelta(days=1), d17 + timedelta(days=2))],
        monitored_since=datetime(2026, 10, 16, 23, 0, tzinfo=UTC),
    )
    states = [d.state for d in days]
    assert states == ["none", "no_data", "maintenance", "up", "up"]


def test_strip_puts_today_at_the_right_edge():
    strip = strips.strip(figures(), slots=90, width=900)
    assert len(strip.bars) == 5
    assert float(strip.bars[-1].x) + float(strip.bars[-1].width) == pytest.approx(900, abs=0.05)


def test_timeline_geometry():
    start = NOW - timedelta(minutes=30)
    data = timeline.TimelineInput(
        started_at=start,
        ended_at=None,
        now=NOW,
        severity="down",
        rto_minutes=15,
        tz="Europe/Berlin",
        locations=(
            timeline.LocationLane(
                "a very long probe name · eu-west",
                60,
                (
                    timeline.ResultPoint(start, "down", "opening"),
                    timeline.ResultPoint(start + timedelta(minutes=1), "down"),
                ),
            ),
        ),
        updates=(timeline.Event(start + timedelta(minutes=5), "investigating"),),
        activations=(
            timeline.FallbackMark(
                FallbackSpan(start + timedelta(minutes=10), None, Decimal(80)), "Plan B 80%"
            ),
        ),
        steps=(
            timeline.Event(start + timedelta(minutes=11), "step 1"),
            timeline.Event(start + timedelta(minutes=11, seconds=20), "step 2"),
        ),
    )
    t = timeline.build(data)
    labels = [lane.text for lane in t.lanes]
    assert labels[0] == "Outage"
    assert labels[1].endswith("…") and len(labels[1]) == timeline.LANE_LABEL_CHARS
    assert labels[2:] == ["Status updates", "Fallback", "Runbook steps"]
    xs = [float(r.x) for r in t.rects]
    assert all(timeline.LABEL_WIDTH <= x <= timeline.WIDTH for x in xs)
    outage = t.rects[0]
    assert "tl-open" in outage.css
    # the RTO deadline and now are marked, and their labels sit above the lanes
    assert any(line.css == "tl-rto" for line in t.lines)
    assert any(text.text == "now" for text in t.texts)
    assert all(float(text.y) < timeline.TOP_PAD for text in t.texts if text.css == "tl-rto-label")
    # two steps 20 s apart: one label only, so a label never runs over the next mark
    step_labels = [text.text for text in t.texts if text.text.startswith("step")]
    assert len(step_labels) == 1
    ticks = [text.text for text in t.texts if text.css == "tl-tick"]
    assert ticks and all(":" in tick for tick in ticks)
