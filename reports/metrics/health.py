"""The service's own health: ingest rate, derivation lag, email backlog, broker queue depth,
and how each periodic sweep last went.

Each figure is one aggregate over an indexed column, read at scrape time.
"""

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

import redis
from django.conf import settings
from django.db.models import Count, Min, Q
from prometheus_client.core import GaugeMetricFamily, Metric

from continuity import delivery
from incidents.models import Probe, ProbeKind, ProbeResult, SweepRun
from incidents.prober.services import queue_for
from incidents.services import notifications
from reports import services as report_services

logger = logging.getLogger(__name__)

INGEST_WINDOWS = {"1m": timedelta(minutes=1), "5m": timedelta(minutes=5)}
OUTBOXES = {"outage_notification": notifications.OUTBOX, "report": report_services.OUTBOX}
REDIS_SCHEMES = ("redis://", "rediss://", "unix://")
BROKER_TIMEOUT_SECONDS = 1


def ingest_metric(now: datetime) -> Metric:
    family = GaugeMetricFamily(
        "continuity_probe_results_stored",
        "Probe results stored in the last window (by when they were received)",
        labels=["window"],
    )
    oldest = now - max(INGEST_WINDOWS.values())
    counts = ProbeResult.objects.filter(received_at__gte=oldest).aggregate(
        **{
            window: Count("pk", filter=Q(received_at__gte=now - length))
            for window, length in INGEST_WINDOWS.items()
        }
    )
    for window, count in counts.items():
        family.add_metric([window], count)
    return family


def derivation_metrics(now: datetime) -> Iterable[Metric]:
    pending = Probe.objects.filter(derivation_pending=True).aggregate(
        probes=Count("pk"), since=Min("derivation_pending_since")
    )
    lag = (now - pending["since"]).total_seconds() if pending["since"] else 0
    yield GaugeMetricFamily(
        "continuity_derivation_pending_probes",
        "Probes with results not yet derived into outages",
        value=pending["probes"],
    )
    yield GaugeMetricFamily(
        "continuity_derivation_lag_seconds",
        "Age of the oldest result not yet derived (0 when derivation is caught up)",
        value=max(lag, 0),
    )


def email_metrics() -> Iterable[Metric]:
    backlog = GaugeMetricFamily(
        "continuity_email_backlog", "Emails waiting to be sent", labels=["kind"]
    )
    failed = GaugeMetricFamily(
        "continuity_email_failed", "Emails given up on (see their last_error)", labels=["kind"]
    )
    for kind, outbox in OUTBOXES.items():
        counts = outbox.model.objects.filter(outbox.waiting | Q(state=delivery.FAILED)).aggregate(
            waiting=Count("pk", filter=outbox.waiting),
            failed=Count("pk", filter=Q(state=delivery.FAILED)),
        )
        backlog.add_metric([kind], counts["waiting"])
        failed.add_metric([kind], counts["failed"])
    return backlog, failed


def broker_queues() -> list[str]:
    """The default queue and the queue of every location the built-in prober runs in."""
    locations = set()
    probes = Probe.objects.filter(enabled=True).exclude(kind=ProbeKind.EXTERNAL)
    for probe_locations in probes.values_list("locations", flat=True):
        locations.update(probe_locations or [])
    return [settings.CELERY_TASK_DEFAULT_QUEUE, *(queue_for(loc) for loc in sorted(locations))]


def _queue_lengths(broker_url: str, queues: list[str]) -> list[int]:
    client = redis.Redis.from_url(
        broker_url,
        socket_timeout=BROKER_TIMEOUT_SECONDS,
        socket_connect_timeout=BROKER_TIMEOUT_SECONDS,
    )
    try:
        pipeline = client.pipeline(transaction=False)
        for queue in queues:
            pipeline.llen(queue)
        return pipeline.execute()
    finally:
        client.close()


def queue_metrics() -> Iterable[Metric]:
    """Messages waiting in each Celery queue when the broker is Redis; nothing otherwise."""
    broker_url = settings.CELERY_BROKER_URL
    if not broker_url.startswith(REDIS_SCHEMES):
        return
    queues = broker_queues()
    try:
        lengths = _queue_lengths(broker_url, queues)
    except redis.RedisError as exc:
        logger.warning(
            "metrics: could not read the broker's queue lengths (%s)", type(exc).__name__
        )
        return
    family = GaugeMetricFamily(
        "continuity_queue_depth", "Messages waiting in the Celery queue", labels=["queue"]
    )
    for queue, length in zip(queues, lengths, strict=True):
        family.add_metric([queue], length)
    yield family


def sweep_metrics() -> Iterable[Metric]:
    """The last stored run of each sweep (a row per sweep, written by whichever worker ran it)."""
    failures = GaugeMetricFamily(
        "continuity_sweep_failures",
        "Items the last run of the sweep failed on (they stay pending for the next run)",
        labels=["sweep"],
    )
    last_run = GaugeMetricFamily(
        "continuity_sweep_last_run_timestamp_seconds",
        "When the sweep last finished (Unix time)",
        labels=["sweep"],
    )
    for name, finished_at, failed in SweepRun.objects.order_by("name").values_list(
        "name", "finished_at", "failures"
    ):
        failures.add_metric([name], failed)
        last_run.add_metric([name], finished_at.timestamp())
    return failures, last_run


def health_metrics(now: datetime) -> Iterable[Metric]:
    yield ingest_metric(now)
    yield from derivation_metrics(now)
    yield from email_metrics()
    yield from queue_metrics()
    yield from sweep_metrics()
