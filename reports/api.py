"""REST API for SLA figures."""

from django.http import FileResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from continuity.fields import CustomerField, ModelSerializer
from continuity.filters import CustomerRefFilter, FilterSet
from continuity.models import Customer, Workflow
from continuity.permissions import HasScope, StaffOnly
from continuity.renderers import CSV_RESPONSE, FORMAT_PARAMETER, CSVRenderer, attachment
from continuity.replica import reading_from_replica
from continuity.tenancy import TenantScopedMixin, requested_customer
from continuity.throttling import ReportSendThrottle
from reports import periods, services
from reports.api_schemas import DependenciesSerializer, SLASerializer
from reports.exports import sla_csv_rows
from reports.figures import minutes
from reports.models import Report
from reports.sla_selectors import provider_incidents
from reports.stored_figures import customer_sla_body


def resolve_period(params, timezone_name: str, now) -> periods.Period:
    period, start, end = params.get("period"), params.get("start"), params.get("end")
    try:
        if period and (start or end):
            raise periods.PeriodError("give either period=YYYY-MM or start and end, not both")
        if period:
            return periods.parse_month(period, timezone_name)
        if start or end:
            if not (start and end):
                raise periods.PeriodError("start and end must be given together")
            return periods.parse_range(start, end, timezone_name)
        return periods.month_containing(now, timezone_name)
    except periods.PeriodError as exc:
        field = "period" if period else exc.field or "start"
        raise ValidationError({field: [str(exc)]}) from exc


class SLAView(APIView):
    """SLA figures (SPEC §4) per workflow and for the customer, for a month or a range."""

    renderer_classes = [*api_settings.DEFAULT_RENDERER_CLASSES, CSVRenderer]

    @extend_schema(
        parameters=[
            OpenApiParameter("customer", str, description="customer slug or id"),
            OpenApiParameter("period", str, description="YYYY-MM in the customer's timezone"),
            OpenApiParameter("start", str, description="ISO date or datetime (with end)"),
            OpenApiParameter("end", str, description="ISO date or datetime, exclusive"),
            FORMAT_PARAMETER,
        ],
        responses={(200, "application/json"): SLASerializer, **CSV_RESPONSE},
    )
    def get(self, request):
        with reading_from_replica(request):
            customer = requested_customer(request)
            now = timezone.now()
            period = resolve_period(request.query_params, customer.timezone, now)
            body = customer_sla_body(customer=customer, period=period, now=now)
        if request.accepted_renderer.format != CSVRenderer.format:
            return Response(body)
        filename = f"continuity-sla-{customer.slug}-{period.label}.csv"
        return Response(sla_csv_rows(body), headers=attachment(filename))


def incident_body(incident, customers: dict[int, Customer], workflows: dict[int, str]) -> dict:
    per_customer: dict[int, list] = {}
    for outage in incident.outages:
        per_customer.setdefault(outage.customer_id, []).append(outage)
    rows = []
    for customer_id in sorted(per_customer, key=lambda cid: customers[cid].slug):
        outages = per_customer[customer_id]
        first_start = min(o.started_at for o in outages)
        activations = [o.first_activation_at for o in outages if o.first_activation_at]
        first_activation = min(activations, default=None)
        rows.append(
            {
                "customer": customers[customer_id].slug,
                "customer_name": customers[customer_id].name,
                "workflows": sorted({workflows[o.workflow_id] for o in outages}),
                "outages": [o.outage_id for o in outages],
                "downtime_minutes": minutes(sum(o.impact.counted_seconds for o in outages)),
                "mitigated_minutes": minutes(sum(o.impact.mitigated_seconds for o in outages)),
                "had_fallback": first_activation is not None,
                "fallback_active_now": any(o.fallback_active_now for o in outages),
                "automatic": any(o.automatic_activation for o in outages),
                "first_activation_at": first_activation.isoformat() if first_activation else None,
                "time_to_mitigate_minutes": minutes(
                    (first_activation - first_start).total_seconds() if first_activation else None
                ),
            }
        )
    return {
        "upstream_dependency": incident.upstream_dependency,
        "started_at": incident.started_at.isoformat(),
        "ended_at": incident.ended_at.isoformat() if incident.ended_at else None,
        "customers_affected": len(rows),
        "outage_count": len(incident.outages),
        "total_downtime_minutes": minutes(incident.downtime_seconds),
        "mitigated_downtime_minutes": minutes(incident.mitigated_seconds),
        "customers_with_fallback": sum(1 for row in rows if row["had_fallback"]),
        "customers": rows,
    }


