"""The monthly PDF renderer: dataclasses in, a readable, paginated, byte-stable PDF out."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pypdf
import pytest

from reports.pdf import (
    ImpactRow,
    MaintenanceRow,
    OutageRow,
    PolicyText,
    ReportData,
    WorkflowRow,
    charts,
    policy,
    render_monthly_report,
    tables,
    theme,
)

SHA = "3f5a9c0e7b214d6f8a1e2c3b4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7a8"
WORKFLOW_NAMES = ("Support chatbot", "Invoice OCR", "Claims triage", "Contract search")


def month_days(year: int = 2026, month: int = 10) -> list[str]:
    day, out = date(year, month, 1), []
    while day.month == month:
        out.append(day.isoformat())
        day += timedelta(days=1)
    return out


def workflow(i: int, name: str | None = None, *, empty: bool = False) -> WorkflowRow:
    days = month_days()
    daily = tuple(
        (d, None if empty or (i + n) % 13 == 0 else Decimal(100) - Decimal((i * 7 + n) % 9) / 10)
        for n, d in enumerate(days)
    )
    availability = None if empty else f"99.{880 + i % 100:03d}"
    return WorkflowRow(
        name=name or f"{WORKFLOW_NAMES[i % len(WORKFLOW_NAMES)]} {i}",
        target_pct="99.900",
        availability_display=availability,
        effective_availability_display=None if empty else f"99.{950 + i % 40:03d}",
        met=None if empty else i % 3 != 0,
        measured_minutes="44,580",
        down_minutes="0" if empty else f"{20 + i}",
        degraded_minutes="0" if empty else f"{i % 17}",
        maintenance_minutes="60",
        no_data_minutes="0",
        coverage_pct=None if empty else "100.000",
        error_budget_minutes="44.58",
        error_budget_remaining_minutes="44.58" if empty else f"{24 - i}.58",
        credit_pct="10" if i % 3 == 0 and not empty else "0",
        outage_count=0 if empty else 1 + i % 5,
        mttr_minutes=None if empty else f"{10 + i % 30}.5",
        longest_outage_minutes=None if empty else f"{30 + i}",
        cost="0.00" if empty else f"{1234 + i * 10}.50",
        avoided_cost="0.00" if empty else f"{400 + i}.00",
        currency="EUR",
        user_minutes_lost="0" if empty else f"{12000 + i * 100:,}",
        daily_availability=daily,
        last_tested_at=None if i % 4 == 0 else "2026-09-12 10:00",
        runbook_title=None if i % 7 == 0 else f"Fail over workflow {i} to the secondary provider",
    )


def outage(i: int, workflow_name: str) -> OutageRow:
    day, hour = 1 + i % 30, i % 24
    return OutageRow(
        workflow=workflow_name,
        started_at=f"2026-10-{day:02d} {hour:02d}:05",
        ended_at=None if i % 50 == 7 else f"2026-10-{day:02d} {hour:02d}:47",
        duration="42 min",
        severity="down" if i % 3 else "degraded",
        root_cause=(
            "Upstream LLM provider returned 529 overloaded errors for chat completions; "
            "requests timed out after 30 s & retries <exhausted>"
            if i % 2
            else "Certificate expired on the OCR gateway"
        ),
        excluded=i % 10 == 0,
        exclusion_reason="Customer-requested freeze" if i % 10 == 0 else "",
        fallback="Switch to Azure OpenAI, 80 % effective" if i % 4 else None,
        time_to_mitigate="12 min" if i % 4 else None,
        rto_status=("met", "missed", "pending")[i % 3],
    )


POLICY = PolicyText(
    name="Standard 99.9",
    target_pct="99.900",
    degraded_weight="0.5",
    min_outage_seconds=60,
    no_data="excluded",
    credit_tiers=(("99.9", "10"), ("99.0", "25"), ("95.0", "50")),
    service_hours="24x7",
)


def report(
    *,
    workflows: int = 4,
    outages: int = 12,
    customer: str = "Acme Logistics GmbH",
    names: tuple[str, ...] = (),
    revision: int = 1,
) -> ReportData:
    rows = tuple(workflow(i, names[i] if i < len(names) else None) for i in range(workflows))
    return ReportData(
        report_id="RPT-2026-10-0042",
        revision=revision,
        customer_name=customer,
        timezone="Europe/Berlin",
        period_label="2026-10",
        period_text="October 2026 (1 Oct 00:00 – 1 Nov 00:00 Europe/Berlin)",
        generated_at="2026-11-01 06:00 CET",
        data_sha256=SHA,
        summary_availability_display="99.912",
        workflows_met=sum(bool(w.met) for w in rows),
        workflows_total=len(rows),
        total_downtime_minutes="412",
        total_cost="48,210.50",
        total_avoided_cost="12,400.00",
        currency="EUR",
        credits_owed=tuple((w.name, w.credit_pct) for w in rows if w.credit_pct != "0"),
        workflows=rows,
        outages=tuple(outage(i, rows[i % len(rows)].name) for i in range(outages)),
        maintenance=(
            MaintenanceRow("All workflows", "2026-10-04 02:00", "2026-10-04 03:00", "DB upgrade"),
        ),
        impact_by_workflow=tuple(
            ImpactRow(
                w.name,
                w.outage_count,
                w.down_minutes,
                "12",
                w.cost,
                w.avoided_cost,
                w.user_minutes_lost,
            )
            for w in rows
        ),
        impact_by_dependency=(
            ImpactRow("OpenAI API", 9, "300", "120", "30,000.00", "9,000.00", "450,000"),
            ImpactRow("Own backend", 3, "112", "0", "18,210.50", "0.00", "98,000"),
        ),
        policies=(POLICY,),
        revision_note="Late probe results from eu-west re-derived two outages."
        if revision > 1
        else "",
    )


def empty_month() -> ReportData:
    rows = (workflow(0, empty=True), workflow(1, empty=True))
    return replace(
        report(workflows=0, outages=0),
        summary_availability_display=None,
        workflows_met=0,
        workflows_total=2,
        total_downtime_minutes="0",
        total_cost="0.00",
        total_avoided_cost="0.00",
        credits_owed=(),
        workflows=rows,
        maintenance=(),
        impact_by_workflow=(),
        impact_by_dependency=(),
    )


def pages_text(pdf: bytes) -> list[str]:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return [page.extract_text() for page in reader.pages]


def flat(text: str) -> str:
    """Extracted text with line breaks and runs of spaces collapsed."""
    return re.sub(r"\s+", " ", text)


@pytest.fixture(scope="module")
def standard() -> tuple[ReportData, bytes, list[str]]:
    data = report()
    pdf = render_monthly_report(data)
    return data, pdf, pages_text(pdf)


def test_the_report_is_a_pdf_of_several_pages(standard):
    _, pdf, pages = standard
    assert pdf.startswith(b"%PDF-")
    assert len(pages) > 1


@pytest.mark.parametrize(
    "expected",
    [
        "Acme Logistics GmbH",
        "2026-10",
        "RPT-2026-10-0042",
        "Page 1 of",
        "Executive summary",
        "Monthly continuity & SLA report",
        "3f5a9c0e7b214d6f",
    ],
)
def test_the_text_names_the_customer_period_and_report(standard, expected):
    _, _, pages = standard
    assert expected in flat("\n".join(pages))


def test_every_workflows_availability_is_shown(standard):
    data, _, pages = standard
    text = "\n".join(pages)
    for row in data.workflows:
        assert row.availability_display in text


def test_every_page_has_the_footer_with_its_number(standard):
    data, _, pages = standard
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in text
        assert f"Report {data.report_id} rev 1" in text


def test_the_policy_is_explained_in_plain_words(standard):
    _, _, pages = standard
    text = flat("\n".join(pages))
    assert "below 99.9 % → 10 % service credit" in text
    assert "exactly 95.0 % is not below 95.0 %" in text
    assert "not counted as good time" in text
    assert "never rounded up" in text


@pytest.mark.parametrize(
    ("customer", "workflow_name"),
    [
        ("开元物流", "发票识别"),
        ("東京データ株式会社", "請求書の読み取り"),
        ("Société Générale – Zürich", "Straßenverkehr Prüfung"),
        ("서울데이터 주식회사", "청구서 인식"),
    ],
)
def test_non_latin_and_accented_names_are_extractable(customer, workflow_name):
    pdf = render_monthly_report(report(customer=customer, names=(workflow_name,), outages=3))
    text = "\n".join(pages_text(pdf))
    assert customer in text
    assert workflow_name in text


def test_mixed_scripts_in_one_string_are_extractable():
    name = "Acme 开元 – Zürich"
    pdf = render_monthly_report(report(customer=name, outages=0))
    assert name in "\n".join(pages_text(pdf))


def test_hundreds_of_outages_paginate_with_the_header_repeated():
    small = pages_text(render_monthly_report(report(outages=10)))
    large = pages_text(render_monthly_report(report(outages=400)))
    assert len(large) > len(small) + 5
    with_header = [t for t in map(flat, large) if "Root cause" in t and "Mitigated in" in t]
    assert len(with_header) >= 5
    text = flat("\n".join(large))
    assert text.count("Certificate expired on the OCR gateway") == 200


def test_rendering_twice_gives_identical_bytes():
    data = report(outages=30)
    assert render_monthly_report(data) == render_monthly_report(data)


def test_an_empty_month_renders():
    pages = pages_text(render_monthly_report(empty_month()))
    text = flat("\n".join(pages))
    assert "No outages were recorded in this period." in text
    assert "No service credits are owed for this period." in text
    assert "Page 1 of" in text


def test_a_corrected_revision_shows_what_changed():
    pages = pages_text(render_monthly_report(report(revision=2)))
    cover = flat(pages[0])
    assert "Corrected revision 2" in cover
    assert "Late probe results from eu-west re-derived two outages." in cover
    assert "rev 2" in cover


def test_markup_characters_in_free_text_are_shown_literally(standard):
    _, _, pages = standard
    assert "& retries <exhausted>" in flat("\n".join(pages))


def test_a_first_revision_has_no_correction_box(standard):
    _, _, pages = standard
    assert "Corrected revision" not in pages[0]


def test_sections_are_bookmarked(standard):
    _, pdf, _ = standard
    titles = [item.title for item in pypdf.PdfReader(io.BytesIO(pdf)).outline]
    assert titles[:3] == ["Executive summary", "SLA figures per workflow", "Daily availability"]
    assert "Outages" in titles and "How the figures are calculated" in titles


def test_very_long_free_text_is_clipped_instead_of_breaking_the_layout():
    data = report(outages=3)
    long_outage = replace(
        data.outages[0],
        root_cause="cause " * 2000,
        fallback="x" * 3000,
        excluded=True,
        exclusion_reason="reason " * 1000,
    )
    data = replace(
        data,
        outages=(long_outage, *data.outages[1:]),
        customer_name="Very Long Customer Name " * 40,
        revision=2,
        revision_note="note " * 3000,
        maintenance=(MaintenanceRow("all, " * 500, "2026-10-04 02:00", "later", "z " * 2000),),
    )
    text = flat("\n".join(pages_text(render_monthly_report(data))))
    assert "cause cause" in text
    assert "…" in text


def test_emoji_render_as_a_placeholder_without_breaking_the_line():
    pdf = render_monthly_report(report(customer="Rocket 🚀 Labs", outages=0))
    assert "Rocket □ Labs" in "\n".join(pages_text(pdf))


def test_february_and_a_workflow_without_daily_data_render():
    data = report(workflows=2, outages=0)
    feb = tuple((f"2026-02-{d:02d}", Decimal("99.5")) for d in range(1, 29))
    rows = (
        replace(data.workflows[0], daily_availability=feb),
        replace(data.workflows[1], daily_availability=()),
    )
    assert render_monthly_report(replace(data, workflows=rows)).startswith(b"%PDF-")


# --- the pure helpers


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("100", "GREEN"),
        ("99.9", "GREEN"),  # exactly the target meets it
        ("99.899", "AMBER"),
        ("99.0", "AMBER"),  # exactly the severe line is not below it
        ("98.999", "RED"),
        (None, "NO_DATA"),
    ],
)
def test_bar_colour_follows_the_target_and_the_severe_line(value, expected):
    value = None if value is None else Decimal(value)
    assert charts.bar_colour(value, Decimal("99.9")) == getattr(theme, expected)


@pytest.mark.parametrize(
    ("values", "target", "floor"),
    [
        (["100", "99.95"], "99.9", "99.5"),
        (["99.5"], "99.9", "99"),
        (["96.2"], "99.9", "95"),
        (["0"], "99.9", "0"),
        ([], None, "99.5"),
    ],
)
def test_axis_floor_is_a_round_number_below_every_value(values, target, floor):
    target = None if target is None else Decimal(target)
    assert charts.axis_floor([Decimal(v) for v in values], target) == Decimal(floor)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Zürich – 5 €", "Zürich – 5 €"),
        ("a < b & c", "a &lt; b &amp; c"),
        ("开元 Logistics", '<font name="WenQuanYiMicroHei">开元</font> Logistics'),
        ("서울 → Berlin", '<font name="WenQuanYiMicroHei">서울</font> → Berlin'),
        ("Київ Ωμέγα", "Київ Ωμέγα"),
        ("line one\nline two", "line one<br/>line two"),
    ],
)
def test_markup_escapes_and_switches_font_per_run(text, expected):
    assert theme.markup(text) == expected


def test_credit_tiers_are_listed_from_the_highest_threshold():
    lines = policy.credit_lines((("99.0", "25"), ("99.9", "10")))
    assert lines == [
        "Availability below 99.9 % → 10 % service credit.",
        "Availability below 99.0 % → 25 % service credit.",
        "The largest credit whose threshold the availability is strictly below applies: "
        "exactly 99.0 % is not below 99.0 %.",
    ]
    assert policy.credit_lines(()) == ["No service credits apply."]


@pytest.mark.parametrize(
    ("text", "limit", "expected"), [("abc", 3, "abc"), ("abcd", 3, "ab…"), ("ab  cd", 4, "ab…")]
)
def test_clip_marks_cut_text(text, limit, expected):
    assert tables.clip(text, limit) == expected
