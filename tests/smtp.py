"""A real local SMTP server (aiosmtpd) for tests: it keeps every message it receives."""

import asyncio
import email
import socket
from collections.abc import Callable
from contextlib import contextmanager
from email.message import Message

from aiosmtpd.controller import Controller


class Inbox:
    """Keeps what it accepts. `refuse` makes it refuse every recipient (550); `after_accept`
    runs (in a thread) once a message is kept and before the client hears it was accepted."""

    def __init__(self):
        self.messages: list[Message] = []
        self.refuse = False
        self.after_accept: Callable[[], None] | None = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if self.refuse:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        message = email.message_from_bytes(envelope.original_content)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(message)
        if self.after_accept is not None:
            await asyncio.to_thread(self.after_accept)
        return "250 OK"


def body(message: Message, subtype: str = "plain") -> str:
    """The decoded text/<subtype> part of a message, with the wire's CRLF read as newlines."""
    for part in message.walk():
        if part.get_content_type() == f"text/{subtype}":
            text = part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
            return text.replace("\r\n", "\n")
    raise AssertionError(f"no text/{subtype} part in {message['Subject']!r}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def smtp_server(port: int | None = None):
    """Serve SMTP on 127.0.0.1; yields (inbox, port)."""
    inbox = Inbox()
    port = port or free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()