class DependenciesView(APIView):
    """Provider incidents per upstream dependency (staff only), for a month in UTC."""

    permission_classes = [HasScope, StaffOnly]

    @extend_schema(
        parameters=[
            OpenApiParameter("period", str, description="YYYY-MM (UTC)"),
            OpenApiParameter("start", str, description="ISO date or datetime (with end)"),
            OpenApiParameter("end", str, description="ISO date or datetime, exclusive"),
        ],
        responses={200: DependenciesSerializer},
    )
    def get(self, request):
        now = timezone.now()
        period = resolve_period(request.query_params, "UTC", now)
        with reading_from_replica(request):
            incidents = provider_incidents(period=period, now=now)
            customer_ids = {o.customer_id for i in incidents for o in i.outages}
            workflow_ids = {o.workflow_id for i in incidents for o in i.outages}
            customers = Customer.objects.in_bulk(customer_ids)
            workflows = dict(Workflow.objects.filter(pk__in=workflow_ids).values_list("pk", "name"))
        by_label: dict[str, list] = {}
        for incident in incidents:
            by_label.setdefault(incident.upstream_dependency, []).append(
                incident_body(incident, customers, workflows)
            )
        return Response(
            {
                "period": {
                    "label": period.label,
                    "start": period.start.isoformat(),
                    "end": period.end.isoformat(),
                    "timezone": period.timezone,
                },
                "dependencies": [
                    {"upstream_dependency": label, "incidents": items}
                    for label, items in sorted(by_label.items())
                ],
            }
        )


class ReportSerializer(ModelSerializer):
    customer_slug = serializers.CharField(source="customer.slug", read_only=True)
    superseded = serializers.BooleanField(read_only=True)
    pdf_url = serializers.SerializerMethodField()

    class Meta:
        model = Report
        fields = [
            "id",
            "customer",
            "customer_slug",
            "period",
            "revision",
            "is_current",
            "state",
            "sha256",
            "data_sha256",
            "page_count",
            "recipients",
            "attempts",
            "last_error",
            "rendered_at",
            "sent_at",
            "superseded",
            "figures_changed_at",
            "superseded_by",
            "revision_note",
            "created_at",
            "pdf_url",
        ]
        read_only_fields = fields

    def get_pdf_url(self, report: Report) -> str | None:
        return f"/api/v1/reports/{report.pk}/pdf/" if report.pdf else None


class ReportGenerateSerializer(serializers.Serializer):
    customer = CustomerField()
    period = serializers.CharField(help_text="YYYY-MM in the customer's timezone")
    send = serializers.BooleanField(
        default=False,
        help_text="Mail the report to the customer's recipients once rendered. Without it the "
        "report is only rendered; `send/` mails it later.",
    )

    def validate(self, attrs):
        try:
            periods.parse_month(attrs["period"], attrs["customer"].timezone)
        except periods.PeriodError as exc:
            raise ValidationError({"period": [str(exc)]}) from exc
        return attrs


class ReportFilter(FilterSet):
    customer = CustomerRefFilter()

    class Meta:
        model = Report
        fields = ["customer", "period", "state", "is_current"]


class ReportViewSet(
    TenantScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The report archive. `POST` renders a period's report (asynchronously), and mails it
    only with `"send": true`; `pdf/` downloads it; `send/` mails it (again, recorded);
    `revise/` issues a corrected revision."""

    queryset = Report.objects.select_related("customer")
    serializer_class = ReportSerializer
    filterset_class = ReportFilter

    @extend_schema(request=ReportGenerateSerializer, responses={201: ReportSerializer})
    def create(self, request):
        serializer = ReportGenerateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        report, created = services.report_generate(**serializer.validated_data)
        report.refresh_from_db()
        return Response(ReportSerializer(report).data, status=201 if created else 200)

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def pdf(self, request, pk=None):
        report = self.get_object()
        if not report.pdf:
            raise NotFound(f"Report {report.pk} is {report.state}; its PDF is not rendered yet.")
        return FileResponse(
            report.pdf.open("rb"),
            as_attachment=True,
            filename=f"continuity-{report.customer.slug}-{report.period}-rev{report.revision}.pdf",
            content_type="application/pdf",
        )

    @extend_schema(request=None, responses={200: ReportSerializer})
    @action(detail=True, methods=["post"], throttle_classes=[ReportSendThrottle])
    def send(self, request, pk=None):
        report = self.get_object()
        services.report_resend(report=report, requested_by=str(request.user))
        report.refresh_from_db()
        return Response(ReportSerializer(report).data)

    @extend_schema(request=None, responses={201: ReportSerializer})
    @action(detail=True, methods=["post"])
    def revise(self, request, pk=None):
        revision = services.report_issue_revision(report=self.get_object())
        revision.refresh_from_db()
        return Response(ReportSerializer(revision).data, status=201)
