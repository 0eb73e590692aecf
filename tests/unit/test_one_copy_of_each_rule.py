"""Each rule is written once: a second copy anywhere in the project's source fails here."""

import ast
import os
import re
from datetime import timedelta
from pathlib import Path

from incidents.derivation import STALE_AFTER_INTERVALS, ProbeSpec, stale_after

ROOT = Path(__file__).resolve().parents[2]
SKIPPED_DIRS = {"var", "node_modules", "build", "dist", "__pycache__"}
HARD_CODED_STALENESS = re.compile(r"\b3\s*\*\s*[\w.]*interval|interval[\w.]*\s*\*\s*3\b")
PRECEDENCE_CALLS = {"max", "min", "sorted", "heappush", "nlargest", "nsmallest"}


def sources(*, tests: bool = True) -> dict[str, str]:
    """Every .py file of the project but this one (its patterns would match themselves)."""
    found = {}
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if not d.startswith(".") and d not in SKIPPED_DIRS]
        for name in files:
            path = Path(folder, name)
            relative = path.relative_to(ROOT).as_posix()
            if path == Path(__file__).resolve() or not name.endswith(".py"):
                continue
            if tests or not relative.startswith("tests/"):
                found[relative] = path.read_text(encoding="utf-8")
    return found


def trees(**kwargs: bool) -> dict[str, ast.Module]:
    return {path: ast.parse(text, path) for path, text in sources(**kwargs).items()}


def mentions(node: ast.AST, name: str) -> bool:
    """``name`` appears in ``node`` as a variable or an attribute."""
    return any(
        (isinstance(n, ast.Attribute) and n.attr == name)
        or (isinstance(n, ast.Name) and n.id == name)
        for n in ast.walk(node)
    )


def test_the_scan_sees_the_project():
    found = sources()
    expected = {"incidents/derivation/model.py", "reports/fallbacks.py", "reports/sla.py"}
    assert expected <= found.keys()
    assert not any(path.startswith(".venv/") for path in found)


# --- staleness


def test_a_location_goes_stale_after_three_intervals():
    """SPEC §3: no result for more than three intervals."""
    assert STALE_AFTER_INTERVALS == 3
    assert stale_after(60) == timedelta(minutes=3)
    spec = ProbeSpec(probe_id=1, locations=("eu",), interval_seconds=45, quorum=1)
    assert spec.stale_after == stale_after(45) == timedelta(seconds=135)


def test_the_staleness_factor_is_applied_in_one_place():
    hard_coded, applied = [], []
    for path, text in sources().items():
        for number, line in enumerate(text.splitlines(), 1):
            if HARD_CODED_STALENESS.search(line):
                hard_coded.append(f"{path}:{number}: {line.strip()}")
            if re.search(r"\*\s*STALE_AFTER_INTERVALS|STALE_AFTER_INTERVALS\s*\*", line):
                applied.append(path)
    assert hard_coded == [], "use incidents.derivation.stale_after(interval_seconds)"
    assert applied == ["incidents/derivation/model.py"]


# --- fallback precedence


def span_types() -> list[str]:
    """Classes that describe a fallback over time: an effectiveness with a datetime beside it,
    or a name like ActivationSpan / FallbackSpan."""
    found = []
    for path, tree in trees().items():
        for cls in (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)):
            fields = [s for s in cls.body if isinstance(s, ast.AnnAssign)]
            timed = any(mentions(f.annotation, "datetime") for f in fields)
            with_pct = any(mentions(f.target, "effectiveness_pct") for f in fields)
            named = re.fullmatch(r"\w*(Activation|Fallback)\w*Span", cls.name)
            if (timed and with_pct) or named:
                found.append(f"{path}:{cls.name}")
    return found


def test_one_span_type_describes_a_fallback_over_time():
    assert span_types() == ["reports/fallbacks.py:FallbackSpan"]


def ranks_by_effectiveness(node: ast.AST) -> bool:
    """A max/min/sort/heap call over effectiveness: deciding which fallback wins."""
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    return name in PRECEDENCE_CALLS and mentions(node, "effectiveness_pct")


def test_only_the_fallbacks_module_ranks_fallbacks_by_effectiveness():
    ranking = {
        path for path, tree in trees().items() if any(map(ranks_by_effectiveness, ast.walk(tree)))
    }
    assert ranking <= {"reports/fallbacks.py"}


# --- interval helpers


def floors_to_the_second(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "replace"
        and [k.arg for k in node.keywords] == ["microsecond"]
    )


def test_instants_are_floored_to_the_second_in_one_place():
    floors = {
        path
        for path, tree in trees(tests=False).items()
        if any(map(floors_to_the_second, ast.walk(tree)))
    }
    assert floors == {"reports/intervals.py"}
