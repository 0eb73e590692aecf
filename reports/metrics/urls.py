"""Included at the site root by continuity/urls.py."""

from django.urls import path

from reports.metrics.views import metrics

urlpatterns = [path("metrics", metrics, name="metrics")]
