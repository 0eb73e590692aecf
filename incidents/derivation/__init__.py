"""Derive outage episodes of a workflow from raw probe results.

Pure functions over frozen dataclasses (no Django, no I/O), in four layers:

    observations --(per-location state machines)--> location timeline
    location timelines --(quorum)-----------------> probe timeline
    probe timelines --(worst state wins)----------> workflow timeline
    workflow timeline ----------------------------> episodes + evidence

Conventions shared by every function here:

* A timeline covers ``[since, until)`` exactly with half-open spans, sorted, adjacent spans never
  share a state, and the **last span always has ``end=None``** ("still so at ``until``"). An
  empty window (``since == until``) gives an empty timeline.
* Datetimes must be timezone-aware; they are normalised to UTC, so every datetime returned is UTC.
* Results before ``since`` feed the state machines (and staleness) as context; results at or
  after ``until`` are ignored. Exact duplicate observations are counted once.
* State changes are *backdated*: a run of results that reaches its threshold changes the state
  from the ``observed_at`` of the run's first result. A run still below its threshold at
  ``until`` changes nothing yet, so deriving again with a later ``until`` may revise the tail.
"""

from incidents.derivation.locations import (
    location_timeline,
)
from incidents.derivation.model import (
    NON_UP,
    STALE_AFTER_INTERVALS,
    Derivation,
    Episode,
    Observation,
    Outcome,
    ProbeSpec,
    Span,
    State,
    is_impaired,
    stale_after,
)
from incidents.derivation.workflows import (
    derive_workflow,
    probe_timeline,
    workflow_timeline,
)

__all__ = [
    "Derivation",
    "Episode",
    "NON_UP",
    "Observation",
    "Outcome",
    "ProbeSpec",
    "STALE_AFTER_INTERVALS",
    "Span",
    "State",
    "derive_workflow",
    "is_impaired",
    "location_timeline",
    "probe_timeline",
    "stale_after",
    "workflow_timeline",
]
