"""Celery tasks of the built-in prober: beat dispatches, location workers run.

* ``incidents.prober_dispatch`` (beat, every ``PROBE_DISPATCH_SECONDS``) claims the due
  probes and sends one batch per location to the queue ``probes.<location>``.
* ``incidents.prober_run`` runs a batch concurrently in a worker started with
  ``PROBE_LOCATION=<location>`` (which consumes ``probes.<location>`` on its own) and
  stores the results through the ingestion service.
* ``incidents.prober_store_results`` retries storing results the database refused.
"""

import logging
import os

from celery import shared_task
from celery.signals import celeryd_after_setup
from django.conf import settings
from django.db import OperationalError
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from kombu import Exchange, Queue

from continuity.celery import app as celery_app
from incidents.prober import services

logger = logging.getLogger(__name__)


@celeryd_after_setup.connect
def consume_location_queue(sender, instance, **kwargs) -> None:
    """A worker with PROBE_LOCATION set also consumes that location's probe queue."""
    location = os.environ.get("PROBE_LOCATION", "") or settings.PROBE_LOCATION
    if location:
        name = services.queue_for(location)
        # Declared as Celery declares a queue named with -Q: its own direct exchange.
        instance.app.amqp.queues.select_add(Queue(name, Exchange(name), routing_key=name))
        logger.info("prober worker for location %r: consuming %s", location, name)


def _backlogs(queues: list[str]) -> dict[str, int]:
    """Messages waiting in each queue (0 when unknown): a location whose worker is absent
    or busy gets no new batch on top of the one it has not taken yet."""
    if celery_app.conf.task_always_eager:
        return {}
    counts = {}
    try:
        with celery_app.connection_for_write() as connection:
            channel = connection.default_channel
            for queue in queues:
                try:
                    counts[queue] = channel.queue_declare(queue=queue, passive=True).message_count
                except Exception:  # the queue does not exist yet: nothing waits in it
                    channel = connection.channel()
                    counts[queue] = 0
    except Exception:  # the broker is down: the sends below fail and say so
        logger.warning("could not read the probe queue backlogs")
    return counts


@shared_task(name="incidents.prober_dispatch", ignore_result=True)
def dispatch_due_probes() -> dict:
    dispatches = services.probes_claim_due()
    if not dispatches:
        return {}
    backlog = _backlogs([services.queue_for(d.location) for d in dispatches])
    dispatched_at = timezone.now().isoformat()
    sent = {}
    for dispatch in dispatches:
        queue = services.queue_for(dispatch.location)
        if backlog.get(queue, 0) > 0:
            logger.warning(
                "%s still holds %d batch(es): no worker for %r, or it is busy; runs skipped",
                queue,
                backlog[queue],
                dispatch.location,
            )
            continue
        try:
            run_probes.apply_async(
                args=[dispatch.location, list(dispatch.probe_ids), dispatched_at],
                queue=queue,
                expires=dispatch.shortest_interval,
            )
        except Exception:  # the broker is down: these slots are skipped, never replayed
            logger.warning("could not dispatch probes to %s", queue)
            continue
        sent[dispatch.location] = len(dispatch.probe_ids)
    return sent


def _store_or_defer(*, items: list[dict]) -> dict:
    try:
        return services.probe_results_store(items=items)
    except OperationalError:
        logger.warning("database unavailable: %d prober results queued for retry", len(items))
        store_probe_results.apply_async(args=[items], countdown=5)
        return {"accepted": None, "duplicates": None, "deferred": len(items)}


@shared_task(name="incidents.prober_run", acks_late=True)
def run_probes(location: str, probe_ids: list[int], dispatched_at: str) -> dict:
    own = os.environ.get("PROBE_LOCATION", "") or settings.PROBE_LOCATION
    if own and own != location:
        logger.error("worker of location %r got a batch for %r; ignored", own, location)
        return {"location": location, "ran": 0, "error": f"worker location is {own!r}"}
    return services.probes_run(
        location=location,
        probe_ids=probe_ids,
        dispatched_at=parse_datetime(dispatched_at),
        store=_store_or_defer,
    )


@shared_task(
    name="incidents.prober_store_results",
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=5,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=20,
)
def store_probe_results(items: list[dict]) -> dict:
    stored = services.probe_results_store(items=items)
    return {"accepted": stored["accepted"], "duplicates": stored["duplicates"]}
