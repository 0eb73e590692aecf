"""Every source of probe results takes one path: validate, store, queue derivation.

* ``validate``: pure checks of a result batch, errors by index and field (SPEC §6).
* ``store``: writes the valid results and flags their probes for derivation.
* ``services``: :func:`probe_results_ingest` (all or nothing, the API) and
  :func:`ingest_valid_items` (invalid items set aside: the prober) and
  :func:`alertmanager_alerts_ingest` (the webhook).
* ``alertmanager``: Prometheus Alertmanager alerts mapped to result items (pure).

The API, the built-in prober, the agent (through the API) and the Alertmanager webhook all
store through ``services``.
"""
