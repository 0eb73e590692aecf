"""Probes, their results, derived outages, status updates and maintenance windows."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from continuity.models import DeliveryState


class ProbeKind(models.TextChoices):
    HTTP = "http"
    LLM = "llm"
    STATUSPAGE = "statuspage"
    EXTERNAL = "external"


class Outcome(models.TextChoices):
    UP = "up"
    DEGRADED = "degraded"
    DOWN = "down"


class Probe(models.Model):
    workflow = models.ForeignKey(
        "continuity.Workflow", on_delete=models.CASCADE, related_name="probes"
    )
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=12, choices=ProbeKind.choices, default=ProbeKind.EXTERNAL)
    target = models.CharField(max_length=500, blank=True)
    interval_seconds = models.PositiveIntegerField(default=60, validators=[MinValueValidator(5)])
    timeout_ms = models.PositiveIntegerField(default=10_000, validators=[MinValueValidator(1)])
    expected_status = models.JSONField(default=list, blank=True)
    locations = models.JSONField(default=list)
    quorum = models.PositiveSmallIntegerField(null=True, blank=True)
    failure_threshold = models.PositiveSmallIntegerField(
        default=2, validators=[MinValueValidator(1)]
    )
    recovery_threshold = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1)]
    )
    degraded_latency_ms = models.PositiveIntegerField(null=True, blank=True)
    # How the built-in prober and agents run `http`, `llm` and `statuspage` probes.
    method = models.CharField(max_length=10, default="GET")
    # {"Accept": "application/json", "Authorization": {"env": "VENDOR_TOKEN"}}: secret values
    # are env-var references resolved by the process that runs the probe, never stored.
    headers = models.JSONField(default=dict, blank=True)
    body = models.TextField(blank=True)
    # None, {"contains": "ok"} or {"json_path": "$.status", "equals": "ok"}.
    body_assertion = models.JSONField(null=True, blank=True)
    verify_tls = models.BooleanField(default=True)
    llm_model = models.CharField(max_length=200, blank=True)
    llm_api_key_env = models.CharField(max_length=100, blank=True)
    llm_max_tokens = models.PositiveSmallIntegerField(default=16, validators=[MinValueValidator(1)])
    llm_max_ttft_ms = models.PositiveIntegerField(null=True, blank=True)
    llm_min_tokens_per_second = models.DecimalField(
        max_digits=8, decimal_places=2, null=True, blank=True
    )
    statuspage_component = models.CharField(max_length=200, blank=True)
    # Prober bookkeeping: when beat next dispatches the probe, and per location the run
    # in progress ({"eu-west": {"token": "…", "until": "<iso>"}}), so a probe never runs
    # twice at once in one location.
    next_run_at = models.DateTimeField(null=True, blank=True)
    run_leases = models.JSONField(default=dict, blank=True, editable=False)
    enabled = models.BooleanField(default=True)
    # Set by ingestion, cleared by derivation: this probe has results not yet derived.
    derivation_pending = models.BooleanField(default=False)
    # The earliest observed_at among those results: how far back derivation must look.
    derivation_pending_since = models.DateTimeField(null=True, blank=True)
    first_observed_at = models.DateTimeField(null=True, blank=True)
    last_observed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["workflow_id", "name", "id"]
        indexes = [
            models.Index(
                fields=["workflow"],
                condition=Q(derivation_pending=True),
                name="probe_pending_derivation",
            ),
            models.Index(
                fields=["next_run_at"],
                condition=Q(enabled=True) & ~Q(kind="external"),
                name="probe_prober_due",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def effective_quorum(self) -> int:
        """The configured quorum, or a majority of the probe's locations."""
        if self.quorum:
            return self.quorum
        return len(self.locations) // 2 + 1 if self.locations else 1


class ProbeResult(models.Model):
    # No index of its own: the (probe, observed_at) and (probe, client_id) indexes lead with it.
    probe = models.ForeignKey(
        Probe, on_delete=models.CASCADE, related_name="results", db_index=False
    )
    location = models.CharField(max_length=64)
    observed_at = models.DateTimeField()
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    # `llm` probes: what a run cost and how fast the model streamed.
    tokens_used = models.PositiveIntegerField(null=True, blank=True)
    tokens_per_second = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    client_id = models.CharField(max_length=100, null=True, blank=True)  # noqa: DJ001 (NULL = no id)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["probe", "observed_at"], name="result_probe_observed"),
            # The ingest rate `/metrics` reports: results stored in the last minutes.
            models.Index(fields=["received_at"], name="result_received"),
        ]
        # On PostgreSQL the table is range-partitioned by observed_at (migration
        # 0013_proberesult_partitioned, incidents/services/partitions.py): every unique key,
        # the primary key (id, observed_at) included, carries the partition key. A re-sent
        # result is a duplicate when it has the same client_id and the same observed_at.
        constraints = [
            models.UniqueConstraint(
                fields=["probe", "client_id", "observed_at"],
                condition=Q(client_id__isnull=False),
                name="result_unique_client_id_observed",
            )
        ]

    def __str__(self) -> str:
        return (
            f"{self.probe_id}@{self.location} {self.observed_at:%Y-%m-%d %H:%M:%S} {self.outcome}"
        )


class Severity(models.TextChoices):
    DOWN = "down"
    DEGRADED = "degraded"


class OutageSource(models.TextChoices):
    PROBE = "probe"
    MANUAL = "manual"


