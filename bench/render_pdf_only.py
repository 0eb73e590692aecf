"""Render the monthly PDF for a large, realistic customer and time it (no database).

    .venv/bin/python bench/render_pdf_only.py [--workflows 50] [--outages 300] [--out PATH]

Prints pages, size and render time (best and median of --runs) and writes the PDF, so the
layout can be inspected (e.g. ``pdftoppm -png -r 60 /tmp/sample-report.pdf /tmp/page``).
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import sys
import time
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pypdf  # noqa: E402

from reports.pdf import (  # noqa: E402
    ImpactRow,
    MaintenanceRow,
    OutageRow,
    PolicyText,
    ReportData,
    WorkflowRow,
    render_monthly_report,
)

WORKFLOWS = (
    "Support chatbot",
    "Invoice OCR",
    "Claims triage",
    "Contract search",
    "Email routing",
    "Fraud scoring",
    "发票识别",
    "Voice transcription",
    "Product recommendations",
    "Knowledge base Q&A",
    "Order status assistant",
    "Résumé screening",
)
DEPENDENCIES = ("OpenAI API", "Azure OpenAI", "Anthropic API", "Own backend", "AWS Textract")
CAUSES = (
    "Upstream LLM provider returned 529 overloaded errors; requests timed out after 30 s.",
    "Certificate expired on the OCR gateway.",
    "Rate limit (429) after a traffic spike from the nightly batch import; the retry budget "
    "was exhausted and the queue backed up for the whole region.",
    "Database failover in eu-central-1.",
    "",
    "Bad deploy of the routing service (v2.14.0), rolled back.",
)
FALLBACKS = (
    None,
    "Switch to Azure OpenAI, 80 % effective",
    "Rule-based answers, 40 % effective",
    "Manual queue, 100 % effective",
)
TARGETS = ("99.900", "99.500", "99.950")


def _trunc(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.001"), rounding=ROUND_DOWN))


def _days() -> list[str]:
    day, out = date(2026, 10, 1), []
    while day.month == 10:
        out.append(day.isoformat())
        day += timedelta(days=1)
    return out


def workflow_row(i: int, rng: random.Random) -> WorkflowRow:
    target = TARGETS[i % len(TARGETS)]
    daily = []
    for day in _days():
        roll = rng.random()
        if roll < 0.03:
            daily.append((day, None))
        elif roll < 0.75:
            daily.append((day, Decimal(100)))
        else:
            daily.append((day, Decimal(100) - Decimal(rng.randint(1, 4000)) / 1000))
    known = [v for _, v in daily if v is not None]
    availability = sum(known) / len(known)
    met = availability >= Decimal(target)
    down = (100 - availability) * 446
    return WorkflowRow(
        name=f"{WORKFLOWS[i % len(WORKFLOWS)]}"
        + (f" #{i // len(WORKFLOWS) + 1}" if i >= 12 else ""),
        target_pct=target,
        availability_display=_trunc(availability),
        effective_availability_display=_trunc(availability + (100 - availability) / 3),
        met=met,
        measured_minutes="44,520",
        down_minutes=_trunc(down * Decimal("0.8")),
        degraded_minutes=_trunc(down * Decimal("0.4")),
        maintenance_minutes="120",
        no_data_minutes=str(sum(v is None for _, v in daily) * 1440),
        coverage_pct=_trunc(Decimal(100) * len(known) / len(daily)),
        error_budget_minutes=_trunc(Decimal(44520) * (1 - Decimal(target) / 100)),
        error_budget_remaining_minutes=_trunc(Decimal(44520) * (1 - Decimal(target) / 100) - down),
        credit_pct="0" if met else ("10" if availability >= Decimal("99") else "25"),
        outage_count=rng.randint(0, 12),
        mttr_minutes=f"{rng.randint(3, 90)}.{rng.randint(0, 9)}",
        longest_outage_minutes=str(rng.randint(10, 400)),
        cost=f"{rng.randint(0, 90000):,}.{rng.randint(0, 99):02d}",
        avoided_cost=f"{rng.randint(0, 30000):,}.00",
        currency="EUR",
        user_minutes_lost=f"{rng.randint(0, 900000):,}",
        daily_availability=tuple(daily),
        last_tested_at=None
        if i % 5 == 0
        else f"2026-0{rng.randint(1, 9)}-1{rng.randint(0, 9)} 10:00",
        runbook_title=None if i % 9 == 0 else f"Fail over {WORKFLOWS[i % len(WORKFLOWS)]}",
    )


def outage_row(i: int, rng: random.Random, names: list[str]) -> OutageRow:
    day, hour, minute = 1 + i * 31 // 310, rng.randint(0, 23), rng.randint(0, 59)
    length = rng.choice((2, 5, 12, 45, 130, 600))
    excluded = rng.random() < 0.05
    fallback = rng.choice(FALLBACKS)
    return OutageRow(
        workflow=rng.choice(names),
        started_at=f"2026-10-{day:02d} {hour:02d}:{minute:02d}",
        ended_at=None
        if i == 299
        else f"2026-10-{day:02d} {(hour + length // 60) % 24:02d}:{(minute + length) % 60:02d}",
        duration=f"{length} min",
        severity=rng.choice(("down", "down", "degraded")),
        root_cause=rng.choice(CAUSES),
        excluded=excluded,
        exclusion_reason="Customer-requested change freeze" if excluded else "",
        fallback=fallback,
        time_to_mitigate=f"{rng.randint(1, 40)} min" if fallback else None,
        rto_status=rng.choice(("met", "met", "met", "missed", "pending")),
    )


def sample(workflows: int = 50, outages: int = 300, seed: int = 42) -> ReportData:
    rng = random.Random(seed)
    rows = tuple(workflow_row(i, rng) for i in range(workflows))
    names = [w.name for w in rows]
    return ReportData(
        report_id="RPT-2026-10-kaiyuan",
        revision=2,
        customer_name="开元物流 Kaiyuan Logistics (Société Générale – Zürich)",
        timezone="Europe/Berlin",
        period_label="2026-10",
        period_text="October 2026 (1 Oct 00:00 – 1 Nov 00:00 Europe/Berlin)",
        generated_at="2026-11-01 06:00 CET",
        data_sha256="9b1c4e0f2a7d83b65e41f09ac2d7e8b3" * 2,
        summary_availability_display="99.871",
        workflows_met=sum(bool(w.met) for w in rows),
        workflows_total=len(rows),
        total_downtime_minutes="5,412",
        total_cost="1,248,210.50",
        total_avoided_cost="312,400.00",
        currency="EUR",
        credits_owed=tuple((w.name, w.credit_pct) for w in rows if w.credit_pct != "0"),
        workflows=rows,
        outages=tuple(outage_row(i, rng, names) for i in range(outages)),
        maintenance=(
            MaintenanceRow(
                "All workflows", "2026-10-04 02:00", "2026-10-04 03:00", "PostgreSQL 17 upgrade"
            ),
            MaintenanceRow(
                "Invoice OCR, 发票识别", "2026-10-18 22:00", "2026-10-18 23:00", "OCR model rollout"
            ),
        ),
        impact_by_workflow=tuple(
            ImpactRow(
                w.name,
                w.outage_count,
                w.down_minutes,
                str(rng.randint(0, 200)),
                w.cost,
                w.avoided_cost,
                w.user_minutes_lost,
            )
            for w in rows
        ),
        impact_by_dependency=tuple(
            ImpactRow(
                dep,
                rng.randint(5, 90),
                f"{rng.randint(100, 3000):,}",
                f"{rng.randint(0, 900):,}",
                f"{rng.randint(1000, 500000):,}.00",
                f"{rng.randint(0, 90000):,}.00",
                f"{rng.randint(10000, 9000000):,}",
            )
            for dep in DEPENDENCIES
        ),
        policies=(
            PolicyText(
                "Standard 99.9",
                "99.900",
                "0.5",
                60,
                "excluded",
                (("99.9", "10"), ("99.0", "25")),
                "24x7",
            ),
            PolicyText(
                "Business hours",
                "99.500",
                "0.25",
                120,
                "down",
                (("99.5", "5"),),
                "Mon–Fri 09:00–17:00",
            ),
        ),
        revision_note="Late probe results from eu-west re-derived two outages of Invoice OCR; "
        "its availability changed from 99.412 to 99.398.",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workflows", type=int, default=50)
    parser.add_argument("--outages", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", default="/tmp/sample-report.pdf")
    args = parser.parse_args()
    data = sample(args.workflows, args.outages)
    timings, pdf = [], b""
    for _ in range(args.runs):
        started = time.perf_counter()
        pdf = render_monthly_report(data)
        timings.append(time.perf_counter() - started)
    Path(args.out).write_bytes(pdf)
    pages = len(pypdf.PdfReader(io.BytesIO(pdf)).pages)
    print(
        f"{args.workflows} workflows, {args.outages} outages: {pages} pages, {len(pdf):,} bytes, "
        f"render best {min(timings):.2f} s, median {statistics.median(timings):.2f} s "
        f"over {args.runs} runs -> {args.out}"
    )


if __name__ == "__main__":
    main()
