"""`manage.py run_probe_agent --location NAME --api URL --key KEY`: a remote probe agent."""

import asyncio
import logging
import os
import signal
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from incidents.prober.agent import AgentConfig, ProbeAgent
from incidents.prober.outbound import configured_policy

KEY_VARIABLE = "CONTINUITY_API_KEY"


class Command(BaseCommand):
    help = (
        "Run the probes of one location and push their results to a Continuity API, "
        "spooling them on disk while the API is unreachable. Needs a read+ingest key."
    )

    def add_arguments(self, parser):
        parser.add_argument("--location", required=True, help="the location this agent is")
        parser.add_argument(
            "--api", required=True, help="base URL, e.g. https://continuity.example"
        )
        parser.add_argument(
            "--key",
            default=None,
            help=f"API key with read and ingest scopes (default: ${KEY_VARIABLE}, which keeps "
            "it out of the process list)",
        )
        parser.add_argument(
            "--spool",
            default=None,
            help="directory for undelivered results (default: var/agent-spool/<location>)",
        )
        parser.add_argument("--refresh-seconds", type=float, default=60.0)
        parser.add_argument("--flush-seconds", type=float, default=5.0)
        parser.add_argument("--max-backoff", type=float, default=60.0)
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument("--concurrency", type=int, default=50)
        parser.add_argument(
            "--once", action="store_true", help="run every probe once, deliver, and exit"
        )
        parser.add_argument(
            "--allow-private",
            action="store_true",
            help="also probe private and loopback addresses: for an agent inside the network "
            "it watches (link-local, multicast and reserved addresses stay refused unless "
            "listed in OUTBOUND_ALLOWED_NETWORKS)",
        )

    def handle(self, *args, **options):
        key = options["key"] or os.environ.get(KEY_VARIABLE, "")
        if not key:
            raise CommandError(f"Give --key or set {KEY_VARIABLE}.")
        if not 1 <= options["batch_size"] <= settings.PROBE_RESULT_MAX_BATCH:
            raise CommandError(f"--batch-size must be 1..{settings.PROBE_RESULT_MAX_BATCH}.")
        location = options["location"]
        spool = Path(options["spool"] or settings.VAR_DIR / "agent-spool" / location)
        config = AgentConfig(
            location=location,
            api=options["api"],
            key=key,
            spool_dir=spool,
            refresh_seconds=options["refresh_seconds"],
            flush_seconds=options["flush_seconds"],
            max_backoff=options["max_backoff"],
            batch_size=options["batch_size"],
            concurrency=options["concurrency"],
            outbound=configured_policy(allow_private=options["allow_private"]),
        )
        self._configure_logging(options["verbosity"])
        self.stderr.write(f"probe agent for {location!r}: API {config.api}, spool {spool}")
        asyncio.run(self._run(ProbeAgent(config), once=options["once"]))

    @staticmethod
    def _configure_logging(verbosity: int) -> None:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        for name in ("incidents.prober",):
            log = logging.getLogger(name)
            log.setLevel(logging.DEBUG if verbosity > 1 else logging.INFO)
            log.addHandler(handler)
            log.propagate = False

    @staticmethod
    async def _run(agent: ProbeAgent, *, once: bool) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await agent.run(stop, once=once)
