"""Celery tasks: thin, idempotent, keyed on database state."""

from celery import shared_task
from django.db import OperationalError

from incidents import services


@shared_task(
    name="incidents.derive_workflow_outages",
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
)
def derive_workflow_outages(workflow_id: int) -> dict:
    summary = services.workflow_derive_outages(workflow_id=workflow_id)
    return {"workflow": summary.workflow_id, "created": summary.created, "state": summary.state}


@shared_task(name="incidents.sweep_derivations", acks_late=True)
def sweep_derivations() -> int:
    """Derive what a lost message or a broker outage left undone, and close stale spans."""
    workflow_ids = services.workflows_needing_derivation()
    for workflow_id in workflow_ids:
        services.workflow_derive_outages(workflow_id=workflow_id)
    return len(workflow_ids)
