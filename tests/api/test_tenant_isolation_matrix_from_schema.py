"""Every operation of the OpenAPI schema, called by customer B on customer A's objects.

The requests are generated from `/api/schema/`: path ids are A's objects, bodies and list
filters refer to A's objects. Each one must answer 404 (400 naming the field for a body
that refers to A's objects; an empty list for a filter on them), show nothing of A's
(A's names all contain VICTIM), and change no row at all. An operation the generator
cannot point at A's objects fails the test, so a new endpoint is covered without anyone
writing a test for it.
"""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps

from audit.selectors import audit_events_for
from continuity.models import (
    EventDelivery,
    EventEndpoint,
    FallbackActivation,
    Runbook,
    RunbookStep,
    SLAPolicy,
)
from incidents.models import MaintenanceWindow, Outage, ProbeResult
from reports.models import Report
from tests.factories import CustomerFactory, ProbeFactory, WorkflowFactory, make_key

pytestmark = pytest.mark.django_db

VICTIM = "victim"
AT = datetime(2026, 9, 1, tzinfo=UTC)
SNAPSHOT_APPS = ("continuity", "incidents", "reports")
VOLATILE_FIELDS = {"last_used_at"}  # an API key's, touched by authentication

# Staff-only operations: customer B cannot reach them at all, whatever the ids (403/404).
STAFF_ONLY = {
    "POST /api/v1/customers/",  # creating a tenant
    "PUT /api/v1/customers/{id}/",
    "PATCH /api/v1/customers/{id}/",
    "DELETE /api/v1/customers/{id}/",
    "GET /api/v1/dependencies/",  # provider incidents across every customer
}

# Alertmanager retries every answer but a 2xx, so an alert it cannot store is a 200 that
# names it in `skipped` (README "Probing"), like an alert for a probe that does not exist.
SKIPS_INSTEAD_OF_400 = {"POST /api/v1/webhooks/alertmanager/"}


@pytest.fixture
def victim(db) -> dict[str, Any]:
    """Customer A with one object of every kind the API serves, each named VICTIM…."""
    customer = CustomerFactory(slug=f"{VICTIM}-a", name=f"{VICTIM} A")
    workflow = WorkflowFactory(customer=customer, name=f"{VICTIM} workflow")
    probe = ProbeFactory(workflow=workflow, name=f"{VICTIM} probe")
    result = ProbeResult.objects.create(
        probe=probe, location="eu-west", observed_at=AT, outcome="down", error=f"{VICTIM} error"
    )
    outage = Outage.objects.create(
        workflow=workflow,
        started_at=AT,
        ended_at=AT + timedelta(hours=1),
        severity="down",
        source="manual",
        summary=f"{VICTIM} outage",
    )
    runbook = Runbook.objects.create(
        workflow=workflow, title=f"{VICTIM} runbook", fallback_strategy=f"{VICTIM} fallback"
    )
    RunbookStep.objects.create(runbook=runbook, order=1, title=f"{VICTIM} step")
    activation = FallbackActivation.objects.create(
        outage=outage,
        runbook=runbook,
        runbook_version=1,
        activated_at=AT,
        activated_by=f"{VICTIM} operator",
    )
    policy = SLAPolicy.objects.create(customer=customer, name=f"{VICTIM} policy", target_pct=99)
    window = MaintenanceWindow.objects.create(
        customer=customer, starts_at=AT, ends_at=AT + timedelta(hours=2), reason=f"{VICTIM} work"
    )
    window.workflows.add(workflow)
    report = Report.objects.create(customer=customer, period="2026-08", state="sent")
    endpoint = EventEndpoint.objects.create(customer=customer, url=f"https://{VICTIM}.example/hook")
    event = EventDelivery.objects.create(
        endpoint=endpoint, event_type="outage.opened", idempotency_key=f"{VICTIM}-event"
    )
    # an audit event's id is "<table>-<number>" (the trigger recorded A's outage above)
    [outage_created] = audit_events_for(object_type="outage", object_id=outage.pk)
    return {
        # the first segment of a path with `{id}` -> A's object of that resource
        "by_resource": {
            "customers": customer,
            "workflows": workflow,
            "probes": probe,
            "probe-results": result,
            "outages": outage,
            "runbooks": runbook,
            "fallback-activations": activation,
            "sla-policies": policy,
            "maintenance-windows": window,
            "reports": report,
            "audit-events": SimpleNamespace(pk=outage_created.id),
            "event-endpoints": endpoint,
            "event-deliveries": event,
        },
        # a field or filter of this name -> A's object it refers to
        "references": {
            "customer": customer.pk,
            "slug": customer.slug,
            "workflow": workflow.pk,
            "workflows": workflow.pk,
            "probe": probe.pk,
            "outage": outage.pk,
            "runbook": runbook.pk,
            "sla_policy": policy.pk,
            "endpoint": endpoint.pk,
        },
        # free-form objects whose keys refer to A's objects
        "free_form": {"labels": {"continuity_probe": str(probe.pk)}},
    }


