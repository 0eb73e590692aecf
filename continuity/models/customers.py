"""Customers, their critical workflows and SLA policies, and the figures-touched marks."""

import zoneinfo
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


def validate_timezone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(f"'{value}' is not an IANA timezone (e.g. Europe/Berlin)") from exc


class NoDataMode(models.TextChoices):
    EXCLUDED = "excluded", "Excluded from the measured time"
    UP = "up", "Counted as up"
    DOWN = "down", "Counted as down"


class SLAPolicy(models.Model):
    """How a workflow's availability is measured and what a breach costs.

    A policy with no customer is a shared template; a customer-owned one belongs to
    that tenant alone.
    """

    customer = models.ForeignKey(
        "continuity.Customer",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="sla_policies",
    )
    name = models.CharField(max_length=120)
    target_pct = models.DecimalField(
        max_digits=6,
        decimal_places=3,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    degraded_weight = models.DecimalField(
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.5"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
    )
    min_outage_seconds = models.PositiveIntegerField(default=60)
    no_data = models.CharField(
        max_length=10, choices=NoDataMode.choices, default=NoDataMode.EXCLUDED
    )
    service_hours = models.JSONField(
        default=list,
        blank=True,
        help_text='Weekly schedule in the customer\'s timezone, e.g. [{"weekday": 0, '
        '"start": "09:00", "end": "17:00"}] (0 = Monday). Empty = 24x7.',
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "SLA policy"
        verbose_name_plural = "SLA policies"
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(target_pct__gte=0, target_pct__lte=100),
                name="sla_policy_target_in_range",
            ),
            models.CheckConstraint(
                condition=models.Q(degraded_weight__gte=0, degraded_weight__lte=1),
                name="sla_policy_weight_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.target_pct}%)"


class CreditTier(models.Model):
    policy = models.ForeignKey(SLAPolicy, on_delete=models.CASCADE, related_name="credit_tiers")
    below_pct = models.DecimalField(
        max_digits=6,
        decimal_places=3,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    credit_pct = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )

    class Meta:
        ordering = ["-below_pct"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "below_pct"], name="credit_tier_unique_below")
        ]

    def __str__(self) -> str:
        return f"below {self.below_pct}% → {self.credit_pct}% credit"


class Locale(models.TextChoices):
    """The language a customer's reports and emails are written in (a Django language code)."""

    EN = "en", "English"
    ZH_HANS = "zh-hans", "简体中文 (Simplified Chinese)"
    DE = "de", "Deutsch (German)"


class Customer(models.Model):
    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    report_recipients = models.JSONField(default=list, blank=True)
    sla_policy = models.ForeignKey(
        SLAPolicy, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    notify_outage_emails = models.BooleanField(
        default=False, help_text="Email report recipients when an outage opens, updates, resolves."
    )
    status_page_enabled = models.BooleanField(default=False)
    locale = models.CharField(
        max_length=8,
        choices=Locale.choices,
        default=Locale.EN,
        help_text="Language of the customer's PDF reports and emails.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Workflow(models.Model):
    """A customer's critical business workflow, the unit outages and SLAs are kept for."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="workflows")
    name = models.CharField(max_length=200)
    criticality = models.PositiveSmallIntegerField(
        default=2, validators=[MinValueValidator(1), MaxValueValidator(3)]
    )
    cost_per_minute = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    currency = models.CharField(max_length=3, default="USD")
    users_affected = models.PositiveIntegerField(default=0)
    rto_minutes = models.PositiveIntegerField(default=60)
    upstream_dependency = models.CharField(max_length=120, blank=True, db_index=True)
    sla_policy = models.ForeignKey(
        SLAPolicy, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sla_effective_from = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Time before this is outside the SLA period (neither measured nor no data); "
        "empty: every period counts whole.",
    )
    # Derivation bookkeeping: when outages were last derived and the state found then.
    derived_at = models.DateTimeField(null=True, blank=True)
    current_state = models.CharField(max_length=10, default="no_data")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["customer__name", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["customer", "name"], name="workflow_unique_name"),
            models.CheckConstraint(
                condition=models.Q(criticality__gte=1, criticality__lte=3),
                name="workflow_criticality_1_3",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer.name} / {self.name}"

    @property
    def effective_policy(self) -> SLAPolicy | None:
        return self.sla_policy or self.customer.sla_policy


class FiguresTouch(models.Model):
    """A write may have changed the customer's SLA figures over [since, until) (null: open).

    One row per customer, widened by each write (`continuity.services.figures_touch`); the
    hourly report check recomputes the sent reports whose period overlaps it, then clears it.
    """

    customer = models.OneToOneField(
        Customer, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    since = models.DateTimeField(null=True, blank=True)
    until = models.DateTimeField(null=True, blank=True)
    touched_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"figures of customer {self.customer_id} touched {self.since} – {self.until}"
