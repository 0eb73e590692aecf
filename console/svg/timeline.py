"""The outage timeline strip: plain events in, SVG geometry out. Pure, no Django.

Lanes from top to bottom: the outage itself (with the RTO deadline), one lane per probe
location with its results (evidence results stand out), status updates, fallback
activations and runbook step completions; a time axis in the customer's timezone below.
The template draws the shapes; every coordinate is a preformatted string.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from reports.fallbacks import FallbackSpan
from reports.periods import load_zone

WIDTH = 1000
LABEL_WIDTH = 190
RIGHT_PAD = 16
TOP_PAD = 22  # room for the RTO and now labels above the lanes
LANE_HEIGHT = 28
AXIS_HEIGHT = 30
MIN_PAD = timedelta(minutes=2)
TICK_STEPS = [
    timedelta(minutes=m) for m in (1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10080)
]
MAX_TICKS = 9
LANE_LABEL_CHARS = 24


@dataclass(frozen=True)
class ResultPoint:
    observed_at: datetime
    outcome: str
    role: str = ""  # "", "opening" or "closing": an evidence result
    detail: str = ""


@dataclass(frozen=True)
class LocationLane:
    label: str
    interval_seconds: int
    results: tuple[ResultPoint, ...]


@dataclass(frozen=True)
class Event:
    at: datetime
    label: str
    detail: str = ""


@dataclass(frozen=True)
class FallbackMark:
    """A fallback as drawn: its span, the label on its bar and the detail in its tooltip."""

    span: FallbackSpan
    label: str
    detail: str = ""


@dataclass(frozen=True)
class TimelineInput:
    started_at: datetime
    ended_at: datetime | None
    now: datetime
    severity: str
    rto_minutes: int
    tz: str
    locations: tuple[LocationLane, ...] = ()
    updates: tuple[Event, ...] = ()
    activations: tuple[FallbackMark, ...] = ()
    steps: tuple[Event, ...] = ()


@dataclass(frozen=True)
class Rect:
    x: str
    y: str
    w: str
    h: str
    css: str
    title: str


@dataclass(frozen=True)
class Dot:
    x: str
    y: str
    css: str
    title: str
    shape: str = "circle"  # circle | diamond | check


@dataclass(frozen=True)
class Text:
    x: str
    y: str
    text: str
    css: str = ""
    anchor: str = "start"


@dataclass(frozen=True)
class Line:
    x1: str
    y1: str
    x2: str
    y2: str
    css: str
    title: str = ""


@dataclass(frozen=True)
class Timeline:
    width: int
    height: int
    lanes: tuple[Text, ...] = ()
    rects: tuple[Rect, ...] = ()
    dots: tuple[Dot, ...] = ()
    texts: tuple[Text, ...] = ()
    lines: tuple[Line, ...] = ()
    stripes: tuple[Rect, ...] = ()


def _n(value: float) -> str:
    return f"{value:.1f}"


def window(data: TimelineInput) -> tuple[datetime, datetime]:
    """The instants the strip spans: the outage and every event, padded on both sides."""
    end = data.ended_at or data.now
    instants = [data.started_at, end]
    instants += [e.at for e in (*data.updates, *data.steps)]
    for mark in data.activations:
        instants += [mark.span.activated_at, mark.span.deactivated_at or data.now]
    deadline = data.started_at + timedelta(minutes=data.rto_minutes)
    if deadline <= max(instants) + (max(instants) - min(instants)) / 4:
        instants.append(deadline)
    lo, hi = min(instants), max(instants)
    pad = max((hi - lo) / 20, MIN_PAD)
    return lo - pad, hi + pad


@dataclass
class _Scale:
    start: datetime
    end: datetime
    left: float = LABEL_WIDTH
    right: float = WIDTH - RIGHT_PAD

    def x(self, instant: datetime) -> float:
        span = (self.end - self.start).total_seconds() or 1.0
        share = (instant - self.start).total_seconds() / span
        return self.left + max(0.0, min(1.0, share)) * (self.right - self.left)

    def width(self, seconds: float) -> float:
        span = (self.end - self.start).total_seconds() or 1.0
        return seconds / span * (self.right - self.left)


@dataclass
class _Builder:
    scale: _Scale
    data: TimelineInput
    lanes: list[Text] = field(default_factory=list)
    rects: list[Rect] = field(default_factory=list)
    dots: list[Dot] = field(default_factory=list)
    texts: list[Text] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    stripes: list[Rect] = field(default_factory=list)
    y: float = TOP_PAD

    def lane(self, label: str) -> float:
        """Start a lane; returns its vertical middle."""
        top = self.y
        if len(self.lanes) % 2 == 0:
            self.stripes.append(Rect("0", _n(top), str(WIDTH), str(LANE_HEIGHT), "tl-stripe", ""))
        if len(label) > LANE_LABEL_CHARS:
            label = label[: LANE_LABEL_CHARS - 1] + "…"
        self.lanes.append(Text("8", _n(top + LANE_HEIGHT / 2 + 4), label, "tl-lane"))
        self.y += LANE_HEIGHT
        return top + LANE_HEIGHT / 2

    def local(self, instant: datetime) -> str:
        return instant.astimezone(load_zone(self.data.tz)).strftime("%H:%M:%S")


def _outage_lane(b: _Builder) -> None:
    data = b.data
    mid = b.lane("Outage")
    x1 = b.scale.x(data.started_at)
    x2 = b.scale.x(data.ended_at or data.now)
    state = "ongoing" if data.ended_at is None else f"ended {b.local(data.ended_at)}"
    b.rects.append(
        Rect(
            _n(x1),
            _n(mid - 8),
            _n(max(x2 - x1, 2)),
            "16",
            f"tl-outage tl-{data.severity}" + (" tl-open" if data.ended_at is None else ""),
            f"{data.severity} from {b.local(data.started_at)}, {state}",
        )
    )


def _location_lanes(b: _Builder) -> None:
    for lane in b.data.locations:
        mid = b.lane(lane.label)
        width = max(b.scale.width(lane.interval_seconds) - 1, 1.5)
        evidence = []
        for point in lane.results:
            if point.role:
                evidence.append(point)
                continue
            x = b.scale.x(point.observed_at)
            b.rects.append(
                Rect(
                    _n(x),
                    _n(mid - 6),
                    _n(width),
                    "12",
                    f"tl-result tl-{point.outcome}",
                    f"{point.outcome} at {b.local(point.observed_at)}"
                    + (f" · {point.detail}" if point.detail else ""),
                )
            )
        for point in evidence:
            x = b.scale.x(point.observed_at)
            b.dots.append(
                Dot(
                    _n(x),
                    _n(mid),
                    f"tl-evidence tl-{point.outcome}",
                    f"{point.role} evidence: {point.outcome} at {b.local(point.observed_at)}"
                    + (f" · {point.detail}" if point.detail else ""),
                )
            )


def _text_width(text: str) -> float:
    """A rough width of an 11px label, enough to keep labels from running into marks."""
    return 6.5 * len(text)


def _event_lane(b: _Builder, label: str, events: Sequence[Event], shape: str) -> None:
    """Marks for events; each labelled on its right, or on its left where the next mark or
    the edge leaves no room, and never over another label or mark."""
    mid = b.lane(label)
    ordered = sorted(events, key=lambda e: e.at)
    xs = [b.scale.x(event.at) for event in ordered]
    free_from = float(LABEL_WIDTH)
    for i, (event, x) in enumerate(zip(ordered, xs, strict=True)):
        title = f"{event.label} at {b.local(event.at)}" + (
            f" · {event.detail}" if event.detail else ""
        )
        b.dots.append(Dot(_n(x), _n(mid), f"tl-{shape}", title, shape))
        width = _text_width(event.label)
        right_limit = xs[i + 1] - 10 if i + 1 < len(xs) else WIDTH - RIGHT_PAD
        left_limit = max(free_from, xs[i - 1] + 10 if i else free_from)
        if x + 10 + width <= right_limit and x - 8 >= free_from:
            b.texts.append(Text(_n(x + 10), _n(mid + 4), event.label, "tl-event"))
            free_from = x + 10 + width
        elif x - 10 - width >= left_limit:
            b.texts.append(Text(_n(x - 10), _n(mid + 4), event.label, "tl-event", "end"))
            free_from = x + 8


def _activation_lane(b: _Builder) -> None:
    mid = b.lane("Fallback")
    for mark in b.data.activations:
        span = mark.span
        x1 = b.scale.x(span.activated_at)
        end = span.deactivated_at
        x2 = b.scale.x(end or b.data.now)
        until = "still active" if end is None else f"until {b.local(end)}"
        b.rects.append(
            Rect(
                _n(x1),
                _n(mid - 8),
                _n(max(x2 - x1, 3)),
                "16",
                "tl-fallback" + (" tl-open" if end is None else ""),
                f"{mark.label} from {b.local(span.activated_at)}, {until}"
                + (f" · {mark.detail}" if mark.detail else ""),
            )
        )
        width = _text_width(mark.label)
        if x2 - x1 > width + 12:
            b.texts.append(Text(_n(x1 + 6), _n(mid + 4), mark.label, "tl-on-bar"))
        elif x2 + 6 + width <= WIDTH - RIGHT_PAD:
            b.texts.append(Text(_n(x2 + 6), _n(mid + 4), mark.label, "tl-event"))
        elif x1 - 6 - width >= LABEL_WIDTH:
            b.texts.append(Text(_n(x1 - 6), _n(mid + 4), mark.label, "tl-event", "end"))


def _ticks(b: _Builder, top: float, bottom: float) -> None:
    start, end = b.scale.start, b.scale.end
    span = end - start
    step = next((s for s in TICK_STEPS if span / s <= MAX_TICKS), TICK_STEPS[-1])
    zone = load_zone(b.data.tz)
    local_start = start.astimezone(zone)
    midnight = local_start.replace(hour=0, minute=0, second=0, microsecond=0)
    offset = (local_start - midnight) // step + 1
    tick = midnight + step * offset
    last_day = None
    while tick < end:
        x = b.scale.x(tick)
        local = tick.astimezone(zone)
        b.lines.append(Line(_n(x), _n(top), _n(x), _n(bottom), "tl-grid"))
        label = local.strftime("%H:%M")
        if step >= timedelta(days=1):
            label = local.strftime("%d %b")
        elif local.date() != last_day:
            label = local.strftime("%d %b %H:%M")
        last_day = local.date()
        b.texts.append(Text(_n(x), _n(bottom + 16), label, "tl-tick", "middle"))
        tick = tick + step


def _markers(b: _Builder, top: float, bottom: float) -> None:
    """The RTO deadline and (while open) now, as vertical lines labelled above the lanes."""
    data = b.data
    deadline = data.started_at + timedelta(minutes=data.rto_minutes)
    if b.scale.start <= deadline <= b.scale.end:
        x = b.scale.x(deadline)
        title = f"RTO deadline ({data.rto_minutes} min) at {b.local(deadline)}"
        b.lines.append(Line(_n(x), _n(top - 16), _n(x), _n(bottom), "tl-rto", title))
        b.texts.append(Text(_n(x + 4), _n(top - 6), f"RTO {data.rto_minutes} min", "tl-rto-label"))
    if data.ended_at is None and b.scale.start <= data.now <= b.scale.end:
        x = b.scale.x(data.now)
        b.lines.append(Line(_n(x), _n(top - 16), _n(x), _n(bottom), "tl-now", "now"))
        b.texts.append(Text(_n(x - 4), _n(top - 6), "now", "tl-now-label", "end"))


def build(data: TimelineInput) -> Timeline:
    start, end = window(data)
    b = _Builder(scale=_Scale(start, end), data=data)
    _outage_lane(b)
    _location_lanes(b)
    _event_lane(b, "Status updates", data.updates, "diamond")
    _activation_lane(b)
    _event_lane(b, "Runbook steps", data.steps, "check")
    bottom = b.y
    _ticks(b, TOP_PAD, bottom)
    _markers(b, TOP_PAD, bottom)
    return Timeline(
        width=WIDTH,
        height=int(bottom + AXIS_HEIGHT),
        lanes=tuple(b.lanes),
        rects=tuple(b.rects),
        dots=tuple(b.dots),
        texts=tuple(b.texts),
        lines=tuple(b.lines),
        stripes=tuple(b.stripes),
    )
