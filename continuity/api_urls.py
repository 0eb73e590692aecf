"""Every /api/v1/ route, gathered from the apps' routers."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from audit import api as audit_api
from continuity import api as core_api
from incidents.api import events, fallbacks, outages, probes
from incidents.api.webhooks import AlertmanagerWebhookView
from reports import api as reports_api

router = DefaultRouter()
router.register("customers", core_api.CustomerViewSet, basename="customer")
router.register("workflows", core_api.WorkflowViewSet, basename="workflow")
router.register("probes", probes.ProbeViewSet, basename="probe")
router.register("probe-results", probes.ProbeResultViewSet, basename="probe-result")
router.register("outages", outages.OutageViewSet, basename="outage")
router.register("runbooks", core_api.RunbookViewSet, basename="runbook")
router.register(
    "fallback-activations", fallbacks.FallbackActivationViewSet, basename="fallback-activation"
)
router.register("reports", reports_api.ReportViewSet, basename="report")
router.register("sla-policies", core_api.SLAPolicyViewSet, basename="sla-policy")
router.register(
    "maintenance-windows", outages.MaintenanceWindowViewSet, basename="maintenance-window"
)
router.register("audit-events", audit_api.AuditEventViewSet, basename="audit-event")
router.register("event-endpoints", events.EventEndpointViewSet, basename="event-endpoint")
router.register("event-deliveries", events.EventDeliveryViewSet, basename="event-delivery")

urlpatterns = [
    path("sla/", reports_api.SLAView.as_view(), name="sla"),
    path("dependencies/", reports_api.DependenciesView.as_view(), name="dependencies"),
    path("webhooks/alertmanager/", AlertmanagerWebhookView.as_view(), name="alertmanager-webhook"),
    *router.urls,
]
