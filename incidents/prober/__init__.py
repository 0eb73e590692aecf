"""The built-in prober: runs `http`, `llm` and `statuspage` probes and stores their results.

Layers, from pure to I/O:

* ``spec``: :class:`CheckSpec` (a probe as plain data, from a model row or an API payload),
  :class:`CheckResult`, secret resolution and redaction.
* ``http``, ``llm``, ``statuspage``: pure classification functions (response in, outcome
  and error out) next to one async ``run_*`` each that does the network I/O with httpx.
* ``outbound``: where checks may connect (no internal addresses unless allowed), enforced
  on every connection after name resolution.
* ``runner``: runs many checks concurrently on one event loop.
* ``schedule``: pure scheduling rules (next slot without burst replay, run leases).
* ``services``: the ORM side — dispatch claims, run leases, storing results through
  :func:`incidents.services.probe_results_ingest`.
* ``alertmanager``: Prometheus Alertmanager webhook payloads mapped to result items.
* ``spool``: the agent's on-disk buffer of undelivered results.
"""
