"""Events people read (email, Slack, Teams, Apprise) are written in the endpoint's customer's
language and on its wall clock; the signed webhook body is the same in every language."""

import json
import re
from datetime import UTC, datetime
from email.header import decode_header, make_header

import pytest

from continuity.models import EventEndpoint, EventType, Runbook
from incidents.services.events import event_emit, event_endpoint_test
from incidents.services.fallbacks import fallback_activate
from incidents.services.outages import outage_create_manual, outage_update
from tests.factories import CustomerFactory, WorkflowFactory
from tests.smtp import body

pytestmark = pytest.mark.django_db

STARTED = datetime(2026, 10, 14, 13, 20, tzinfo=UTC)


def open_outage(customer, capture, name: str = "Invoice OCR"):
    workflow = WorkflowFactory(customer=customer, name=name)
    with capture(execute=True):
        return outage_create_manual(
            workflow=workflow, started_at=STARTED, ended_at=None, severity="down"
        )


def subject(message) -> str:
    return str(make_header(decode_header(message["Subject"])))


def test_a_chinese_customers_email_endpoint_gets_a_chinese_email(
    smtp, django_capture_on_commit_callbacks
):
    customer = CustomerFactory(name="开元物流", locale="zh-hans", timezone="Asia/Shanghai")
    EventEndpoint.objects.create(customer=customer, kind="email", url="mailto:ops@kaiyuan.example")
    outage = open_outage(customer, django_capture_on_commit_callbacks, name="发票识别")

    [message] = smtp.messages
    assert subject(message) == "[开元物流] 故障开始：发票识别"
    assert message["X-Continuity-Event"] == "outage.opened"
    text = body(message)
    assert text.startswith("[开元物流] 故障开始：发票识别\n\n客户: 开元物流\n事件: outage.opened\n")
    assert (
        "工作流: 发票识别\n严重程度: 中断\n开始: 2026-10-14 21:20 CST\n结束: 进行中\n"
        "不计入 SLA: 否\n" in text
    )
    assert f"故障: #{outage.pk}\n" in text
    assert "事件 ID：outage-" in text
    assert "您收到此邮件，是因为 开元物流 的一个事件端点会向此地址发送通知。" in text
    html = body(message, "html")
    assert '<html lang="zh-hans">' in html
    assert '<th align="left">严重程度</th><td>中断</td>' in html
    assert '<th align="left">开始</th><td>2026-10-14 21:20 CST</td>' in html
    for english in ("Workflow", "Severity", "Started", "ongoing", "You receive"):
        assert english not in text and english not in html


def test_a_german_customers_slack_message_is_german(receiver, django_capture_on_commit_callbacks):
    customer = CustomerFactory(name="Bergbahn AG", locale="de", timezone="Europe/Berlin")
    EventEndpoint.objects.create(customer=customer, kind="slack", url=receiver.url)
    outage = open_outage(customer, django_capture_on_commit_callbacks, name="Ticketkasse")
    with django_capture_on_commit_callbacks(execute=True):
        outage_update(outage=outage, ended_at=STARTED.replace(hour=14, minute=5))

    opened, resolved = (posted["text"] for posted in receiver.bodies())
    occurred = opened.splitlines()[3]
    assert re.fullmatch(r"Eingetreten: \d\d\.\d\d\.20\d\d \d\d:\d\d CES?T", occurred), occurred
    assert opened == (
        "*[Bergbahn AG] Störung begonnen: Ticketkasse*\n"
        "Kunde: Bergbahn AG\n"
        "Ereignis: outage.opened\n"
        f"{occurred}\n"
        "Workflow: Ticketkasse\n"
        "Schwere: ausgefallen\n"
        "Beginn: 14.10.2026 15:20 CEST\n"
        "Ende: andauernd\n"
        "Vom SLA ausgenommen: nein\n"
        f"Störung: #{outage.pk}"
    )
    assert resolved.startswith("*[Bergbahn AG] Störung behoben: Ticketkasse*\n")
    assert "Ende: 14.10.2026 16:05 CEST\n" in resolved


