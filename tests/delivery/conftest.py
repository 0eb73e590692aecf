"""The two kinds of email that go through `continuity.delivery`, driven the same way."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db.models import Model

from continuity.models import SLAPolicy
from incidents.models import NotificationEvent, Outage, OutageNotification
from incidents.services.notifications import notification_send
from incidents.tasks import sweep_notifications
from reports import services as report_services
from reports.tasks import monthly_reports
from tests.factories import CustomerFactory, WorkflowFactory

# After October 2026 has ended everywhere, so its report can be generated.
NOW = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Flow:
    make: Callable[[], Model]  # a row waiting to be mailed, with no task queued for it
    send: Callable[[int], str]  # what the task does; returns the state it ends in
    sweep: Callable[[], object]  # what beat runs to finish what was left undone


def _outage() -> Outage:
    policy = SLAPolicy.objects.create(name="Gold", target_pct=Decimal("99.900"))
    customer = CustomerFactory(sla_policy=policy, notify_outage_emails=True)
    return Outage.objects.create(
        workflow=WorkflowFactory(customer=customer, name="Support chatbot"),
        started_at=datetime(2026, 10, 14, 13, 20, tzinfo=UTC),
        ended_at=datetime(2026, 10, 14, 14, 10, tzinfo=UTC),
        severity="down",
        source="manual",
    )


def _notification() -> OutageNotification:
    outage = _outage()
    return OutageNotification.objects.create(
        outage=outage,
        event=NotificationEvent.OPENED,
        event_key=f"outage-{outage.pk}-opened",
        recipients=outage.workflow.customer.report_recipients,
    )


def _report():
    customer = _outage().workflow.customer
    report, _ = report_services.report_generate(customer=customer, period="2026-10", queue=False)
    return report_services.report_render(report_id=report.pk)


FLOWS = {
    "outage notification": Flow(
        make=_notification,
        send=lambda pk: notification_send(notification_id=pk),
        sweep=sweep_notifications,
    ),
    "monthly report": Flow(
        make=_report,
        send=lambda pk: report_services.report_send(report_id=pk).state,
        sweep=monthly_reports,
    ),
}


@pytest.fixture(params=list(FLOWS))
def flow(request, settings, tmp_path) -> Flow:
    settings.MEDIA_ROOT = tmp_path
    return FLOWS[request.param]
