"""Write paths of the incidents app."""

from incidents.services.derive import (
    DeriveSummary,
    SweepSummary,
    derivation_window_start,
    monitoring_start,
    workflow_derive_outages,
    workflows_derive_pending,
    workflows_needing_derivation,
)
from incidents.services.outages import (
    outage_create_manual,
    outage_delete_manual,
    outage_post_update,
    outage_update,
)

__all__ = [
    "DeriveSummary",
    "SweepSummary",
    "derivation_window_start",
    "monitoring_start",
    "outage_create_manual",
    "outage_delete_manual",
    "outage_post_update",
    "outage_update",
    "workflow_derive_outages",
    "workflows_derive_pending",
    "workflows_needing_derivation",
]
