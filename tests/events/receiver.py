"""A real HTTP receiver on 127.0.0.1 for outgoing events, and the documented signature check."""

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOLERANCE_SECONDS = 300


class Receiver:
    """Records POSTs; answers the queued statuses first, then 200."""

    def __init__(self) -> None:
        self.seen: list[tuple[dict[str, str], bytes]] = []
        self.statuses: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.seen.append((dict(self.headers), body))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"

    def bodies(self) -> list[dict]:
        return [json.loads(body) for _, body in self.seen]

    def types(self) -> list[str]:
        return [body["type"] for body in self.bodies()]


def signature_valid(
    secret: str, headers: dict[str, str], body: bytes, *, now: float | None = None
) -> bool:
    """docs/api.md's check: HMAC-SHA256 of "<t>.<body>" matches v1, and t is within 5 minutes."""
    parts = dict(item.split("=", 1) for item in headers["X-Continuity-Signature"].split(","))
    now = time.time() if now is None else now
    if abs(now - int(parts["t"])) > TOLERANCE_SECONDS:
        return False
    expected = hmac.new(secret.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256)
    return hmac.compare_digest(parts["v1"], expected.hexdigest())