class Outage(models.Model):
    workflow = models.ForeignKey(
        "continuity.Workflow", on_delete=models.CASCADE, related_name="outages"
    )
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    source = models.CharField(max_length=10, choices=OutageSource.choices)
    probes = models.ManyToManyField(Probe, blank=True, related_name="outages")
    evidence = models.ManyToManyField(
        ProbeResult, through="OutageEvidence", blank=True, related_name="outages"
    )
    root_cause = models.TextField(blank=True)
    summary = models.TextField(blank=True)
    excluded_from_sla = models.BooleanField(default=False)
    exclusion_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["workflow", "started_at"], name="outage_workflow_started"),
            # The lists' order, so a page (or a cursor's next page) reads only its rows.
            models.Index(fields=["-started_at", "-id"], name="outage_list_order"),
            models.Index(fields=["workflow"], condition=Q(ended_at=None), name="outage_open"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")),
                name="outage_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(excluded_from_sla=False) | ~Q(exclusion_reason=""),
                name="outage_exclusion_has_reason",
                violation_error_message="Excluding an outage from the SLA needs a reason.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.workflow} {self.severity} from {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.ended_at is None


class EvidenceRole(models.TextChoices):
    OPENING = "opening"
    CLOSING = "closing"


class OutageEvidence(models.Model):
    """A result that opened or closed an outage, copied: results are dropped with their
    partition after RESULT_RETENTION_DAYS, and evidence keeps showing what it showed.

    `result` is the id of the result it was copied from, kept as a reference without a
    database constraint (a foreign key into a partitioned table would need the partition
    key); read the copied fields, never `result`, which may be gone.
    """

    outage = models.ForeignKey(Outage, on_delete=models.CASCADE, related_name="evidence_links")
    result = models.ForeignKey(
        ProbeResult,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    role = models.CharField(max_length=10, choices=EvidenceRole.choices)
    probe = models.ForeignKey(Probe, on_delete=models.CASCADE, related_name="+")
    location = models.CharField(max_length=64)
    observed_at = models.DateTimeField()
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["outage", "result", "role"], name="evidence_unique_link"
            )
        ]

    COPIED = (
        "probe_id",
        "location",
        "observed_at",
        "outcome",
        "latency_ms",
        "status_code",
        "error",
    )

    def __str__(self) -> str:
        return f"{self.role} evidence {self.result_id} of outage {self.outage_id}"

    @classmethod
    def copying(cls, result: ProbeResult, **fields) -> "OutageEvidence":
        """Evidence of `result`, with the copy of what it shows."""
        return cls(result=result, **{name: getattr(result, name) for name in cls.COPIED}, **fields)


class UpdateStatus(models.TextChoices):
    INVESTIGATING = "investigating"
    IDENTIFIED = "identified"
    MONITORING = "monitoring"
    RESOLVED = "resolved"


class OutageUpdate(models.Model):
    outage = models.ForeignKey(Outage, on_delete=models.CASCADE, related_name="updates")
    status = models.CharField(max_length=16, choices=UpdateStatus.choices)
    message = models.TextField()
    posted_at = models.DateTimeField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["posted_at", "id"]

    def __str__(self) -> str:
        return f"{self.status}: {self.message[:40]}"


class NoDataSpan(models.Model):
    """A span in which none of a workflow's probes had fresh data (derived, replaceable)."""

    workflow = models.ForeignKey(
        "continuity.Workflow", on_delete=models.CASCADE, related_name="no_data_spans"
    )
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["started_at"]
        indexes = [models.Index(fields=["workflow", "started_at"], name="nodata_workflow_started")]

    def __str__(self) -> str:
        return f"no data for workflow {self.workflow_id} from {self.started_at:%Y-%m-%d %H:%M}"


class MaintenanceWindow(models.Model):
    customer = models.ForeignKey(
        "continuity.Customer", on_delete=models.CASCADE, related_name="maintenance_windows"
    )
    workflows = models.ManyToManyField(
        "continuity.Workflow",
        blank=True,
        related_name="maintenance_windows",
        help_text="Leave empty for all of the customer's workflows.",
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="maintenance_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.customer} maintenance {self.starts_at:%Y-%m-%d %H:%M}"


class NotificationEvent(models.TextChoices):
    OPENED = "opened"
    UPDATE = "update"
    RESOLVED = "resolved"


class OutageNotification(models.Model):
    """One email about one outage event; `event_key` makes each event mail exactly once."""

    outage = models.ForeignKey(Outage, on_delete=models.CASCADE, related_name="notifications")
    event = models.CharField(max_length=10, choices=NotificationEvent.choices)
    event_key = models.CharField(max_length=80, unique=True)
    update = models.ForeignKey(OutageUpdate, null=True, blank=True, on_delete=models.CASCADE)
    recipients = models.JSONField(default=list)
    state = models.CharField(
        max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    message_id = models.CharField(
        max_length=255, blank=True, help_text="Sent with every attempt, so clients fold retries"
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=Q(state__in=["pending", "sending"]),
                name="notification_unsent",
            )
        ]

    def __str__(self) -> str:
        return f"{self.event} mail for outage {self.outage_id} ({self.state})"


class SweepRun(models.Model):
    """How the last run of each periodic sweep went, one row per sweep.

    Stored in the database, not in a process's memory, so `/metrics` served by any web
    process reports what the beat-driven worker last saw."""

    name = models.CharField(max_length=40, primary_key=True)
    finished_at = models.DateTimeField()
    swept = models.PositiveIntegerField(default=0)
    failures = models.PositiveIntegerField(default=0)
    failed_ids = models.JSONField(default=list, blank=True)

    def __str__(self) -> str:
        return f"{self.name} sweep at {self.finished_at:%Y-%m-%d %H:%M:%S} ({self.failures} failed)"