def test_a_german_teams_burn_alert_writes_figures_the_german_way(
    receiver, django_capture_on_commit_callbacks
):
    customer = CustomerFactory(name="Bergbahn AG", locale="de", timezone="Europe/Berlin")
    EventEndpoint.objects.create(customer=customer, kind="teams", url=receiver.url)
    data = {
        "workflow": "Ticketkasse",
        "workflow_id": 7,
        "window": "1h",
        "threshold": "14.4",
        "burn_rate": "15.25",
        "error_budget_remaining_seconds": "3725",
    }
    with django_capture_on_commit_callbacks(execute=True):
        event_emit(customer=customer, event_type=EventType.BUDGET_BURN, key="burn-1", data=data)

    [posted] = receiver.bodies()
    text = posted["text"]
    assert text.startswith(
        "**[Bergbahn AG] Fehlerbudget wird schnell verbraucht: Ticketkasse**\n\n"
    )
    assert (
        "Zeitfenster: 1h\n\nAlarmschwelle: 14,4×\n\nVerbrauchsrate: 15,25×\n\n"
        "Budget übrig: 1 h 02 min" in text
    )
    assert "workflow_id" not in text and not any(p.endswith(": 7") for p in text.split("\n\n"))


def test_a_chinese_apprise_notification_and_test_event(
    receiver, django_capture_on_commit_callbacks
):
    customer = CustomerFactory(name="开元物流", locale="zh-hans", timezone="Asia/Shanghai")
    endpoint = EventEndpoint.objects.create(
        customer=customer, kind="apprise", url=receiver.url.replace("http://", "json://")
    )
    row = event_endpoint_test(endpoint=endpoint)

    assert row.state == "sent"
    [posted] = receiver.bodies()
    assert posted["title"] == "[开元物流] 测试事件"
    assert "事件: endpoint.test\n" in posted["message"]
    assert posted["message"].endswith("消息: 来自 Continuity 的测试事件。")


def _normalized(payload: dict) -> dict:
    """The payload with what differs between two customers by construction blanked out: the
    event id, the moment it was emitted, the customer's slug and the outage's id."""
    data = {**payload["data"], "outage": None}
    return {**payload, "id": None, "occurred_at": None, "customer": None, "data": data}


def test_the_webhook_body_is_the_same_for_a_german_and_an_english_customer(
    receiver, django_capture_on_commit_callbacks
):
    bodies = {}
    for locale in ("de", "en", "zh-hans"):
        customer = CustomerFactory(locale=locale, timezone="Europe/Berlin")
        EventEndpoint.objects.create(customer=customer, kind="webhook", url=receiver.url)
        outage = open_outage(customer, django_capture_on_commit_callbacks, name="Ticketkasse")
        with django_capture_on_commit_callbacks(execute=True):
            outage_update(outage=outage, ended_at=STARTED.replace(hour=14, minute=5))
        bodies[locale] = [json.loads(raw) for _, raw in receiver.seen[-2:]]
        assert [b["customer"] for b in bodies[locale]] == [customer.slug] * 2

    english = bodies["en"]
    assert english[1]["data"]["started_at"] == "2026-10-14T13:20:00+00:00"
    assert english[1]["data"]["ended_at"] == "2026-10-14T14:05:00+00:00"
    assert english[1]["data"]["severity"] == "down"
    for locale in ("de", "zh-hans"):
        assert [_normalized(b) for b in bodies[locale]] == [_normalized(b) for b in english]


def test_a_fallback_event_in_german_names_the_runbook(receiver, django_capture_on_commit_callbacks):
    customer = CustomerFactory(name="Bergbahn AG", locale="de", timezone="Europe/Berlin")
    outage = open_outage(customer, django_capture_on_commit_callbacks, name="Ticketkasse")
    EventEndpoint.objects.create(customer=customer, kind="slack", url=receiver.url)
    runbook = Runbook.objects.create(workflow=outage.workflow, title="Papiertickets")
    with django_capture_on_commit_callbacks(execute=True):
        fallback_activate(runbook=runbook, outage=outage)

    [posted] = receiver.bodies()
    assert posted["text"].startswith("*[Bergbahn AG] Ausweichlösung aktiviert: Ticketkasse*\n")
    assert "Runbook: Papiertickets\n" in posted["text"]
    assert "Aktiviert: " in posted["text"] and "Deaktiviert: andauernd" in posted["text"]
