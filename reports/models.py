"""The report archive: one current monthly report per customer and period, with revisions."""

from django.db import models
from django.db.models import Q


class ReportState(models.TextChoices):
    PENDING = "pending"
    RENDERED = "rendered"
    SENT = "sent"
    FAILED = "failed"


def report_upload_to(report: "Report", filename: str) -> str:
    return f"reports/{report.customer.slug}/{report.period}-rev{report.revision}.pdf"


class Report(models.Model):
    customer = models.ForeignKey(
        "continuity.Customer", on_delete=models.CASCADE, related_name="reports"
    )
    period = models.CharField(max_length=7, help_text="YYYY-MM in the customer's timezone")
    revision = models.PositiveIntegerField(default=1)
    is_current = models.BooleanField(default=True)
    state = models.CharField(
        max_length=10, choices=ReportState.choices, default=ReportState.PENDING
    )
    pdf = models.FileField(upload_to=report_upload_to, blank=True)
    sha256 = models.CharField(max_length=64, blank=True, help_text="SHA-256 of the PDF file")
    data_sha256 = models.CharField(max_length=64, blank=True, help_text="SHA-256 of the figures")
    fingerprint_version = models.PositiveSmallIntegerField(
        default=1, help_text="The reports.fingerprint version data_sha256 was computed with"
    )
    figures = models.JSONField(default=dict, blank=True, help_text="The figures the PDF shows")
    page_count = models.PositiveIntegerField(null=True, blank=True)
    recipients = models.JSONField(default=list, blank=True)
    send_when_rendered = models.BooleanField(
        default=True,
        help_text="Mail it once rendered (the monthly run); off for one generated on request "
        "without send, which is mailed only through send/.",
    )
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    failure_is_permanent = models.BooleanField(default=False)
    send_claimed_at = models.DateTimeField(null=True, blank=True)
    message_id = models.CharField(
        max_length=255, blank=True, help_text="Sent with every attempt, so clients fold retries"
    )
    rendered_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    figures_changed_at = models.DateTimeField(
        null=True, blank=True, help_text="The period's figures changed after this report was sent."
    )
    superseded_by = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="supersedes"
    )
    revision_note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-period", "customer__name", "-revision"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "period"],
                condition=Q(is_current=True),
                name="one_current_report_per_period",
            ),
            models.UniqueConstraint(
                fields=["customer", "period", "revision"], name="report_unique_revision"
            ),
        ]
        indexes = [
            models.Index(
                fields=["state"],
                condition=Q(state__in=["pending", "rendered", "failed"]),
                name="report_unsent",
            )
        ]

    def __str__(self) -> str:
        return f"{self.customer} {self.period} rev {self.revision} ({self.state})"

    @property
    def superseded(self) -> bool:
        return self.figures_changed_at is not None or self.superseded_by_id is not None


class DeliveryKind(models.TextChoices):
    SCHEDULED = "scheduled"
    RESEND = "resend"


class ReportDelivery(models.Model):
    """Each mailing of a report: the scheduled one and every explicit resend."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="deliveries")
    kind = models.CharField(max_length=10, choices=DeliveryKind.choices)
    requested_by = models.CharField(max_length=150, blank=True)
    requested_at = models.DateTimeField(auto_now_add=True)
    recipients = models.JSONField(default=list)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["requested_at"]

    def __str__(self) -> str:
        return f"{self.kind} of report {self.report_id}"


class BurnAlert(models.Model):
    """Whether a workflow's error budget is burning past a window's threshold, and since when.

    The alert sweep flips `firing_since` with a conditional UPDATE, so each crossing (below
    → above) emits one `budget.burn` event keyed by the crossing, however many sweeps run."""

    workflow = models.ForeignKey(
        "continuity.Workflow", on_delete=models.CASCADE, related_name="burn_alerts"
    )
    window = models.CharField(max_length=8)
    firing_since = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workflow", "window"], name="burn_alert_per_window")
        ]

    def __str__(self) -> str:
        state = f"firing since {self.firing_since:%Y-%m-%d %H:%M}" if self.firing_since else "ok"
        return f"workflow {self.workflow_id} {self.window}: {state}"


class StoredFigures(models.Model):
    """One workflow's SLA figures for a closed period, stored once computed
    (`reports.stored_figures`). A figures-touched mark overlapping the period deletes the
    row in the writer's transaction, so the next read recomputes it."""

    workflow = models.ForeignKey("continuity.Workflow", on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(
        "continuity.Customer",
        on_delete=models.CASCADE,
        related_name="+",
        help_text="The workflow's customer when computed: the one touch marks name",
    )
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()
    version = models.PositiveSmallIntegerField(
        help_text="Format of `figures`; a row of another version is recomputed"
    )
    fingerprint = models.CharField(
        max_length=64, help_text="reports.fingerprint SHA-256 of the numbers stored"
    )
    figures = models.TextField(
        help_text="JSON text, not jsonb: the API's key order is kept, so bodies match bytes"
    )
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workflow", "period_start", "period_end"],
                name="stored_figures_once_per_period",
            ),
            models.CheckConstraint(
                condition=Q(period_end__gt=models.F("period_start")),
                name="stored_figures_period_not_empty",
            ),
        ]
        indexes = [
            models.Index(
                fields=["customer", "period_end", "period_start"],
                name="stored_figures_by_customer",
            )
        ]

    def __str__(self) -> str:
        return f"figures of workflow {self.workflow_id} {self.period_start:%Y-%m-%d}"


class FiguresGeneration(models.Model):
    """Counts the figures-touched marks of a customer. A reader stores what it computed only
    if the count did not move meanwhile, so a write committed during the computation cannot
    leave figures from before it stored."""

    customer = models.OneToOneField(
        "continuity.Customer", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    generation = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"customer {self.customer_id} generation {self.generation}"
