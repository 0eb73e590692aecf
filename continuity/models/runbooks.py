"""Runbooks, their steps, and the fallback activations that carry them out."""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from continuity.models.customers import Workflow


class Runbook(models.Model):
    """A workflow's contingency plan. `version` grows when a used runbook is edited."""

    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="runbooks")
    title = models.CharField(max_length=200)
    fallback_strategy = models.TextField(
        help_text="What the fallback is: a second provider, an offline procedure, manual handling."
    )
    auto_activate_after_minutes = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Activate the fallback automatically once an open outage has lasted this long.",
    )
    default_effectiveness_pct = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("100"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    last_tested_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["workflow_id", "title", "id"]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"

    def snapshot(self) -> dict:
        """The runbook as an activation used it (steps must be prefetched or are queried)."""
        return {
            "version": self.version,
            "title": self.title,
            "fallback_strategy": self.fallback_strategy,
            "steps": [
                {
                    "order": step.order,
                    "title": step.title,
                    "owner_role": step.owner_role,
                    "expected_minutes": step.expected_minutes,
                }
                for step in self.steps.all()
            ],
        }


class RunbookStep(models.Model):
    runbook = models.ForeignKey(Runbook, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=300)
    owner_role = models.CharField(max_length=120, blank=True)
    expected_minutes = models.PositiveIntegerField(default=5)

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["runbook", "order"], name="runbook_step_unique_order")
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.title}"


class FallbackActivation(models.Model):
    """A fallback switched on for an outage, or a drill (no outage)."""

    outage = models.ForeignKey(
        "incidents.Outage",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="fallback_activations",
    )
    runbook = models.ForeignKey(Runbook, on_delete=models.PROTECT, related_name="activations")
    runbook_version = models.PositiveIntegerField()
    runbook_snapshot = models.JSONField(default=dict)
    activated_at = models.DateTimeField()
    activated_by = models.CharField(max_length=150, blank=True)
    automatic = models.BooleanField(default=False)
    is_drill = models.BooleanField(default=False)
    deactivated_at = models.DateTimeField(null=True, blank=True)
    deactivated_by = models.CharField(max_length=150, blank=True)
    effectiveness_pct = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("100"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    notes = models.TextField(blank=True)
    flagged_at = models.DateTimeField(
        null=True, blank=True, help_text="Still active long after its outage resolved."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-activated_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["outage"],
                condition=models.Q(deactivated_at=None, outage__isnull=False),
                name="one_active_fallback_per_outage",
            ),
            models.UniqueConstraint(
                fields=["outage"],
                condition=models.Q(automatic=True),
                name="one_automatic_fallback_per_outage",
            ),
            models.CheckConstraint(
                condition=models.Q(deactivated_at=None)
                | models.Q(deactivated_at__gte=models.F("activated_at")),
                name="fallback_deactivated_after_activated",
            ),
            models.CheckConstraint(
                condition=models.Q(effectiveness_pct__gte=0, effectiveness_pct__lte=100),
                name="fallback_effectiveness_0_100",
            ),
        ]

    def __str__(self) -> str:
        kind = "drill" if self.is_drill else f"outage {self.outage_id}"
        return f"{self.runbook.title} for {kind} at {self.activated_at:%Y-%m-%d %H:%M}"

    @property
    def is_active(self) -> bool:
        return self.deactivated_at is None


class StepCompletion(models.Model):
    activation = models.ForeignKey(
        FallbackActivation, on_delete=models.CASCADE, related_name="step_completions"
    )
    step_order = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=300)
    completed_at = models.DateTimeField()
    completed_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["step_order"]
        constraints = [
            models.UniqueConstraint(fields=["activation", "step_order"], name="step_completed_once")
        ]

    def __str__(self) -> str:
        return f"step {self.step_order} done at {self.completed_at:%Y-%m-%d %H:%M}"
