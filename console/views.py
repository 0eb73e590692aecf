"""Console pages (GET): read through the page selectors, render a template. Thin."""

from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import cache_control

from console.access import staff_page
from console.forms import (
    EventEndpointForm,
    FallbackActivateForm,
    OutageEditForm,
    OutageUpdateForm,
    ReportGenerateForm,
)
from console.pages.archive import ArchiveFilters, report_archive_get
from console.pages.events_page import events_page_get
from console.pages.outage_page import OutagePage, outage_page_get
from console.pages.overview import STATES, Filters, overview_get
from console.pages.status_page import status_page_get
from console.pages.workflow_page import workflow_page_get
from continuity.permissions import user_can_operate
from continuity.replica import replica_reads

REFRESH_SECONDS = 15


@staff_page
def overview(request):
    data = overview_get(filters=Filters.from_query(request.GET), now=timezone.now())
    return render(
        request,
        "console/overview.html",
        {
            "data": data,
            "states": STATES,
            "refresh_seconds": REFRESH_SECONDS,
            "can_operate": user_can_operate(request.user),
        },
    )


@staff_page
def overview_fragment(request):
    """The refreshing part of the overview, fetched by console.js every few seconds."""
    data = overview_get(filters=Filters.from_query(request.GET), now=timezone.now())
    response = render(request, "console/_overview_body.html", {"data": data})
    response["Cache-Control"] = "no-store"
    return response


def outage_forms(page: OutagePage, **bound) -> dict:
    """The outage page's forms: unbound with current values, or the bound one that failed."""
    outage = page.outage
    default_runbook = page.runbooks[0] if page.runbooks else None
    forms = {
        "update_form": OutageUpdateForm(
            initial={"status": page.updates[-1].status if page.updates else "investigating"}
        ),
        "activate_form": FallbackActivateForm(
            runbooks=page.runbooks,
            initial={
                "effectiveness_pct": default_runbook.default_effectiveness_pct
                if default_runbook
                else None
            },
        ),
        "edit_form": OutageEditForm(
            initial={
                "summary": outage.summary,
                "root_cause": outage.root_cause,
                "excluded_from_sla": outage.excluded_from_sla,
                "exclusion_reason": outage.exclusion_reason,
            }
        ),
    }
    forms.update(bound)
    return forms


def render_outage(request, outage_id: int, *, error: str = "", status: int = 200, **bound):
    page = outage_page_get(outage_id=outage_id, now=timezone.now())
    context = {
        "page": page,
        "error": error,
        "can_operate": user_can_operate(request.user),
        **outage_forms(page, **bound),
    }
    return render(request, "console/outage.html", context, status=status)


@staff_page
def outage(request, pk: int):
    return render_outage(request, pk)


@staff_page
def workflow(request, pk: int):
    page = workflow_page_get(workflow_id=pk, now=timezone.now())
    return render(
        request,
        "console/workflow.html",
        {"page": page, "can_operate": user_can_operate(request.user)},
    )


@staff_page
def reports(request):
    archive = report_archive_get(
        filters=ArchiveFilters.from_query(request.GET), page=request.GET.get("page")
    )
    return render(
        request,
        "console/reports.html",
        {
            "archive": archive,
            "generate_form": ReportGenerateForm(),
            "can_operate": user_can_operate(request.user),
        },
    )


def render_events(request, *, form=None, created=None, status: int = 200):
    """The event endpoints page; `created` (an endpoint just made) is the only time its
    secret is shown, in this response only, never stored in a message or cookie."""
    endpoint = request.GET.get("endpoint", "")
    page = events_page_get(
        customer=request.GET.get("customer", "").strip(),
        endpoint=int(endpoint) if endpoint.isdigit() else None,
    )
    context = {
        "page": page,
        "form": form or EventEndpointForm(initial={"customer": page.customer}),
        "created": created,
        "can_operate": user_can_operate(request.user),
    }
    response = render(request, "console/events.html", context, status=status)
    if created is not None:
        response["Cache-Control"] = "no-store"
    return response


@staff_page
def events(request):
    return render_events(request)


@cache_control(public=True, max_age=30)
@replica_reads
def status(request, slug: str):
    """A customer's public status page: no login, 404 unless the customer enabled it."""
    page = status_page_get(slug=slug, now=timezone.now())
    return render(request, "status/page.html", {"page": page})
