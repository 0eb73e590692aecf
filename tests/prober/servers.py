"""Real local servers standing in for the outside world the prober watches.

* :class:`TargetServer` — an HTTP(S) endpoint whose behaviour a test switches: ``up``,
  ``error`` (500), ``slow``, ``hang``, ``json`` bodies, and off/on (closed port).
* :class:`LLMStub` — an OpenAI-compatible ``/v1/chat/completions`` that streams
  server-sent events, slowly, with errors, rate limits or malformed output.
* :class:`StatuspageStub` — ``/api/v2/summary.json`` in Statuspage's format.

Each is a ``ThreadingHTTPServer`` on 127.0.0.1 (or another ``host``: 127.0.0.2, ::1) in a
daemon thread; ``stop()`` closes the port (connections are refused) and ``start()`` opens
the same port again.
"""

from __future__ import annotations

import contextlib
import json
import socket
import ssl
import subprocess
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


def self_signed_cert(directory: Path) -> tuple[Path, Path]:
    """A throwaway self-signed certificate for 127.0.0.1/localhost (openssl CLI)."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class _Handler(BaseHTTPRequestHandler):
    server_version = "stub/1.0"

    def log_message(self, format, *args):  # noqa: A002 - quiet test output
        pass

    def _handle(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        stub = self.server.stub
        with stub.lock:
            stub.seen.append(Seen(self.command, self.path, dict(self.headers.items()), body))
        with contextlib.suppress(BrokenPipeError, ConnectionResetError, ssl.SSLError):
            stub.respond(self, body)

    do_GET = do_POST = do_PUT = do_HEAD = do_DELETE = do_PATCH = _handle

    def send_body(self, status: int, body: bytes, content_type="application/json", **headers):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class _Server6(_Server):
    address_family = socket.AF_INET6


class StubServer:
    """Base: a switchable server; subclasses implement ``respond(handler, body)``."""

    def __init__(self, *, tls: tuple[Path, Path] | None = None, host: str = "127.0.0.1"):
        self.tls = tls
        self.host = host
        self.lock = threading.Lock()
        self.seen: list[Seen] = []
        self.server_names: list[str | None] = []  # TLS SNI of each handshake
        self.release = threading.Event()  # set on stop: hanging handlers give up
        self.port = _free_port(host)
        self._server: _Server | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{'https' if self.tls else 'http'}://{host}:{self.port}"

    def start(self) -> StubServer:
        self.release.clear()
        server_class = _Server6 if ":" in self.host else _Server
        server = server_class((self.host, self.port), _Handler)
        server.stub = self
        if self.tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*map(str, self.tls))
            context.sni_callback = self._record_sni
            server.socket = context.wrap_socket(server.socket, server_side=True)
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        self._server = server
        return self

    def _record_sni(self, _socket, server_name, _context) -> None:
        with self.lock:
            self.server_names.append(server_name)

    def stop(self) -> None:
        self.release.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> StubServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def requests(self, **header) -> list[Seen]:
        with self.lock:
            seen = list(self.seen)
        name, value = next(iter(header.items()), (None, None))
        if name is None:
            return seen
        wanted = name.replace("_", "-").lower()
        lowered = [(s, {k.lower(): v for k, v in s.headers.items()}) for s in seen]
        return [s for s, headers in lowered if headers.get(wanted) == value]

    def respond(self, handler: _Handler, body: bytes) -> None:
        raise NotImplementedError


def _free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


class TargetServer(StubServer):
    """``mode``: up | error | slow | hang | barrier | redirect (302 to ``redirect_to``);
    ``payload`` is the JSON body of a 200; ``fail_for``: X-Probe-Location values that get a
    500 whatever the mode."""

    def __init__(self, *, tls=None, mode: str = "up", host: str = "127.0.0.1"):
        super().__init__(tls=tls, host=host)
        self.mode = mode
        self.redirect_to = ""
        self.delay = 0.0
        self.payload = {"status": "ok", "checks": [{"db": "ok"}]}
        self.fail_for = set()
        self.barrier = threading.Barrier(1)

    def respond(self, handler, body):
        if handler.headers.get("X-Probe-Location") in self.fail_for:
            handler.send_body(500, b'{"error": "this location is cut off"}')
            return
        if self.mode == "hang":
            self.release.wait(60)
            return
        if self.mode == "barrier":  # answers only once `barrier.parties` requests are in
            try:
                self.barrier.wait(timeout=10)
            except threading.BrokenBarrierError:
                handler.send_body(500, b'{"error": "the requests did not arrive together"}')
                return
        if self.mode == "redirect":
            handler.send_body(302, b"", location=self.redirect_to)
            return
        if self.mode == "slow":
            time.sleep(self.delay)
        if self.mode == "error":
            handler.send_body(500, b'{"error": "internal"}')
            return
        handler.send_body(200, json.dumps(self.payload).encode())


class LLMStub(StubServer):
    """An OpenAI-compatible chat endpoint. ``mode``: ok | slow_first | slow_stream | error |
    rate_limited | rate_limited_once | malformed | cut_off | unauthorized | hang."""

    def __init__(
        self, mode: str = "ok", tokens: int = 5, delay: float = 0.0, host: str = "127.0.0.1"
    ):
        super().__init__(host=host)
        self.mode = mode
        self.tokens = tokens
        self.delay = delay
        self.calls = 0

    def respond(self, handler, body):
        with self.lock:
            self.calls += 1
            call = self.calls
        if not handler.path.endswith("/chat/completions") or handler.command != "POST":
            handler.send_body(404, b'{"error": {"message": "not found"}}')
            return
        mode = self.mode
        if mode == "rate_limited" or (mode == "rate_limited_once" and call == 1):
            error = b'{"error": {"message": "Rate limit reached", "type": "rate_limit"}}'
            handler.send_body(429, error, retry_after="0")
            return
        if mode == "error":
            handler.send_body(503, b'{"error": {"message": "The engine is overloaded"}}')
            return
        if mode == "unauthorized":
            key = handler.headers.get("Authorization", "").removeprefix("Bearer ")
            message = f"Incorrect API key provided: {key}. You can find your key online."
            handler.send_body(401, json.dumps({"error": {"message": message}}).encode())
            return
        if mode == "hang":
            self.release.wait(60)
            return
        self._stream(handler, mode)

    def _stream(self, handler, mode):
        handler.send_response(200)
        handler.send_header("Content-Type", "text/event-stream")
        handler.send_header("Cache-Control", "no-cache")
        handler.end_headers()

        def send(data: str, pause: float = 0.0) -> None:
            if pause:
                time.sleep(pause)
            handler.wfile.write(f"data: {data}\n\n".encode())
            handler.wfile.flush()

        base = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "model": "stub"}
        send(json.dumps({**base, "choices": [{"index": 0, "delta": {"role": "assistant"}}]}))
        if mode == "malformed":
            send("{not json")
            return
        first_pause = self.delay if mode == "slow_first" else 0.0
        for number in range(self.tokens):
            pause = first_pause if number == 0 else (self.delay if mode == "slow_stream" else 0)
            chunk = {**base, "choices": [{"index": 0, "delta": {"content": f"t{number}"}}]}
            send(json.dumps(chunk), pause)
        if mode == "cut_off":
            return
        send(json.dumps({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}))
        usage = {"prompt_tokens": 12, "completion_tokens": self.tokens}
        usage["total_tokens"] = usage["prompt_tokens"] + self.tokens
        send(json.dumps({**base, "choices": [], "usage": usage}))
        send("[DONE]")


class StatuspageStub(StubServer):
    """A vendor status page: ``statuses`` maps component name to its status."""

    def __init__(self, statuses: dict[str, str] | None = None, host: str = "127.0.0.1"):
        super().__init__(host=host)
        self.statuses = statuses or {"API": "operational", "ChatGPT": "operational"}
        self.incident = ""

    def summary(self) -> dict:
        components = [
            {"id": f"c{i}", "name": name, "status": status, "group_id": None}
            for i, (name, status) in enumerate(self.statuses.items())
        ]
        incidents = (
            [{"name": self.incident, "status": "investigating", "components": components[:1]}]
            if self.incident
            else []
        )
        return {
            "page": {"id": "p1", "name": "Vendor", "url": self.url},
            "status": {"indicator": "none", "description": "All Systems Operational"},
            "components": components,
            "incidents": incidents,
            "scheduled_maintenances": [],
        }

    def respond(self, handler, body):
        if handler.path != "/api/v2/summary.json":
            handler.send_body(404, b"{}")
            return
        handler.send_body(200, json.dumps(self.summary()).encode())
