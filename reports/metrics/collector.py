"""The collector `/metrics` serves: every figure read afresh at each scrape."""

from collections.abc import Iterable

from django.utils import timezone
from prometheus_client.core import Metric
from prometheus_client.registry import Collector, CollectorRegistry

from reports.metrics.health import health_metrics
from reports.metrics.workflows import workflow_metrics


class DatabaseCollector(Collector):
    def collect(self) -> Iterable[Metric]:
        now = timezone.now()
        yield from workflow_metrics(now)
        yield from health_metrics(now)


def registry() -> CollectorRegistry:
    """A registry of the database collector alone (no process metrics of one worker)."""
    result = CollectorRegistry(auto_describe=False)
    result.register(DatabaseCollector())
    return result
