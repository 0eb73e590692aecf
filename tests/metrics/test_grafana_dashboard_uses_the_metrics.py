"""docs/grafana-dashboard.json: valid JSON whose every query is PromQL (parsed by
promql-parser) over metrics `/metrics` exports, covering every figure the issue lists."""

import json
import re
from datetime import timedelta
from pathlib import Path

import promql_parser
import pytest
from django.utils import timezone

from continuity.models import FallbackActivation, Runbook
from incidents.models import Outage, SweepRun
from tests.factories import WorkflowFactory
from tests.metrics.scrape import names, scrape

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = ROOT / "docs" / "grafana-dashboard.json"
LABEL_VALUES = re.compile(r"label_values\((\w+)")

SHOWN = {
    "continuity_workflow_state",
    "continuity_workflow_open_outages",
    "continuity_workflow_availability_percent",
    "continuity_workflow_error_budget_remaining_seconds",
    "continuity_workflow_error_budget_burn_rate",
    "continuity_workflow_fallback_active",
    "continuity_workflow_open_outage_time_to_mitigate_seconds",
    "continuity_probe_results_stored",
    "continuity_derivation_lag_seconds",
    "continuity_queue_depth",
    "continuity_email_backlog",
    "continuity_sweep_failures",
}


def panels(items: list[dict]):
    for panel in items:
        yield panel
        yield from panels(panel.get("panels", []))


def queries() -> list[str]:
    dashboard = json.loads(DASHBOARD.read_text())
    return [
        target["expr"]
        for panel in panels(dashboard["panels"])
        for target in panel.get("targets", [])
    ]


def selected(expr: str) -> set[str]:
    found: set[str] = set()

    def visit(node) -> None:
        if isinstance(node, promql_parser.VectorSelector):
            found.add(node.name)

    promql_parser.walk(promql_parser.parse(expr), visit)
    return found


def dashboard_metrics() -> set[str]:
    dashboard = json.loads(DASHBOARD.read_text())
    variables = {
        name
        for variable in dashboard["templating"]["list"]
        for name in LABEL_VALUES.findall(variable.get("definition", ""))
    }
    return variables | {name for expr in queries() for name in selected(expr)}


def test_every_query_parses_as_promql():
    assert len(queries()) >= 15
    for expr in queries():
        assert selected(expr), expr


def test_the_dashboard_shows_every_figure_the_issue_lists():
    assert dashboard_metrics() >= SHOWN


@pytest.mark.django_db
def test_the_dashboard_reads_only_metrics_the_service_exports(web, metrics_token):
    workflow = WorkflowFactory()
    now = timezone.now()
    outage = Outage.objects.create(
        workflow=workflow, started_at=now - timedelta(minutes=20), severity="down"
    )
    FallbackActivation.objects.create(
        outage=outage,
        runbook=Runbook.objects.create(workflow=workflow, title="Switch"),
        runbook_version=1,
        activated_at=now - timedelta(minutes=5),
    )
    SweepRun.objects.create(name="derivation", finished_at=now)  # the sweep has run once
    assert dashboard_metrics() <= names(scrape(web))