@pytest.fixture
def attacker(db, api):
    """Customer B, with a workflow of its own, and its key with every scope."""
    customer = CustomerFactory(slug="attacker-b", name="Attacker B")
    ProbeFactory(workflow=WorkflowFactory(customer=customer))
    return api(make_key(customer=customer, scopes=("read", "write", "ingest")))


class Unfillable(Exception):
    """The generator does not know how to make this operation point at A's objects."""


class Generator:
    """Requests from the schema that refer to A's objects wherever the schema allows."""

    def __init__(self, schema: dict, victim: dict):
        self.components = schema["components"]["schemas"]
        self.victim = victim
        self.referred: list[str] = []

    def request(self, path: str, method: str, operation: dict) -> dict[str, Any]:
        self.referred = []
        url = self._path(path, operation)
        query = self._query(operation)
        body = self._body(operation)
        if url == path and not self.referred:
            raise Unfillable("no path id, body field or filter refers to another object")
        return {"path": url, "query": query, "body": body, "path_id": url != path}

    def _path(self, path: str, operation: dict) -> str:
        names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "path"]
        if not names:
            return path
        if names != ["id"]:
            raise Unfillable(f"path parameters {names}")
        resource = path.removeprefix("/api/v1/").split("/")[0]
        if resource not in self.victim["by_resource"]:
            raise Unfillable(f"no object of customer A for /{resource}/")
        return path.replace("{id}", str(self.victim["by_resource"][resource].pk))

    def _query(self, operation: dict) -> dict[str, Any]:
        query = {}
        for parameter in operation.get("parameters", []):
            name = parameter["name"]
            if parameter["in"] == "query" and name in self.victim["references"]:
                query[name] = self.victim["references"][name]
                self.referred.append(name)
        return query

    def _body(self, operation: dict) -> dict | None:
        content = operation.get("requestBody", {}).get("content", {})
        if not content:
            return None
        if "application/json" not in content:
            raise Unfillable(f"a request body only as {sorted(content)}")
        return self._value(content["application/json"]["schema"], name="")

    def _value(self, schema: dict, name: str) -> Any:
        schema = self._resolve(schema)
        if name in self.victim["references"]:
            self.referred.append(name)
            ref = self.victim["references"][name]
            return [ref] if schema.get("type") == "array" else ref
        if name in self.victim["free_form"]:
            self.referred.append(name)
            return self.victim["free_form"][name]
        if "enum" in schema:
            return next(value for value in schema["enum"] if value not in (None, ""))
        kind = schema.get("type", "object")
        if kind == "object":
            return self._object(schema)
        if kind == "array":
            return [self._value(schema.get("items", {}), name)]
        return self._scalar(schema, kind)

    def _object(self, schema: dict) -> dict:
        wanted = {
            *schema.get("required", []),
            *self.victim["references"],
            *self.victim["free_form"],
        }
        return {
            key: self._value(sub, key)
            for key, sub in schema.get("properties", {}).items()
            if key in wanted and not sub.get("readOnly")
        }

    @staticmethod
    def _scalar(schema: dict, kind: str) -> Any:
        if kind == "string":
            return {"date-time": AT.isoformat(), "date": AT.date().isoformat(), "decimal": "1"}.get(
                schema.get("format"), "isolation"
            )
        if kind in ("integer", "number"):
            return max(schema.get("minimum", 1), 1)
        if kind == "boolean":
            return False
        raise Unfillable(f"a value of type {kind}")

    def _resolve(self, schema: dict) -> dict:
        while "$ref" in schema or "allOf" in schema or "oneOf" in schema:
            if "$ref" in schema:
                schema = self.components[schema["$ref"].rsplit("/", 1)[-1]]
            else:
                schema = (schema.get("allOf") or schema["oneOf"])[0]
        return schema


