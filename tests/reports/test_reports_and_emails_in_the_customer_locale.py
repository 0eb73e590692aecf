"""A customer's PDF report, report email and outage emails are written in its locale
(issue 15, item 5): the words change, the figures stay the same digits."""

import io
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from email.header import decode_header, make_header

import pytest
import time_machine
from pypdf import PdfReader

from continuity.models import SLAPolicy
from incidents.models import Outage
from reports import services
from reports.models import Report
from tests.factories import CustomerFactory, WorkflowFactory
from tests.smtp import body

AFTER_OCTOBER = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
START = datetime(2026, 10, 14, 13, 20, tzinfo=UTC)
DECIMAL = re.compile(r"\d+[.,]\d+")


def seed_customer(**kwargs):
    policy = SLAPolicy.objects.create(name="Gold", target_pct=Decimal("99.900"))
    customer = CustomerFactory(sla_policy=policy, timezone="Asia/Shanghai", **kwargs)
    workflow = WorkflowFactory(
        customer=customer, name="Invoice OCR", cost_per_minute=Decimal("1234.50"), currency="EUR"
    )
    Outage.objects.create(
        workflow=workflow,
        started_at=START,
        ended_at=START + timedelta(minutes=50),
        severity="down",
        source="probe",
    )
    return customer


def rendered(customer) -> Report:
    with time_machine.travel(AFTER_OCTOBER, tick=False):
        report, _ = services.report_generate(customer=customer, period="2026-10", queue=False)
        services.report_render(report_id=report.pk)
    report.refresh_from_db()
    return report


def reader(report: Report) -> PdfReader:
    with report.pdf.open("rb") as handle:
        return PdfReader(io.BytesIO(handle.read()))


def text_of(report: Report) -> str:
    return re.sub(r"\s+", " ", " ".join(p.extract_text() for p in reader(report).pages))


def subject(message) -> str:
    return str(make_header(decode_header(message["Subject"])))


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def reports(db, media):
    """The same month for three customers that differ only in name and locale."""
    customers = {
        "en": seed_customer(name="Acme Logistics"),
        "zh-hans": seed_customer(name="开元物流", locale="zh-hans"),
        "de": seed_customer(name="Nordwind Handel GmbH", locale="de"),
    }
    return {locale: rendered(customer) for locale, customer in customers.items()}


def test_the_chinese_report_reads_in_chinese_with_the_same_figures(reports):
    en, zh = text_of(reports["en"]), text_of(reports["zh-hans"])
    for english, chinese in [
        ("Executive summary", "摘要"),
        ("Daily availability", "每日可用性"),
        ("How the figures are calculated", "数据的计算方法"),
        ("Page 1 of", "第 1 页"),
    ]:
        assert english in en and english not in zh
        assert chinese in zh
    assert "开元物流" in zh
    display = reports["en"].figures["workflows"][0]["availability_display"]
    assert display == "99.887"  # 100 × (1 − 50 / 44,640)
    assert display in zh
    assert sorted(DECIMAL.findall(zh)) == sorted(DECIMAL.findall(en))


def test_the_german_report_has_german_labels_and_decimal_commas(reports):
    en, de = text_of(reports["en"]), text_of(reports["de"])
    for label in ("Zusammenfassung", "Tägliche Verfügbarkeit", "Störungen", "Seite 1 von"):
        assert label in de
    assert "Executive summary" not in de
    assert "99,887 %" in de and "99.887" not in de
    cost = "61,725.00"  # 50 min × 1,234.50 EUR
    assert cost in en
    assert "61.725,00" in de and cost not in de
    assert "14.10.2026 21:20 CST" in de and "2026-10-14 21:20 CST" in en
    assert "Oktober 2026" in de and "October 2026" in en
    swapped = [
        n.replace(".", "\0").replace(",", ".").replace("\0", ",") for n in DECIMAL.findall(en)
    ]
    without_dates = re.sub(r"\b\d{1,2}\.\d{1,2}\.(\d{4})?", "", de)
    assert sorted(DECIMAL.findall(without_dates)) == sorted(swapped)


