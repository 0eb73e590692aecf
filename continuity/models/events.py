"""Outgoing events: the endpoints a customer's events go to and each delivery owed."""

import secrets

from django.db import models

from continuity.models.customers import Customer


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
