"""A simulated AI provider on loopback, for the live demo (`make serve`).

It answers what the demo's probes watch, the way a real provider does:

* ``POST /v1/chat/completions``: an OpenAI-compatible chat completion, streamed as
  server-sent events (``text/event-stream``, ``data: {...}`` chunks, ``data: [DONE]``);
* ``GET /api/v2/summary.json``: a Statuspage-style summary with a ``Chat Completions``
  component;
* ``POST /hooks``: a webhook receiver that logs each event it gets (to stdout and to
  ``var/provider-hooks.log``), so the demo's outage events are visible.

``make demo-outage`` (``python -m console.simulated_provider outage``) flips it to fail:
503 on chat completions and ``major_outage`` on the status page; ``make demo-recover``
heals it. The state is one file under ``var/``, read on every request, so the flip needs
no restart and no admin endpoint. Standard library only, and no Django: it is a stand-in
for someone else's service.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

COMPONENT = "Chat Completions"
STATES = ("operational", "outage")
TOKENS = ["p", "o", "n", "g"]


def var_dir() -> Path:
    """The same directory the app uses (CONTINUITY_VAR_DIR, else ``var/`` in the checkout)."""
    configured = os.environ.get("CONTINUITY_VAR_DIR", "")
    return Path(configured) if configured else Path(__file__).resolve().parent.parent / "var"


STATE_FILE = "provider-state"
HOOKS_LOG = "provider-hooks.log"


def state_file() -> Path:
    return var_dir() / STATE_FILE


def hooks_log() -> Path:
    return var_dir() / HOOKS_LOG


def read_state() -> str:
    try:
        value = state_file().read_text().strip()
    except FileNotFoundError:
        return "operational"
    return value if value in STATES else "operational"


def write_state(state: str) -> None:
    path = state_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(state + "\n")
    temporary.replace(path)  # atomic: a request never reads half a state


def summary(state: str) -> dict:
    now = datetime.now(UTC).isoformat()
    status = "major_outage" if state == "outage" else "operational"
    component = {"id": "chat", "name": COMPONENT, "status": status, "updated_at": now}
    incidents = []
    if state == "outage":
        incidents.append(
            {
                "id": "sim-1",
                "name": "Elevated error rates on chat completions",
                "status": "investigating",
                "impact": "critical",
                "components": [component],
            }
        )
    return {
        "page": {"id": "simulated", "name": "Simulated AI provider", "updated_at": now},
        "status": {
            "indicator": "critical" if state == "outage" else "none",
            "description": "Major System Outage"
            if state == "outage"
            else "All Systems Operational",
        },
        "components": [component],
        "incidents": incidents,
        "scheduled_maintenances": [],
    }


def chunk(content: str | None, finish: str | None = None, usage: dict | None = None) -> bytes:
    event: dict = {
        "id": "chatcmpl-sim",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": "gpt-sim",
        "choices": [] if usage else [{"index": 0, "delta": {}, "finish_reason": finish}],
    }
    if content is not None:
        event["choices"][0]["delta"] = {"content": content}
    if usage:
        event["usage"] = usage
    return b"data: " + json.dumps(event).encode() + b"\n\n"


class Handler(BaseHTTPRequestHandler):
    server_version = "SimulatedProvider/1.0"
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        sys.stdout.write(f"{self.address_string()} {format % args}\n")

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _json(self, status: int, document: dict) -> None:
        payload = json.dumps(document).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        if self.path.split("?")[0] == "/api/v2/summary.json":
            self._json(200, summary(read_state()))
        else:
            self._json(404, {"error": {"message": "not found"}})

    def do_POST(self) -> None:  # noqa: N802
        path = self.path.split("?")[0]
        body = self._body()
        if path == "/hooks":
            self._hook(body)
        elif path == "/v1/chat/completions":
            self._chat()
        else:
            self._json(404, {"error": {"message": "not found"}})

    def _hook(self, body: bytes) -> None:
        try:
            event = json.loads(body)
        except ValueError:
            self._json(400, {"error": "not JSON"})
            return
        kind = event.get("type") if isinstance(event, dict) else None
        line = json.dumps({"received_at": datetime.now(UTC).isoformat(), "type": kind})
        with hooks_log().open("a") as log:
            log.write(json.dumps(event, sort_keys=True) + "\n")
        sys.stdout.write(f"webhook event received: {line}\n")
        self._json(200, {"received": True})

    def _chat(self) -> None:
        if read_state() == "outage":
            self._json(503, {"error": {"message": "The server is overloaded", "type": "server"}})
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()
        for token in TOKENS:
            self.wfile.write(chunk(token))
            self.wfile.flush()
            time.sleep(0.01)
        self.wfile.write(chunk(None, finish="stop"))
        usage = {"prompt_tokens": 12, "completion_tokens": len(TOKENS), "total_tokens": 16}
        self.wfile.write(chunk(None, usage=usage))
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()
        self.close_connection = True


def serve(host: str, port: int) -> None:
    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    sys.stdout.write(f"simulated AI provider on http://{host}:{port} ({read_state()})\n")
    sys.stdout.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("serve", help="serve on loopback")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=int(os.environ.get("PROVIDER_PORT", "8001")))
    commands.add_parser("outage", help="make the provider fail (503, major_outage)")
    commands.add_parser("recover", help="make the provider healthy again")
    args = parser.parse_args(argv)
    if args.command == "serve":
        serve(args.host, args.port)
    else:
        write_state("outage" if args.command == "outage" else "operational")
        what = "failing (503, major_outage)" if args.command == "outage" else "healthy"
        print(f"The simulated AI provider is now {what}; watch http://127.0.0.1:8000/console/")


if __name__ == "__main__":
    main()
