"""Typed environment readers that stop start-up on values they do not understand."""

import ipaddress
import os
import re

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean; use 1/0, true/false or yes/no")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer") from exc
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name}={raw!r} is below its minimum, {minimum}")
    return value


def env_str(name: str, default: str) -> str:
    raw = os.environ.get(name)
    return default if raw is None or raw == "" else raw


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_networks(name: str) -> list[str]:
    """Comma-separated networks in CIDR notation (a bare address is one host)."""
    networks = env_list(name, [])
    for network in networks:
        try:
            ipaddress.ip_network(network)
        except ValueError as exc:
            raise ImproperlyConfigured(f"{name}: {network!r} is not a network ({exc})") from exc
    return networks


def env_pair(name: str) -> tuple[str, str] | None:
    """Two comma-separated values, e.g. ``HTTP_X_FORWARDED_PROTO,https``; None when unset."""
    items = env_list(name, [])
    if not items:
        return None
    if len(items) != 2:
        raise ImproperlyConfigured(f"{name} must be two comma-separated values, got {items!r}")
    return items[0], items[1]


_RATE = re.compile(r"[1-9][0-9]*/(s|sec|second|m|min|minute|h|hour|d|day)", re.ASCII)


def env_rate(name: str, default: str) -> str:
    """A DRF throttle rate, ``<requests>/<second|minute|hour|day>``."""
    value = env_str(name, default).strip()
    if not _RATE.fullmatch(value):
        raise ImproperlyConfigured(f"{name}={value!r} is not a rate such as 60/min or 1000/hour")
    return value
