from datetime import UTC, datetime, timedelta
from decimal import Decimal

import factory

from continuity.models import APIKey, Customer, SLAPolicy, Workflow
from incidents.models import Probe

BASE_TIME = datetime(2026, 9, 1, tzinfo=UTC)


class SLAPolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SLAPolicy

    name = factory.Sequence(lambda n: f"Policy {n}")
    target_pct = Decimal("99.900")


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    slug = factory.Sequence(lambda n: f"customer-{n}")
    name = factory.Sequence(lambda n: f"Customer {n}")
    timezone = "UTC"
    report_recipients = factory.LazyAttribute(lambda c: [f"ops@{c.slug}.example"])


class WorkflowFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Workflow

    customer = factory.SubFactory(CustomerFactory)
    name = factory.Sequence(lambda n: f"Workflow {n}")
    criticality = 1
    cost_per_minute = Decimal("10.00")
    users_affected = 100
    rto_minutes = 15
    upstream_dependency = "OpenAI API"


class ProbeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Probe

    workflow = factory.SubFactory(WorkflowFactory)
    name = factory.Sequence(lambda n: f"probe-{n}")
    kind = "external"
    interval_seconds = 60
    locations = factory.LazyFunction(lambda: ["eu-west", "us-east", "ap-south"])
    failure_threshold = 2
    recovery_threshold = 1


class LLMProbeFactory(ProbeFactory):
    """An `llm` probe of the model "gpt-test"; give it the stub's `target` and a key env."""

    kind = "llm"
    llm_model = "gpt-test"
    timeout_ms = 5000


def make_key(*, customer=None, scopes=("read", "write", "ingest"), name="test key") -> str:
    _, raw = APIKey.generate(name=name, scopes=list(scopes), customer=customer)
    return raw


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)
