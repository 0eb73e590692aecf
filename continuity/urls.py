from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

handler404 = "continuity.exceptions.not_found"

urlpatterns = [
    path("", RedirectView.as_view(url="/console/"), name="home"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("continuity.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file, so the CSP needs no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path(
        "api/redoc/",
        SpectacularRedocView.as_view(url_name="schema", template_name="console/api/redoc.html"),
        name="api-redoc",
    ),
    path("", include("reports.metrics.urls")),
    path("", include("console.urls")),
]
