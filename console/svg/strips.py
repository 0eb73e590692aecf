"""The 90-day strip of the workflow and status pages: per-day figures in, SVG geometry out.
Pure, no Django."""

from collections.abc import Sequence
from dataclasses import dataclass

from console.pages.daily import DAYS, DayFigures


@dataclass(frozen=True)
class Bar:
    x: str
    width: str
    state: str
    title: str


@dataclass(frozen=True)
class Strip:
    width: int
    height: int
    bars: tuple[Bar, ...]
    first_label: str
    last_label: str


def strip(
    days: Sequence[DayFigures], *, slots: int = DAYS, width: int = 900, height: int = 34
) -> Strip:
    """SVG geometry: ``slots`` equal bars, the last at the right edge (today)."""
    gap = 2
    bar_width = (width - gap * (slots - 1)) / slots
    shown = list(days)[-slots:]
    offset = slots - len(shown)
    bars = tuple(
        Bar(
            x=f"{(offset + i) * (bar_width + gap):.2f}",
            width=f"{bar_width:.2f}",
            state=item.state,
            title=item.title,
        )
        for i, item in enumerate(shown)
    )
    first = shown[0].day.strftime("%d %b") if shown else ""
    return Strip(width, height, bars, first_label=first, last_label="today")
