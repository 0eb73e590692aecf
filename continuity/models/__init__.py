"""Core domain: customers, their critical workflows, SLA policies, API keys, runbooks and
fallback activations, and outgoing events. One module per subject; every name is here."""

from continuity.models.customers import (
    CreditTier,
    Customer,
    FiguresTouch,
    Locale,
    NoDataMode,
    SLAPolicy,
    Workflow,
    validate_timezone,
)
from continuity.models.events import (
    DeliveryState,
    EventDelivery,
    EventEndpoint,
    EventKind,
    EventType,
    new_event_secret,
)
from continuity.models.keys import (
    APIKey,
    Scope,
)
from continuity.models.runbooks import (
    FallbackActivation,
    Runbook,
    RunbookStep,
    StepCompletion,
)

__all__ = [
    "APIKey",
    "CreditTier",
    "Customer",
    "DeliveryState",
    "EventDelivery",
    "EventEndpoint",
    "EventKind",
    "EventType",
    "FallbackActivation",
    "FiguresTouch",
    "Locale",
    "NoDataMode",
    "Runbook",
    "RunbookStep",
    "SLAPolicy",
    "Scope",
    "StepCompletion",
    "Workflow",
    "new_event_secret",
    "validate_timezone",
]
