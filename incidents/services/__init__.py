"""Write paths of the incidents app."""

from incidents.services.derive import (
    DeriveSummary,
    derivation_window_start,
    monitoring_start,
    workflow_derive_outages,
    workflows_needing_derivation,
)
from incidents.services.ingest import (
    BatchRejected,
    IngestSummary,
    probe_results_ingest,
    queue_derivations,
)
from incidents.services.outages import outage_create_manual, outage_post_update, outage_update

__all__ = [
    "BatchRejected",
    "DeriveSummary",
    "IngestSummary",
    "derivation_window_start",
    "monitoring_start",
    "outage_create_manual",
    "outage_post_update",
    "outage_update",
    "probe_results_ingest",
    "queue_derivations",
    "workflow_derive_outages",
    "workflows_needing_derivation",
]
