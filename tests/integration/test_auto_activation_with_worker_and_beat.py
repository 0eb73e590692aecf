"""Beat ticks every second; the worker activates the runbook's fallback once, however
many ticks follow."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from continuity.models import FallbackActivation, Runbook
from incidents.models import Outage
from tests import live
from tests.factories import WorkflowFactory

pytestmark = pytest.mark.integration


def test_fallback_is_auto_activated_exactly_once(live_env):
    workflow = WorkflowFactory()
    Runbook.objects.create(
        workflow=workflow,
        title="Switch to the second provider",
        fallback_strategy="second provider",
        auto_activate_after_minutes=10,
    )
    outage = Outage.objects.create(
        workflow=workflow,
        started_at=timezone.now() - timedelta(minutes=11),
        severity="down",
        source="manual",
    )
    env = {**live_env, "FALLBACK_SWEEP_SECONDS": "1", "DERIVATION_SWEEP_SECONDS": "3600"}
    with live.celery_worker(env), live.celery_beat(env) as beat:
        live.wait_until(
            lambda: FallbackActivation.objects.filter(outage=outage).exists(),
            timeout=30,
            message=lambda: beat.log()[-2000:],
        )
        time.sleep(4)  # several more ticks reach the worker
        ticks = beat.log().count("incidents.auto_activate_fallbacks")
    [activation] = FallbackActivation.objects.filter(outage=outage)
    assert activation.automatic
    assert activation.activated_by == "auto-activation"
    assert activation.deactivated_at is None
    assert ticks >= 3
