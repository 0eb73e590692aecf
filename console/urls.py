"""Console and status-page URLs, included at the site root by continuity/urls.py."""

from django.contrib import admin
from django.urls import path

from console import actions, views

app_name = "console"

# The admin's "View site" link leads to the console.
admin.site.site_url = "/console/"

urlpatterns = [
    path("console/", views.overview, name="overview"),
    path("console/overview/fragment/", views.overview_fragment, name="overview-fragment"),
    path("console/outages/<int:pk>/", views.outage, name="outage"),
    path(
        "console/outages/<int:pk>/updates/",
        actions.outage_post_update_view,
        name="outage-post-update",
    ),
    path("console/outages/<int:pk>/edit/", actions.outage_edit_view, name="outage-edit"),
    path(
        "console/outages/<int:pk>/fallback/activate/",
        actions.fallback_activate_view,
        name="fallback-activate",
    ),
    path(
        "console/outages/<int:pk>/fallback/<int:activation_id>/deactivate/",
        actions.fallback_deactivate_view,
        name="fallback-deactivate",
    ),
    path(
        "console/outages/<int:pk>/fallback/<int:activation_id>/steps/",
        actions.step_complete_view,
        name="step-complete",
    ),
    path("console/workflows/<int:pk>/", views.workflow, name="workflow"),
    path("console/reports/", views.reports, name="reports"),
    path("console/reports/generate/", actions.report_generate_view, name="report-generate"),
    path(
        "console/reports/<int:pk>/regenerate/",
        actions.report_regenerate_view,
        name="report-regenerate",
    ),
    path("console/reports/<int:pk>/resend/", actions.report_resend_view, name="report-resend"),
    path("console/reports/<int:pk>/revise/", actions.report_revise_view, name="report-revise"),
    path("console/events/", views.events, name="events"),
    path(
        "console/events/create/", actions.event_endpoint_create_view, name="event-endpoint-create"
    ),
    path(
        "console/events/<int:pk>/test/",
        actions.event_endpoint_test_view,
        name="event-endpoint-test",
    ),
    path(
        "console/events/<int:pk>/toggle/",
        actions.event_endpoint_toggle_view,
        name="event-endpoint-toggle",
    ),
    path(
        "console/events/<int:pk>/delete/",
        actions.event_endpoint_delete_view,
        name="event-endpoint-delete",
    ),
    path("status/<slug:slug>/", views.status, name="status"),
]
