"""Console actions (POST, operators only): validate the form, call one service, redirect.

A rule the service refuses (a DomainError) is shown on the page the form came from, with
status 400 (409 for a conflict), and nothing has changed.
"""

import math

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from console.access import operator_action
from console.forms import (
    EventEndpointForm,
    FallbackActivateForm,
    OutageEditForm,
    OutageUpdateForm,
    ReportGenerateForm,
    StepCompleteForm,
)
from console.views import render_events, render_outage
from continuity import formatting
from continuity.exceptions import DomainError
from continuity.models import Customer, EventEndpoint, FallbackActivation, Runbook
from continuity.throttling import ReportSendThrottle
from incidents.models import Outage
from incidents.services import outage_post_update, outage_update
from incidents.services.events import (
    event_endpoint_create,
    event_endpoint_delete,
    event_endpoint_set_active,
    event_endpoint_test,
)
from incidents.services.fallbacks import fallback_activate, fallback_deactivate, step_complete
from reports import services as report_services
from reports.models import Report
from reports.periods import PeriodError


def _by(request) -> str:
    return request.user.get_username()


def _outage(pk: int) -> Outage:
    return get_object_or_404(Outage.objects.select_related("workflow__customer"), pk=pk)


def _activation(outage: Outage, activation_id: int) -> FallbackActivation:
    return get_object_or_404(FallbackActivation, pk=activation_id, outage=outage)


def _refused(request, pk: int, exc: DomainError, **bound):
    return render_outage(request, pk, error=exc.message, status=exc.status_code, **bound)


def _invalid(request, pk: int, **bound):
    return render_outage(request, pk, error="Please correct the form below.", status=400, **bound)


def _done(request, pk: int, text: str, anchor: str = ""):
    messages.success(request, text)
    return redirect(reverse("console:outage", args=[pk]) + anchor)


@operator_action
def outage_post_update_view(request, pk: int):
    outage = _outage(pk)
    form = OutageUpdateForm(request.POST)
    if not form.is_valid():
        return _invalid(request, pk, update_form=form)
    try:
        outage_post_update(outage=outage, author=request.user, **form.cleaned_data)
    except DomainError as exc:
        return _refused(request, pk, exc, update_form=form)
    return _done(request, pk, f"Update posted ({form.cleaned_data['status']}).", "#updates")


@operator_action
def fallback_activate_view(request, pk: int):
    outage = _outage(pk)
    runbooks = list(Runbook.objects.filter(workflow_id=outage.workflow_id))
    form = FallbackActivateForm(request.POST, runbooks=runbooks)
    if not form.is_valid():
        return _invalid(request, pk, activate_form=form)
    runbook = next(rb for rb in runbooks if rb.pk == form.cleaned_data["runbook"])
    try:
        activation = fallback_activate(
            outage=outage,
            runbook=runbook,
            effectiveness_pct=form.cleaned_data["effectiveness_pct"],
            activated_by=_by(request),
            notes=form.cleaned_data["notes"],
        )
    except DomainError as exc:
        return _refused(request, pk, exc, activate_form=form)
    return _done(
        request,
        pk,
        f"Fallback '{runbook.title}' activated at "
        f"{formatting.percent(activation.effectiveness_pct, trim=True)}% effectiveness.",
        "#fallback",
    )


@operator_action
def fallback_deactivate_view(request, pk: int, activation_id: int):
    activation = _activation(_outage(pk), activation_id)
    try:
        fallback_deactivate(activation=activation, by=_by(request))
    except DomainError as exc:
        return _refused(request, pk, exc)
    return _done(request, pk, "Fallback deactivated.", "#fallback")


@operator_action
def step_complete_view(request, pk: int, activation_id: int):
    activation = _activation(_outage(pk), activation_id)
    form = StepCompleteForm(request.POST)
    if not form.is_valid():
        return _invalid(request, pk)
    try:
        done = step_complete(
            activation=activation, order=form.cleaned_data["order"], by=_by(request)
        )
    except DomainError as exc:
        return _refused(request, pk, exc)
    return _done(request, pk, f"Step {done.step_order} marked done.", "#fallback")


@operator_action
def outage_edit_view(request, pk: int):
    outage = _outage(pk)
    form = OutageEditForm(request.POST)
    if not form.is_valid():
        return _invalid(request, pk, edit_form=form)
    try:
        outage_update(outage=outage, **form.cleaned_data)
    except DomainError as exc:
        return _refused(request, pk, exc, edit_form=form)
    return _done(request, pk, "Outage details saved.", "#details")


