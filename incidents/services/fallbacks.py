"""Fallback activations: switching a runbook's fallback on and off for an outage."""

from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from continuity.exceptions import ConflictError, DomainError
from continuity.models import EventType, FallbackActivation, Runbook, StepCompletion
from incidents.models import Outage
from incidents.services.events import fallback_event
from incidents.services.outages import outage_figures_touched


def _check_effectiveness(value: Decimal) -> Decimal:
    value = Decimal(value)
    if not Decimal(0) <= value <= Decimal(100):
        raise DomainError("effectiveness_pct must be between 0 and 100.", field="effectiveness_pct")
    return value


def _not_in_future(instant: datetime, field: str, now: datetime) -> None:
    if instant > now + timedelta(seconds=settings.PROBE_RESULT_MAX_SKEW_SECONDS):
        raise DomainError(f"{field} is in the future.", field=field)


def fallback_activate(
    *,
    outage: Outage,
    runbook: Runbook,
    effectiveness_pct: Decimal | None = None,
    activated_at: datetime | None = None,
    activated_by: str = "",
    automatic: bool = False,
    notes: str = "",
) -> FallbackActivation:
    """Switch a fallback on for an outage; at most one is active per outage at a time."""
    now = timezone.now()
    activated_at = activated_at or now
    if runbook.workflow_id != outage.workflow_id:
        raise DomainError(
            "The runbook belongs to another workflow than the outage.", field="runbook"
        )
    effectiveness = _check_effectiveness(
        runbook.default_effectiveness_pct if effectiveness_pct is None else effectiveness_pct
    )
    if activated_at < outage.started_at:
        raise DomainError(
            f"activated_at is before the outage started ({outage.started_at.isoformat()}).",
            field="activated_at",
        )
    if outage.ended_at is not None and activated_at > outage.ended_at:
        raise DomainError(
            f"The outage had already ended at {outage.ended_at.isoformat()}.", field="activated_at"
        )
    _not_in_future(activated_at, "activated_at", now)
    try:
        with transaction.atomic():
            Outage.objects.select_for_update().filter(pk=outage.pk).first()
            active = FallbackActivation.objects.filter(outage=outage, deactivated_at=None).first()
            if active is not None:
                raise ConflictError(
                    f"Outage {outage.pk} already has an active fallback (activation {active.pk}); "
                    "deactivate it first."
                )
            outage_figures_touched(outage)
            activation = FallbackActivation.objects.create(
                outage=outage,
                runbook=runbook,
                runbook_version=runbook.version,
                runbook_snapshot=runbook.snapshot(),
                activated_at=activated_at,
                activated_by=activated_by,
                automatic=automatic,
                effectiveness_pct=effectiveness,
                notes=notes,
            )
            fallback_event(activation=activation, event_type=EventType.FALLBACK_ACTIVATED)
            return activation
    except IntegrityError as exc:
        raise ConflictError(f"Outage {outage.pk} already has an active fallback.") from exc


def fallback_deactivate(
    *, activation: FallbackActivation, deactivated_at: datetime | None = None, by: str = ""
) -> FallbackActivation:
    now = timezone.now()
    deactivated_at = deactivated_at or now
    _not_in_future(deactivated_at, "deactivated_at", now)
    with transaction.atomic():
        locked = FallbackActivation.objects.select_for_update().get(pk=activation.pk)
        if locked.deactivated_at is not None:
            raise ConflictError(
                f"Activation {locked.pk} was already deactivated at "
                f"{locked.deactivated_at.isoformat()}."
            )
        if deactivated_at < locked.activated_at:
            raise DomainError("deactivated_at is before the activation.", field="deactivated_at")
        locked.deactivated_at = deactivated_at
        locked.deactivated_by = by
        locked.save(update_fields=["deactivated_at", "deactivated_by"])
        outage_figures_touched(locked.outage)
        fallback_event(activation=locked, event_type=EventType.FALLBACK_DEACTIVATED)
    return locked


def step_complete(
    *,
    activation: FallbackActivation,
    order: int,
    completed_at: datetime | None = None,
    by: str = "",
) -> StepCompletion:
    """Mark a step of the runbook version the activation used as done."""
    steps = {step["order"]: step for step in activation.runbook_snapshot.get("steps", [])}
    if order not in steps:
        raise DomainError(
            f"Runbook version {activation.runbook_version} has no step {order}.", field="order"
        )
    completed_at = completed_at or timezone.now()
    if completed_at < activation.activated_at:
        raise DomainError("completed_at is before the activation.", field="completed_at")
    try:
        with transaction.atomic():
            return StepCompletion.objects.create(
                activation=activation,
                step_order=order,
                title=steps[order]["title"],
                completed_at=completed_at,
                completed_by=by,
            )
    except IntegrityError as exc:
        raise ConflictError(f"Step {order} is already done.") from exc


def fallbacks_auto_activate(*, now: datetime | None = None) -> list[FallbackActivation]:
    """Activate runbooks with auto_activate_after_minutes for open outages lasting that long.

    Each outage gets at most one automatic activation (a unique index), and none when an
    operator has already activated a fallback for it.
    """
    now = now or timezone.now()
    runbooks = Runbook.objects.filter(auto_activate_after_minutes__isnull=False).prefetch_related(
        "steps"
    )
    created = []
    for runbook in runbooks:
        due_before = now - timedelta(minutes=runbook.auto_activate_after_minutes)
        outages = Outage.objects.filter(
            workflow_id=runbook.workflow_id,
            ended_at=None,
            started_at__lte=due_before,
            fallback_activations__isnull=True,
        )
        for outage in outages:
            try:
                created.append(
                    fallback_activate(
                        outage=outage,
                        runbook=runbook,
                        activated_at=now,
                        activated_by="auto-activation",
                        automatic=True,
                        notes=f"Activated automatically after "
                        f"{runbook.auto_activate_after_minutes} minutes of outage.",
                    )
                )
            except ConflictError:
                continue
    return created


def fallbacks_flag_forgotten(*, now: datetime | None = None) -> int:
    """Flag activations still on a configurable time after their outage resolved."""
    now = now or timezone.now()
    limit = now - timedelta(minutes=settings.FALLBACK_FLAG_AFTER_MINUTES)
    return FallbackActivation.objects.filter(
        deactivated_at=None,
        flagged_at=None,
        outage__ended_at__lt=limit,
    ).update(flagged_at=now)
