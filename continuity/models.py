"""Core domain: customers, their critical workflows, SLA policies and API keys."""

import hashlib
import secrets
import zoneinfo
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone


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


class Scope(models.TextChoices):
    READ = "read"
    WRITE = "write"
    INGEST = "ingest"


class APIKey(models.Model):
    """A bearer key. Only a SHA-256 of the secret is kept; the key is shown once."""

    PREFIX = "ck_"

    name = models.CharField(max_length=120)
    key_prefix = models.CharField(max_length=16, unique=True)
    key_hash = models.CharField(max_length=64)
    scopes = models.JSONField(default=list)
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.CASCADE, related_name="api_keys"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "API key"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"

    @property
    def is_staff_key(self) -> bool:
        return self.customer_id is None

    @staticmethod
    def hash_secret(raw_key: str) -> str:
        return hashlib.sha256(raw_key.encode()).hexdigest()

    @classmethod
    def generate(
        cls, *, name: str, scopes: list[str], customer: Customer | None
    ) -> tuple["APIKey", str]:
        prefix = secrets.token_hex(6)
        raw_key = f"{cls.PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
        key = cls.objects.create(
            name=name,
            key_prefix=prefix,
            key_hash=cls.hash_secret(raw_key),
            scopes=sorted(set(scopes)),
            customer=customer,
        )
        return key, raw_key

    def matches(self, raw_key: str) -> bool:
        return secrets.compare_digest(self.key_hash, self.hash_secret(raw_key))

    def revoke(self) -> None:
        self.revoked_at = timezone.now()
        self.save(update_fields=["revoked_at"])


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


class EventKind(models.TextChoices):
    WEBHOOK = "webhook", "Signed JSON webhook"
    SLACK = "slack", "Slack incoming webhook"
    TEAMS = "teams", "Microsoft Teams incoming webhook"
    EMAIL = "email", "Email (mailto: URL)"
    APPRISE = "apprise", "Any service Apprise knows (apprise URL)"


class EventType(models.TextChoices):
    OUTAGE_OPENED = "outage.opened"
    OUTAGE_UPDATED = "outage.updated"
    OUTAGE_RESOLVED = "outage.resolved"
    OUTAGE_EXCLUDED = "outage.excluded"
    FALLBACK_ACTIVATED = "fallback.activated"
    FALLBACK_DEACTIVATED = "fallback.deactivated"
    RTO_AT_RISK = "rto.at_risk"
    RTO_MISSED = "rto.missed"
    BUDGET_BURN = "budget.burn"
    REPORT_SENT = "report.sent"
    REPORT_SUPERSEDED = "report.superseded"
    ENDPOINT_TEST = "endpoint.test"


def new_event_secret() -> str:
    return f"whsec_{secrets.token_urlsafe(32)}"


class EventEndpoint(models.Model):
    """Where a customer's events go. The secret signs webhooks; it is shown once."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="event_endpoints")
    kind = models.CharField(max_length=16, choices=EventKind.choices, default=EventKind.WEBHOOK)
    url = models.CharField(
        max_length=2000,
        help_text="http(s) URL; mailto:a@example.com[,b@example.com] for email; an Apprise URL.",
    )
    events = models.JSONField(default=list, blank=True, help_text="Event types; empty: all.")
    secret = models.CharField(max_length=100, default=new_event_secret, editable=False)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.kind} → {self.url}"

    def wants(self, event_type: str) -> bool:
        return not self.events or event_type in self.events


class DeliveryState(models.TextChoices):
    """The states of anything `continuity.delivery` sends: outage emails, events."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class EventDelivery(models.Model):
    """One event owed to one endpoint, delivered through `continuity.delivery`."""

    endpoint = models.ForeignKey(EventEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event_type = models.CharField(max_length=40, choices=EventType.choices)
    idempotency_key = models.CharField(max_length=200)
    payload = models.JSONField(default=dict)
    state = models.CharField(
        max_length=16, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "idempotency_key"], name="event_delivery_once_per_endpoint"
            )
        ]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=models.Q(state__in=["pending", "sending"]),
                name="event_delivery_unsent",
            )
        ]

    def __str__(self) -> str:
        return f"{self.event_type} → endpoint {self.endpoint_id}"