def _back_to_archive(request):
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("console:reports")
    return redirect(target)


def _report_action(request, pk: int, action, done: str):
    report = get_object_or_404(Report.objects.select_related("customer"), pk=pk)
    try:
        action(report)
    except DomainError as exc:
        messages.error(request, f"{report.customer.name} {report.period}: {exc.message}")
    else:
        messages.success(request, f"{report.customer.name} {report.period}: {done}")
    return _back_to_archive(request)


@operator_action
def report_regenerate_view(request, pk: int):
    return _report_action(
        request,
        pk,
        lambda r: report_services.report_regenerate(report=r),
        "queued to render again.",
    )


@operator_action
def report_resend_view(request, pk: int):
    limit = ReportSendThrottle()
    if not limit.allow_request(request, None):
        wait = math.ceil(limit.wait() or 1)
        refused = HttpResponse(f"Too many resends; try again in {wait} s.", status=429)
        refused["Retry-After"] = str(wait)
        return refused
    return _report_action(
        request,
        pk,
        lambda r: report_services.report_resend(report=r, requested_by=_by(request)),
        "resent to its recipients.",
    )


@operator_action
def report_revise_view(request, pk: int):
    return _report_action(
        request,
        pk,
        lambda r: report_services.report_issue_revision(report=r),
        "corrected revision queued.",
    )


@operator_action
def report_generate_view(request):
    form = ReportGenerateForm(request.POST)
    if not form.is_valid():
        errors = "; ".join(f"{field}: {' '.join(errs)}" for field, errs in form.errors.items())
        messages.error(request, f"Cannot generate: {errors}")
        return _back_to_archive(request)
    customer = Customer.objects.filter(slug=form.cleaned_data["customer"]).first()
    if customer is None:
        messages.error(request, "Cannot generate: no such customer.")
        return _back_to_archive(request)
    try:
        report, created = report_services.report_generate(
            customer=customer, period=form.cleaned_data["period"]
        )
    except (DomainError, PeriodError) as exc:
        messages.error(request, f"Cannot generate: {getattr(exc, 'message', exc)}")
        return _back_to_archive(request)
    verb = "queued" if created else f"already exists ({report.state})"
    messages.success(request, f"{customer.name} {report.period}: report {verb}.")
    return _back_to_archive(request)


def _endpoint(pk: int) -> EventEndpoint:
    return get_object_or_404(EventEndpoint.objects.select_related("customer"), pk=pk)


def _back_to_events(request, anchor: str = ""):
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("console:events")
    return redirect(target + anchor)


@operator_action
def event_endpoint_create_view(request):
    form = EventEndpointForm(request.POST)
    customer = Customer.objects.filter(slug=request.POST.get("customer", "")).first()
    if customer is None and not form.errors.get("customer"):
        form.add_error("customer", "No such customer.")
    if not form.is_valid() or customer is None:
        return render_events(request, form=form, status=400)
    data = form.cleaned_data
    endpoint = event_endpoint_create(
        customer=customer, kind=data["kind"], url=data["url"], events=data["events"]
    )
    return render_events(request, created=endpoint)


@operator_action
def event_endpoint_test_view(request, pk: int):
    row = event_endpoint_test(endpoint=_endpoint(pk))
    outcome = f"HTTP {row.status_code}" if row.status_code else row.state
    if row.state == "sent":
        messages.success(request, f"Test event delivered ({outcome}).")
    else:
        detail = f": {row.last_error}" if row.last_error else ""
        messages.error(request, f"Test event {row.state} ({outcome}){detail}")
    return _back_to_events(request, "#deliveries")


@operator_action
def event_endpoint_toggle_view(request, pk: int):
    endpoint = _endpoint(pk)
    endpoint = event_endpoint_set_active(endpoint=endpoint, active=not endpoint.active)
    messages.success(
        request, f"Endpoint {endpoint.pk} {'resumed' if endpoint.active else 'paused'}."
    )
    return _back_to_events(request)


@operator_action
def event_endpoint_delete_view(request, pk: int):
    endpoint = _endpoint(pk)
    event_endpoint_delete(endpoint=endpoint)
    messages.success(request, f"Endpoint {pk} ({endpoint.customer.name}) deleted.")
    return _back_to_events(request)
