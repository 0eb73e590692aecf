"""Unit tests for incidents.derivation: pure functions, no database, no Django."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone
from itertools import groupby

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from incidents.derivation import (
    Derivation,
    Observation,
    Outcome,
    ProbeSpec,
    Span,
    State,
    derive_workflow,
    location_timeline,
    probe_timeline,
    stale_after,
    workflow_timeline,
)

# --- builders ----------------------------------------------------------------------------------

BASE = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
LOCATION_ID_BASE = {"a": 1000, "b": 2000, "c": 3000, "z": 9000}
CODES = {".": Outcome.UP, "~": Outcome.DEGRADED, "X": Outcome.DOWN}

UP, DEGRADED, DOWN, NO_DATA = State.UP, State.DEGRADED, State.DOWN, State.NO_DATA


def at(minute: float) -> datetime:
    return BASE + timedelta(minutes=minute)


def minute_of(moment: datetime | None) -> float | None:
    if moment is None:
        return None
    value = (moment - BASE) / timedelta(minutes=1)
    return int(value) if value == int(value) else value


def rid(location: str, minute: int) -> int:
    """Result ids used by `series`: location base + minute, e.g. a@2 -> 1002."""
    return LOCATION_ID_BASE[location] + minute


def obs(
    location: str,
    minute: float,
    outcome: Outcome | str,
    latency: int | None = None,
    result_id: int | None = None,
) -> Observation:
    return Observation(result_id, location, at(minute), Outcome(outcome), latency)


def series(location: str, pattern: str, start: int = 0) -> list[Observation]:
    """One result a minute from `start`: '.' up, '~' degraded, 'X' down, '-' no result."""
    return [
        obs(location, start + offset, CODES[code], result_id=rid(location, start + offset))
        for offset, code in enumerate(pattern)
        if code != "-"
    ]


def spec(
    locations: tuple[str, ...] = ("a",),
    *,
    quorum: int = 1,
    ft: int = 2,
    rt: int = 1,
    interval: int = 60,
    latency: int | None = None,
    probe_id: int = 1,
) -> ProbeSpec:
    return ProbeSpec(
        probe_id=probe_id,
        locations=locations,
        interval_seconds=interval,
        quorum=quorum,
        failure_threshold=ft,
        recovery_threshold=rt,
        degraded_latency_ms=latency,
    )


def derive(*probes: tuple[ProbeSpec, list[Observation]], until: int, since: int = 0) -> Derivation:
    return derive_workflow(list(probes), since=at(since), until=at(until))


def windows(spans: list[Span] | tuple[Span, ...]) -> list[tuple]:
    return [(minute_of(s.start), minute_of(s.end), s.state) for s in spans]


def episodes(derivation: Derivation) -> list[tuple]:
    return [
        (minute_of(e.started_at), minute_of(e.ended_at), e.severity) for e in derivation.episodes
    ]


def loc_windows(probe: ProbeSpec, location: str, observations: list, until: int, since: int = 0):
    return windows(
        location_timeline(probe, location, observations, since=at(since), until=at(until))
    )


def probe_windows(probe: ProbeSpec, observations: list, until: int, since: int = 0):
    return windows(probe_timeline(probe, observations, since=at(since), until=at(until)))


# --- thresholds --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "ft", "rt", "expected"),
    [
        pytest.param("..X...", 2, 1, [], id="single-down-below-threshold"),
        pytest.param(".....X", 2, 1, [], id="single-down-at-the-end"),
        pytest.param("..XX..", 2, 1, [(2, 4, DOWN)], id="threshold-2-starts-at-first-down"),
        pytest.param("..XX..", 3, 1, [], id="threshold-3-not-reached"),
        pytest.param("..XXX..", 3, 1, [(2, 5, DOWN)], id="threshold-3-reached"),
        pytest.param("..X...", 1, 1, [(2, 3, DOWN)], id="threshold-1"),
        pytest.param("..XX.X..", 2, 1, [(2, 4, DOWN)], id="recovery-1-ends-at-first-up"),
        pytest.param("..XX.X...", 2, 2, [(2, 6, DOWN)], id="recovery-2-interrupted"),
        pytest.param("..XX..X..", 2, 2, [(2, 4, DOWN)], id="recovery-2-ends-at-first-of-run"),
        pytest.param("..XX.XX..", 2, 1, [(2, 4, DOWN), (5, 7, DOWN)], id="two-episodes"),
        pytest.param("...XX", 2, 1, [(3, None, DOWN)], id="open-at-until"),
        pytest.param("..XX.", 2, 2, [(2, None, DOWN)], id="recovery-run-pending-at-until"),
        pytest.param("..XX~...", 2, 1, [(2, 5, DOWN)], id="down-then-degraded-then-up"),
    ],
)
def test_thresholds_single_location(pattern, ft, rt, expected):
    probe = spec(ft=ft, rt=rt)
    derivation = derive((probe, series("a", pattern)), until=len(pattern))
    assert episodes(derivation) == expected
    assert derivation.no_data == ()


def test_location_timeline_failing_then_degraded_then_up():
    assert loc_windows(spec(), "a", series("a", "..XX~..."), until=8) == [
        (0, 2, UP),
        (2, 4, DOWN),
        (4, 5, DEGRADED),
        (5, None, UP),
    ]


# --- quorum ------------------------------------------------------------------------------------

QUORUM_PROBE = spec(("a", "b", "c"), quorum=2)


def test_quorum_one_failing_location_is_no_episode():
    observations = series("a", "..XXXXXX....") + series("b", "." * 12) + series("c", "." * 12)
    derivation = derive((QUORUM_PROBE, observations), until=12)
    assert derivation.episodes == ()
    assert probe_windows(QUORUM_PROBE, observations, until=12) == [(0, None, UP)]


def test_quorum_two_of_three_from_second_failing_until_fewer_than_two():
    observations = series("a", "..XXXXXX....") + series("b", "....XXX.....") + series("c", "." * 12)
    assert probe_windows(QUORUM_PROBE, observations, until=12) == [
        (0, 4, UP),
        (4, 7, DOWN),
        (7, None, UP),
    ]
    (episode,) = derive((QUORUM_PROBE, observations), until=12).episodes
    assert (minute_of(episode.started_at), minute_of(episode.ended_at)) == (4, 7)
    assert episode.severity is Outcome.DOWN
    assert episode.probe_ids == frozenset({1})
    # Both failing locations' onsets, although `a` started failing before the episode.
    assert episode.opening_result_ids == (rid("a", 2), rid("b", 4))
    # Only `b` recovered at 7; `a` is still down.
    assert episode.closing_result_ids == (rid("b", 7),)


# --- degraded and latency ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("patterns", "quorum", "expected"),
    [
        pytest.param({"a": "..~~.."}, 1, [(2, 4, Outcome.DEGRADED)], id="degraded-run"),
        pytest.param({"a": "..~..."}, 1, [], id="single-degraded"),
        pytest.param(
            {"a": ".~X..."}, 1, [(1, 3, Outcome.DEGRADED)], id="degraded+down-is-impaired"
        ),
        pytest.param({"a": "..~~XX~~.."}, 1, [(2, 8, Outcome.DOWN)], id="mixed-is-down"),
        pytest.param(
            {"a": "..XX..", "b": "..~~..", "c": "......"},
            2,
            [(2, 4, Outcome.DEGRADED)],
            id="down-plus-degraded-quorum-2-is-degraded",
        ),
        pytest.param(
            {"a": "..XX..", "b": "..XX..", "c": "..~~.."},
            2,
            [(2, 4, Outcome.DOWN)],
            id="two-down-quorum-2-is-down",
        ),
    ],
)
def test_degraded_episodes(patterns, quorum, expected):
    probe = spec(("a", "b", "c"), quorum=quorum)
    observations = [o for location, p in patterns.items() for o in series(location, p)]
    until = len(next(iter(patterns.values())))
    assert episodes(derive((probe, observations), until=until)) == expected


def test_mixed_episode_alternates_degraded_and_down_in_one_episode():
    probe = spec()
    observations = series("a", "..~~XX~~..")
    assert probe_windows(probe, observations, until=10) == [
        (0, 2, UP),
        (2, 4, DEGRADED),
        (4, 6, DOWN),
        (6, 8, DEGRADED),
        (8, None, UP),
    ]
    (episode,) = derive((probe, observations), until=10).episodes
    assert episode.opening_result_ids == (rid("a", 2),)
    assert episode.closing_result_ids == (rid("a", 8),)


def test_down_plus_degraded_evidence_lists_both_locations():
    probe = spec(("a", "b", "c"), quorum=2)
    observations = series("a", "..XX..") + series("b", "..~~..") + series("c", "......")
    (episode,) = derive((probe, observations), until=6).episodes
    assert episode.opening_result_ids == (rid("a", 2), rid("b", 2))
    assert episode.closing_result_ids == (rid("a", 4), rid("b", 4))


@pytest.mark.parametrize(
    ("threshold", "latencies", "expected"),
    [
        pytest.param(500, (800, 800), [(2, 4, Outcome.DEGRADED)], id="over-threshold"),
        pytest.param(500, (500, 500), [], id="at-threshold"),
        pytest.param(500, (None, None), [], id="no-latency"),
        pytest.param(500, (800, 200), [], id="run-broken"),
        pytest.param(None, (800, 800), [], id="no-threshold-configured"),
    ],
)
def test_latency_over_threshold_counts_as_degraded(threshold, latencies, expected):
    probe = spec(latency=threshold)
    slow = [
        obs("a", 2 + i, Outcome.UP, latency, result_id=10 + i)
        for i, latency in enumerate(latencies)
    ]
    observations = [obs("a", m, Outcome.UP, 100, result_id=m) for m in (0, 1, 4, 5)] + slow
    assert episodes(derive((probe, observations), until=6)) == expected


def test_latency_on_down_result_is_still_down():
    probe = spec(latency=500)
    observations = series("a", "..") + [obs("a", 2, "down", 900, 1), obs("a", 3, "down", 900, 2)]
    assert episodes(derive((probe, observations + series("a", ".", 4)), until=5)) == [
        (2, 4, Outcome.DOWN)
    ]


# --- staleness ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("observations", "interval", "until", "expected"),
    [
        pytest.param(
            series("a", "...----..."),
            60,
            10,
            [(0, 5, UP), (5, 7, NO_DATA), (7, None, UP)],
            id="gap-over-3-intervals",
        ),
        pytest.param(series("a", "...--..."), 60, 8, [(0, None, UP)], id="gap-exactly-3-intervals"),
        pytest.param(
            series("a", "...") + [obs("a", 5.5, "up")] + series("a", "..", 6),
            60,
            8,
            [(0, 5, UP), (5, 5.5, NO_DATA), (5.5, None, UP)],
            id="gap-just-over-3-intervals",
        ),
        pytest.param(
            series("a", "...-----..."),
            120,
            11,
            [(0, None, UP)],
            id="longer-interval-gap-6-not-stale",
        ),
        pytest.param(
            series("a", "...------..."),
            120,
            12,
            [(0, 8, UP), (8, 9, NO_DATA), (9, None, UP)],
            id="longer-interval-gap-7-stale",
        ),
        pytest.param(
            series("a", "----..."), 60, 7, [(0, 4, NO_DATA), (4, None, UP)], id="before-first"
        ),
        pytest.param(series("a", "...."), 60, 10, [(0, 6, UP), (6, None, NO_DATA)], id="trailing"),
        pytest.param(
            [obs("a", -1, "up")] + series("a", "-.."), 60, 3, [(0, None, UP)], id="context-fresh"
        ),
        pytest.param(
            [obs("a", -5, "up")] + series("a", "---.."),
            60,
            5,
            [(0, 3, NO_DATA), (3, None, UP)],
            id="context-stale",
        ),
        pytest.param([], 60, 5, [(0, None, NO_DATA)], id="no-results"),
        pytest.param(
            series("a", "X--------X.."),
            60,
            12,
            [(0, 3, DOWN), (3, 9, NO_DATA), (9, 10, DOWN), (10, None, UP)],
            id="run-confirmed-across-gap",
        ),
        pytest.param(
            series("a", "XX-------.."),
            60,
            11,
            [(0, 4, DOWN), (4, 9, NO_DATA), (9, None, UP)],
            id="failing-masked-by-gap",
        ),
    ],
)
def test_location_staleness(observations, interval, until, expected):
    assert loc_windows(spec(interval=interval), "a", observations, until=until) == expected


def test_all_locations_stale_gives_probe_and_workflow_no_data():
    probe = spec(("a", "b"))
    observations = series("a", "--...") + series("b", "--..")
    assert probe_windows(probe, observations, until=12) == [
        (0, 2, NO_DATA),
        (2, 7, UP),
        (7, None, NO_DATA),
    ]
    derivation = derive((probe, observations), until=12)
    assert derivation.episodes == ()
    assert windows(derivation.no_data) == [(0, 2, NO_DATA), (7, None, NO_DATA)]


def test_one_stale_location_is_not_no_data_for_the_probe():
    probe = spec(("a", "b"))
    observations = series("a", "." * 12) + series("b", "..")
    assert probe_windows(probe, observations, until=12) == [(0, None, UP)]


def test_failing_location_going_stale_ends_episode_by_no_data():
    derivation = derive((spec(), series("a", "..XX")), until=12)
    (episode,) = derivation.episodes
    assert (minute_of(episode.started_at), minute_of(episode.ended_at)) == (2, 6)
    assert episode.closing_result_ids == ()
    assert windows(derivation.no_data) == [(6, None, NO_DATA)]


def test_stale_location_does_not_count_toward_quorum():
    probe = spec(("a", "b"), quorum=2)
    observations = series("a", "..XXXXXXXXXX") + series("b", "..XX")
    assert probe_windows(probe, observations, until=12) == [(0, 2, UP), (2, 6, DOWN), (6, None, UP)]
    (episode,) = derive((probe, observations), until=12).episodes
    # b's last result at 3, stale from 3 + 3 intervals; nothing recovered at 6.
    assert (minute_of(episode.started_at), minute_of(episode.ended_at)) == (2, 6)
    assert episode.opening_result_ids == (rid("a", 2), rid("b", 2))
    assert episode.closing_result_ids == ()


# --- several probes per workflow ---------------------------------------------------------------


def test_several_probes_worst_wins():
    p1, p2 = spec(("a",), probe_id=1), spec(("b",), probe_id=2)
    derivation = derive((p1, series("a", "..XX.....")), (p2, series("b", "...~~~...")), until=9)
    (episode,) = derivation.episodes
    assert (minute_of(episode.started_at), minute_of(episode.ended_at)) == (2, 6)
    assert episode.severity is Outcome.DOWN
    assert episode.probe_ids == frozenset({1, 2})
    assert episode.opening_result_ids == (rid("a", 2),)  # p2 was still up at 2
    assert episode.closing_result_ids == (rid("b", 6),)  # p1 was already up before 6


def test_workflow_is_no_data_only_when_all_probes_are():
    p1, p2 = spec(("a",), probe_id=1), spec(("b",), probe_id=2)
    assert derive((p1, series("a", "." * 8)), (p2, []), until=8).no_data == ()
    assert windows(derive((p1, []), (p2, []), until=8).no_data) == [(0, None, NO_DATA)]
    assert windows(derive(until=8).no_data) == [(0, None, NO_DATA)]


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        (DOWN, DEGRADED, [(0, 2, UP), (2, None, DOWN)]),
        (DEGRADED, DOWN, [(0, 2, UP), (2, None, DOWN)]),
        (DEGRADED, UP, [(0, 2, UP), (2, None, DEGRADED)]),
        (UP, NO_DATA, [(0, None, UP)]),
        (NO_DATA, DEGRADED, [(0, 2, UP), (2, None, DEGRADED)]),
        (NO_DATA, NO_DATA, [(0, 2, UP), (2, None, NO_DATA)]),
    ],
)
def test_workflow_timeline_worst_state_wins(first, second, expected):
    timelines = [
        [Span(at(0), at(2), UP), Span(at(2), None, first)],
        [Span(at(0), at(2), UP), Span(at(2), at(5), second)],  # end=until is accepted too
    ]
    assert windows(workflow_timeline(timelines, since=at(0), until=at(5))) == expected


def test_workflow_timeline_merges_adjacent_spans_and_clips_to_window():
    timelines = [
        [Span(at(-5), at(1), DOWN), Span(at(1), at(3), DEGRADED), Span(at(3), None, UP)],
        [Span(at(-5), at(2), DOWN), Span(at(2), None, UP)],
    ]
    result = workflow_timeline(timelines, since=at(0), until=at(6))
    assert windows(result) == [(0, 2, DOWN), (2, 3, DEGRADED), (3, None, UP)]


# --- open episodes and evidence ----------------------------------------------------------------


def test_evidence_only_from_non_up_probes_and_locations():
    p1 = spec(("a",), probe_id=1)
    p2 = spec(("b", "c"), quorum=2, probe_id=2)
    # b fails from 1 to 6 but p2 stays up (below quorum); p1 is down from 2 to 6.
    observations2 = series("b", ".XXXXX..") + series("c", "........")
    (episode,) = derive((p1, series("a", "..XXXX..")), (p2, observations2), until=8).episodes
    assert episode.probe_ids == frozenset({1})
    assert episode.opening_result_ids == (rid("a", 2),)
    assert episode.closing_result_ids == (rid("a", 6),)


def test_closing_evidence_skips_location_returning_from_stale():
    # b fails from 0, is stale (masked) from 4 and comes back up at 6, when a recovers too.
    probe = spec(("a", "b"))
    observations = series("a", "..XXXX..") + series("b", "XX----..")
    (episode,) = derive((probe, observations), until=8).episodes
    assert (minute_of(episode.started_at), minute_of(episode.ended_at)) == (0, 6)
    assert episode.opening_result_ids == (rid("b", 0),)
    assert episode.closing_result_ids == (rid("a", 6),)


def test_open_episode_at_until():
    (episode,) = derive((spec(), series("a", "...XXX")), until=6).episodes
    assert episode.ended_at is None
    assert episode.opening_result_ids == (rid("a", 3),)
    assert episode.closing_result_ids == ()


def test_closing_evidence_is_first_result_of_recovery_run():
    (episode,) = derive((spec(rt=2), series("a", "..XX....")), until=8).episodes
    assert minute_of(episode.ended_at) == 4
    assert episode.closing_result_ids == (rid("a", 4),)


def test_none_result_ids_are_skipped():
    observations = [obs("a", m, CODES[code]) for m, code in enumerate("..XX..")]
    (episode,) = derive((spec(), observations), until=6).episodes
    assert episode.opening_result_ids == ()
    assert episode.closing_result_ids == ()


def test_episode_in_progress_at_since_is_clipped_with_onset_from_context():
    observations = series("a", "XX", start=-2) + series("a", "X..")
    (episode,) = derive((spec(), observations), since=0, until=3).episodes
    assert (minute_of(episode.started_at), minute_of(episode.ended_at)) == (0, 1)
    assert episode.opening_result_ids == (rid("a", -2),)
    assert episode.closing_result_ids == (rid("a", 1),)


# --- inputs that are ignored -------------------------------------------------------------------


def test_unknown_locations_are_ignored():
    observations = series("a", "......") + series("z", "XXXXXX")
    assert derive((spec(), observations), until=6).episodes == ()


def test_results_at_or_after_until_are_ignored():
    observations = series("a", "....X") + [obs("a", 5, "down", result_id=1), obs("a", 9, "down")]
    assert derive((spec(), observations), until=5).episodes == ()
    assert episodes(derive((spec(), observations), until=6)) == [(4, None, Outcome.DOWN)]


def test_exact_duplicate_observations_count_once():
    observations = series("a", "..X...")
    assert derive((spec(), observations + observations), until=6).episodes == ()


# --- determinism -------------------------------------------------------------------------------


def _busy_workflow() -> list[tuple[ProbeSpec, list[Observation]]]:
    p1 = spec(("a", "b", "c"), quorum=2, rt=2, latency=500, probe_id=1)
    p2 = spec(("a", "b"), probe_id=2)
    o1 = (
        series("a", ".XX~~..XXX...--X....")
        + series("b", "..XXX~~.X.X......---")
        + series("c", "~~..XX-----.XX..~~..")
        + [obs("a", 3, "up", 900, 77), obs("b", 3, "degraded", result_id=78)]
    )
    o2 = series("a", "...XX....----XX~~...") + series("b", "..~~.XX..........XX.")
    return [(p1, o1), (p2, o2)]


def test_out_of_order_arrival_gives_same_derivation():
    workflow = _busy_workflow()
    expected = derive_workflow(workflow, since=at(0), until=at(20))
    assert expected.episodes  # the scenario is not trivial
    for seed in range(20):
        rng = random.Random(seed)
        shuffled = [(p, rng.sample(o, len(o))) for p, o in workflow]
        rng.shuffle(shuffled)
        assert derive_workflow(shuffled, since=at(0), until=at(20)) == expected


def test_deriving_twice_is_identical():
    workflow = _busy_workflow()
    first = derive_workflow(workflow, since=at(0), until=at(20))
    assert derive_workflow(workflow, since=at(0), until=at(20)) == first


def test_ties_at_the_same_instant_are_broken_deterministically():
    same_instant = [obs("a", 2, "down", result_id=5), obs("a", 2, "up", result_id=6)]
    observations = series("a", "..-X..") + same_instant
    results = {
        derive((spec(), order), until=6) for order in (observations, list(reversed(observations)))
    }
    assert len(results) == 1


def test_same_instant_same_outcome_evidence_is_the_lowest_result_id():
    twins = [obs("a", 2, "down", result_id=7), obs("a", 2, "down", result_id=5)]
    for order in (twins, list(reversed(twins))):
        (episode,) = derive((spec(), series("a", "..-X..") + order), until=6).episodes
        assert episode.opening_result_ids == (5,)


def test_string_outcomes_and_other_timezones_are_equivalent():
    plus_two = timezone(timedelta(hours=2))
    observations = series("a", "..XX..")
    as_strings = [
        Observation(o.result_id, o.location, o.observed_at.astimezone(plus_two), o.outcome.value)
        for o in observations
    ]
    window = {"since": at(0).astimezone(plus_two), "until": at(6).astimezone(plus_two)}
    assert derive_workflow([(spec(), as_strings)], **window) == derive(
        (spec(), observations), until=6
    )


# --- validation --------------------------------------------------------------------------------


def test_naive_datetimes_are_rejected():
    with pytest.raises(ValueError):
        Observation(1, "a", datetime(2024, 3, 1), Outcome.UP)
    with pytest.raises(ValueError):
        derive_workflow([], since=datetime(2024, 3, 1), until=at(1))


def test_window_must_not_be_reversed_and_may_be_empty():
    with pytest.raises(ValueError):
        derive_workflow([], since=at(1), until=at(0))
    assert derive((spec(), series("a", "XXX")), since=2, until=2) == Derivation((), ())
    assert probe_timeline(spec(), [], since=at(1), until=at(1)) == []


def test_location_timeline_rejects_unknown_location():
    with pytest.raises(ValueError):
        location_timeline(spec(), "z", [], since=at(0), until=at(1))


@pytest.mark.parametrize(
    "kwargs",
    [{"interval": 0}, {"quorum": 0}, {"ft": 0}, {"rt": 0}],
)
def test_invalid_probe_spec(kwargs):
    with pytest.raises(ValueError):
        spec(**kwargs)


# --- properties --------------------------------------------------------------------------------

LOCATIONS = ("a", "b", "c")
UNTIL_MINUTES = 30


@st.composite
def probe_specs(draw, probe_id: int) -> ProbeSpec:
    locations = tuple(
        draw(st.lists(st.sampled_from(LOCATIONS), min_size=1, max_size=3, unique=True))
    )
    return ProbeSpec(
        probe_id=probe_id,
        locations=locations,
        interval_seconds=draw(st.sampled_from([60, 120])),
        quorum=draw(st.integers(1, len(locations))),
        failure_threshold=draw(st.integers(1, 3)),
        recovery_threshold=draw(st.integers(1, 3)),
        degraded_latency_ms=draw(st.sampled_from([None, 500])),
    )


@st.composite
def workflows(draw, *, one_result_per_minute: bool = False):
    """1-2 probes with random results on a minute grid, some before `since`, some after `until`.

    With `one_result_per_minute`, a location has at most one result per minute, so the
    per-minute oracle needs no tie-breaking rule.
    """
    next_id = iter(range(1, 10_000))
    probes = []
    for probe_id in range(1, draw(st.integers(1, 2)) + 1):
        probe = draw(probe_specs(probe_id))
        slot = st.tuples(st.sampled_from(LOCATIONS), st.integers(-8, UNTIL_MINUTES + 2))
        slots = draw(st.lists(slot, max_size=40, unique=one_result_per_minute))
        observations = [
            Observation(
                result_id=next(next_id) if draw(st.booleans()) or one_result_per_minute else None,
                location=location,
                observed_at=at(minute),
                outcome=draw(st.sampled_from(Outcome)),
                latency_ms=draw(st.sampled_from([None, 100, 900])),
            )
            for location, minute in slots
        ]
        probes.append((probe, observations))
    until = draw(st.integers(1, UNTIL_MINUTES))
    return probes, until


PROPERTY_SETTINGS = settings(max_examples=150, deadline=None)


@PROPERTY_SETTINGS
@given(data=st.data())
def test_property_input_order_does_not_matter(data):
    probes, until = data.draw(workflows())
    expected = derive_workflow(probes, since=at(0), until=at(until))
    shuffled = [(p, data.draw(st.permutations(o))) for p, o in data.draw(st.permutations(probes))]
    assert derive_workflow(shuffled, since=at(0), until=at(until)) == expected
    assert derive_workflow(probes, since=at(0), until=at(until)) == expected


def _assert_tiles(spans: list[Span], since: datetime, until: datetime) -> None:
    assert spans, "a non-empty window is always covered"
    assert spans[0].start == since
    assert spans[-1].end is None
    for previous, current in zip(spans, spans[1:], strict=False):
        assert previous.end == current.start
        assert previous.start < previous.end
        assert previous.state != current.state
    assert spans[-1].start < until


@PROPERTY_SETTINGS
@given(workflows())
def test_property_timelines_tile_the_window(scenario):
    probes, until = scenario
    since, until_at = at(0), at(until)
    probe_timelines = []
    for probe, observations in probes:
        for location in probe.locations:
            located = location_timeline(probe, location, observations, since=since, until=until_at)
            _assert_tiles(located, since, until_at)
        timeline = probe_timeline(probe, observations, since=since, until=until_at)
        _assert_tiles(timeline, since, until_at)
        probe_timelines.append(timeline)
    _assert_tiles(workflow_timeline(probe_timelines, since=since, until=until_at), since, until_at)


@PROPERTY_SETTINGS
@given(workflows())
def test_property_episodes_are_ordered_disjoint_and_avoid_no_data(scenario):
    probes, until = scenario
    since, until_at = at(0), at(until)
    derivation = derive_workflow(probes, since=since, until=until_at)
    bounds = [(e.started_at, e.ended_at or until_at) for e in derivation.episodes]
    for start, end in bounds:
        assert since <= start < end <= until_at
    for (_, previous_end), (next_start, _) in zip(bounds, bounds[1:], strict=False):
        assert previous_end <= next_start
    for episode in derivation.episodes[:-1]:
        assert episode.ended_at is not None
    for span in derivation.no_data:
        assert span.state is NO_DATA
        span_end = span.end or until_at
        for start, end in bounds:
            assert span_end <= start or end <= span.start
    _assert_evidence_is_plausible(probes, derivation)


def _assert_evidence_is_plausible(probes, derivation: Derivation) -> None:
    seen = {o.result_id: o for _, observations in probes for o in observations}
    all_probe_ids = {probe.probe_id for probe, _ in probes}
    for episode in derivation.episodes:
        assert episode.probe_ids and episode.probe_ids <= all_probe_ids
        assert list(episode.opening_result_ids) == sorted(set(episode.opening_result_ids))
        assert list(episode.closing_result_ids) == sorted(set(episode.closing_result_ids))
        for result_id in episode.opening_result_ids:
            assert seen[result_id].observed_at <= episode.started_at
        for result_id in episode.closing_result_ids:
            assert seen[result_id].observed_at == episode.ended_at


# A per-minute oracle, written straight from the product rules, to compare against.


def _oracle_machine(results, signal, probe: ProbeSpec, minute: int) -> bool:
    """State = value of the last maximal run reaching its threshold that began by `minute`."""
    active = False
    for value, group in groupby(results, key=signal):
        run = list(group)
        needed = probe.failure_threshold if value else probe.recovery_threshold
        if len(run) >= needed and minute_of(run[0].observed_at) <= minute:
            active = value
    return active


def _oracle_stale(times: list[int], probe: ProbeSpec, minute: int) -> bool:
    limit = stale_after(probe.interval_seconds) / timedelta(minutes=1)
    if not times or minute < times[0] or minute >= times[-1] + limit:
        return True
    return any(
        b - a > limit and a + limit <= minute < b for a, b in zip(times, times[1:], strict=False)
    )


def _oracle_location(probe: ProbeSpec, results: list[Observation], minute: int) -> State:
    times = [minute_of(o.observed_at) for o in results]
    if _oracle_stale(times, probe, minute):
        return NO_DATA
    if _oracle_machine(results, lambda o: o.outcome == "down", probe, minute):
        return DOWN
    limit = probe.degraded_latency_ms

    def impaired(o: Observation) -> bool:
        slow = limit is not None and o.latency_ms is not None and o.latency_ms > limit
        return o.outcome != "up" or slow

    return DEGRADED if _oracle_machine(results, impaired, probe, minute) else UP


def _oracle_workflow_states(probes, until: int) -> list[State]:
    states = []
    for minute in range(until):
        probe_states = []
        for probe, observations in probes:
            located = [
                _oracle_location(
                    probe,
                    sorted(
                        (
                            o
                            for o in observations
                            if o.location == loc and minute_of(o.observed_at) < until
                        ),
                        key=lambda o: o.observed_at,
                    ),
                    minute,
                )
                for loc in probe.locations
            ]
            failing = located.count(DOWN)
            impaired = failing + located.count(DEGRADED)
            if failing >= probe.quorum:
                probe_states.append(DOWN)
            elif impaired >= probe.quorum:
                probe_states.append(DEGRADED)
            elif all(s is NO_DATA for s in located):
                probe_states.append(NO_DATA)
            else:
                probe_states.append(UP)
        order = [NO_DATA, UP, DEGRADED, DOWN]
        states.append(max(probe_states, key=order.index, default=NO_DATA))
    return states


def _oracle_episodes(states: list[State]) -> list[tuple]:
    found, minute = [], 0
    for non_up, group in groupby(states, key=lambda s: s in (DOWN, DEGRADED)):
        run = list(group)
        if non_up:
            end = minute + len(run)
            severity = Outcome.DOWN if DOWN in run else Outcome.DEGRADED
            found.append((minute, None if end == len(states) else end, severity))
        minute += len(run)
    return found


def _state_at(spans: list[Span], moment: datetime) -> State:
    (state,) = [s.state for s in spans if s.start <= moment and (s.end is None or moment < s.end)]
    return state


@settings(max_examples=200, deadline=None)
@given(workflows(one_result_per_minute=True))
def test_property_matches_per_minute_oracle(scenario):
    probes, until = scenario
    since, until_at = at(0), at(until)
    timelines = [probe_timeline(p, o, since=since, until=until_at) for p, o in probes]
    workflow = workflow_timeline(timelines, since=since, until=until_at)
    expected_states = _oracle_workflow_states(probes, until)
    assert [_state_at(workflow, at(minute)) for minute in range(until)] == expected_states
    derivation = derive_workflow(probes, since=since, until=until_at)
    assert episodes(derivation) == _oracle_episodes(expected_states)
