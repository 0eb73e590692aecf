"""The admin lists read like the console and the PDF: customer-local times with their zone,
durations, money with thousands separators (continuity.formatting)."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from continuity.models import FallbackActivation, Runbook
from incidents.models import Outage
from tests.factories import CustomerFactory, WorkflowFactory

pytestmark = pytest.mark.django_db

STARTED = datetime(2026, 10, 14, 13, 20, tzinfo=UTC)
ENDED = datetime(2026, 10, 14, 17, 5, 30, tzinfo=UTC)


@pytest.fixture
def admin_client_logged_in(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", "r@example.com", "pw"))
    return client


@pytest.fixture
def outage():
    customer = CustomerFactory(timezone="Europe/Berlin")
    workflow = WorkflowFactory(
        customer=customer, name="Chatbot", cost_per_minute=Decimal("1234.50"), currency="EUR"
    )
    return Outage.objects.create(
        workflow=workflow, started_at=STARTED, ended_at=ENDED, severity="down", source="manual"
    )


def test_outage_list_shows_local_times_with_zone_and_duration(admin_client_logged_in, outage):
    page = admin_client_logged_in.get("/admin/incidents/outage/").content.decode()
    assert "2026-10-14 15:20 CEST" in page
    assert "2026-10-14 19:05 CEST" in page
    assert "3 h 45 min" in page


def test_workflow_list_shows_money_with_separators(admin_client_logged_in, outage):
    page = admin_client_logged_in.get("/admin/continuity/workflow/").content.decode()
    assert "1,234.50 EUR" in page


def test_fallback_list_shows_local_time_and_effectiveness(admin_client_logged_in, outage):
    runbook = Runbook.objects.create(workflow=outage.workflow, title="Switch provider")
    FallbackActivation.objects.create(
        outage=outage,
        runbook=runbook,
        runbook_version=runbook.version,
        activated_at=datetime(2026, 10, 14, 13, 32, 59, tzinfo=UTC),
        effectiveness_pct=Decimal("80.00"),
    )
    page = admin_client_logged_in.get("/admin/continuity/fallbackactivation/").content.decode()
    assert "2026-10-14 15:32 CEST" in page
    assert ">80<" in page
