"""Input validation of the console's action forms; the services enforce the rules."""

from decimal import Decimal

from django import forms

from continuity import formatting
from continuity.models import EventKind, EventType
from incidents.models import UpdateStatus
from incidents.services.events import endpoint_url_error


class OutageUpdateForm(forms.Form):
    status = forms.ChoiceField(choices=UpdateStatus.choices)
    message = forms.CharField(
        max_length=5000, widget=forms.Textarea(attrs={"rows": 3, "placeholder": "What we know"})
    )


class FallbackActivateForm(forms.Form):
    runbook = forms.TypedChoiceField(coerce=int)
    effectiveness_pct = forms.DecimalField(
        label="Effectiveness %",
        min_value=Decimal(0),
        max_value=Decimal(100),
        max_digits=5,
        decimal_places=2,
        required=False,
        help_text="Share of the workflow's function the fallback restores; "
        "empty = the runbook's default.",
    )
    notes = forms.CharField(
        max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, runbooks=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["runbook"].choices = [(rb.pk, _runbook_label(rb)) for rb in runbooks]


def _runbook_label(runbook) -> str:
    effectiveness = formatting.percent(runbook.default_effectiveness_pct, trim=True)
    return f"{runbook.title} (v{runbook.version}, default {effectiveness}%)"


class StepCompleteForm(forms.Form):
    order = forms.IntegerField(min_value=0)


class OutageEditForm(forms.Form):
    summary = forms.CharField(
        max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    root_cause = forms.CharField(
        max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    excluded_from_sla = forms.BooleanField(label="Exclude from the SLA", required=False)
    exclusion_reason = forms.CharField(
        max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReportGenerateForm(forms.Form):
    customer = forms.SlugField()
    period = forms.RegexField(regex=r"^\d{4}-\d{2}$", error_messages={"invalid": "Use YYYY-MM."})


class EventEndpointForm(forms.Form):
    customer = forms.SlugField()
    kind = forms.ChoiceField(choices=EventKind.choices)
    url = forms.CharField(
        label="URL",
        max_length=2000,
        help_text="http(s) URL; mailto:a@example.com,b@example.com for email; an Apprise URL.",
    )
    events = forms.MultipleChoiceField(
        choices=[(t, t) for t in EventType.values if t != EventType.ENDPOINT_TEST],
        required=False,
        help_text="None selected: every event.",
    )

    def clean(self) -> dict:
        data = super().clean()
        if data.get("kind") and data.get("url"):
            error = endpoint_url_error(kind=data["kind"], url=data["url"])
            if error:
                self.add_error("url", error)
        return data