@pytest.mark.parametrize(
    ("locale", "lang", "title_words"),
    [
        ("en", "en", "Monthly continuity & SLA report"),
        ("zh-hans", "zh-Hans", "月度业务连续性与 SLA 报告"),
        ("de", "de", "Monatlicher Continuity- & SLA-Bericht"),
    ],
)
def test_the_pdf_metadata_names_title_subject_author_and_language(
    reports, locale, lang, title_words
):
    report = reports[locale]
    pdf = reader(report)
    meta = pdf.metadata
    assert title_words in meta.title
    assert report.customer.name in meta.title and "2026-10" in meta.title
    assert f"{report.customer.slug}-2026-10-{report.pk}" in meta.subject
    assert (meta.author, meta.creator) == ("Continuity", "Continuity")
    assert pdf.trailer["/Root"]["/Lang"] == lang


@pytest.mark.parametrize(
    ("locale", "expected_subject", "expected_body"),
    [
        ("en", "Continuity report 2026-10: {name}", "Overall availability: 99.887 %"),
        ("zh-hans", "业务连续性报告 2026-10：{name}", "总体可用性: 99.887 %"),
        ("de", "Continuity-Bericht 2026-10: {name}", "Gesamtverfügbarkeit: 99,887 %"),
    ],
)
def test_the_report_email_is_in_the_customers_language(
    reports, smtp, locale, expected_subject, expected_body
):
    report = reports[locale]
    with time_machine.travel(AFTER_OCTOBER, tick=False):
        services.report_send(report_id=report.pk)
    (message,) = smtp.messages
    assert subject(message) == expected_subject.format(name=report.customer.name)
    assert expected_body in body(message)
    html = body(message, "html")
    assert f'<html lang="{locale}">' in html
    assert expected_body.split(":")[0] in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("locale", "subjects", "label"),
    [
        (
            "de",
            [
                "[Störung] Support chatbot ist ausgefallen",
                "[Update] Support chatbot: Ursache gefunden",
                "[Behoben] Support chatbot ist wieder verfügbar",
            ],
            "Schwere: ausgefallen",
        ),
        (
            "zh-hans",
            [
                "[故障] Support chatbot 中断",
                "[更新] Support chatbot：已查明原因",
                "[已恢复] Support chatbot 已恢复",
            ],
            "严重程度: 中断",
        ),
    ],
)
def test_outage_emails_are_in_the_customers_language(
    customer, customer_client, smtp, django_capture_on_commit_callbacks, locale, subjects, label
):
    customer.locale = locale
    customer.timezone = "Europe/Berlin"
    customer.notify_outage_emails = True
    customer.report_recipients = ["oncall@acme.example"]
    customer.save()
    workflow = WorkflowFactory(customer=customer, name="Support chatbot")
    with django_capture_on_commit_callbacks(execute=True):
        created = customer_client.post(
            "/api/v1/outages/",
            {"workflow": workflow.pk, "started_at": START.isoformat(), "severity": "down"},
            format="json",
        )
    outage_id = created.json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        customer_client.post(
            f"/api/v1/outages/{outage_id}/updates/",
            {"status": "identified", "message": "Der KI-Anbieter ist gestört."},
            format="json",
        )
    with django_capture_on_commit_callbacks(execute=True):
        customer_client.patch(
            f"/api/v1/outages/{outage_id}/",
            {"ended_at": (START + timedelta(hours=3)).isoformat()},
            format="json",
        )
    assert [subject(m) for m in smtp.messages] == subjects
    first = body(smtp.messages[0])
    assert label in first
    started = "14.10.2026 15:20 CEST" if locale == "de" else "2026-10-14 15:20 CEST"
    assert started in first