def snapshot() -> dict[str, list[dict]]:
    """Every row of the project's tables (API keys without their last-use stamp)."""
    rows = {}
    for app_label in SNAPSHOT_APPS:
        for model in apps.get_app_config(app_label).get_models():
            values = model._base_manager.order_by("pk").values()
            rows[model._meta.label] = [
                {k: v for k, v in row.items() if k not in VOLATILE_FIELDS} for row in values
            ]
    return rows


def operations(schema: dict):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield f"{method.upper()} {path}", path, method, operation


def call(client, method: str, request: dict):
    url = request["path"]
    if request["query"]:
        response = getattr(client, method)(url, request["query"])
    elif request["body"] is not None:
        response = getattr(client, method)(url, request["body"], format="json")
    else:
        response = getattr(client, method)(url)
    return response


def verdict(name: str, request: dict, response) -> str | None:
    """What is wrong with the answer to one request, or None."""
    status = response.status_code
    text = response.content.decode(errors="replace")
    if VICTIM in text.lower():
        return f"{status}, shows customer A's data: {text[:300]}"
    if name in STAFF_ONLY:
        return None if status in (403, 404) else f"{status}, not 403/404 (staff only)"
    if request["path_id"]:
        return None if status == 404 else f"{status}, not 404: {text[:300]}"
    if request["body"] is not None:
        return _body_verdict(name, request, status, response)
    if status == 404:
        return None
    if status != 200 or response.json().get("results", []) != []:
        return f"{status}, not 404 or an empty list: {text[:300]}"
    return None


def _body_verdict(name: str, request: dict, status: int, response) -> str | None:
    data = response.json()
    if name in SKIPS_INSTEAD_OF_400:
        if status == 200 and data["accepted"] == 0 and len(data["skipped"]) == 1:
            return None
        return f"{status}, not 200 with the alert skipped: {data}"
    if status != 400:
        return f"{status}, not 400: {data}"
    if not any(field in str(data) for field in request["referred"]):
        return f"400 names none of {request['referred']}: {data}"
    return None


def test_customer_b_cannot_reach_or_change_customer_a_through_any_operation(
    client, attacker, victim
):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    generator = Generator(schema, victim)
    problems, checked = [], 0
    for name, path, method, operation in operations(schema):
        try:
            request = generator.request(path, method, operation)
        except Unfillable as exc:
            if name not in STAFF_ONLY:
                problems.append(f"{name}: the generator cannot fill it ({exc})")
                continue
            request = {"path": path, "query": {}, "body": None, "path_id": False}
        request["referred"] = list(generator.referred)
        before = snapshot()
        response = call(attacker, method, request)
        wrong = verdict(name, request, response)
        if wrong:
            problems.append(f"{name} -> {wrong}")
        if snapshot() != before:
            problems.append(f"{name} changed rows")
        checked += 1
    assert not problems, "\n".join(problems)
    assert checked == sum(1 for _ in operations(schema)) > 50
