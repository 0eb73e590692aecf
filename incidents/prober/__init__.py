"""The built-in prober: runs `http`, `llm` and `statuspage` probes and stores their results.

Layers, from pure to I/O:

* ``spec``: :class:`CheckSpec` (a probe as plain data, from a model row or an API payload),
  :class:`CheckResult`, secret resolution and redaction.
* ``assertions``: `http` body assertions (JSON paths), pure, shared by ``spec`` and ``http``.
* ``http``, ``llm``, ``statuspage``: pure classification functions (response in, outcome
  and error out) next to one async ``run_*`` each that does the network I/O with httpx.
* ``outbound``: where checks may connect (no internal addresses unless allowed), enforced
  on every connection after name resolution.
* ``runner``: runs many checks concurrently on one event loop.
* ``schedule``: pure scheduling rules (next slot without burst replay, run leases).
* ``services``: the ORM side — dispatch claims, run leases, storing results through
  :mod:`incidents.ingest.services`.
* ``tasks``: the Celery tasks (beat dispatch, location workers' runs, deferred stores).
* ``agent``: the standalone probe agent (``manage.py run_probe_agent``), which runs the same
  checks outside the deployment and posts results to the API.
* ``spool``: the agent's on-disk buffer of undelivered results.
"""
