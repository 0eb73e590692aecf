"""Where checks may connect: the outbound-request policy against SSRF.

Probe targets come through the API, tenants included, so a check must never become a way
into the service's own network. Every connection a check opens (the target and each
redirect hop) goes through :class:`GuardedBackend`: it resolves the host once, refuses
when any address is loopback, link-local, private, multicast, unspecified or reserved
(IPv4-mapped and NAT64 IPv6 addresses judged by their IPv4 address) and outside the
allowed networks, and then connects to exactly the address it checked, so a DNS answer
that changes between check and connect (rebinding) cannot move the connection. TLS SNI
and the Host header still carry the name: httpcore takes them from the URL.

A refused connection sends no packet to the target, so its error is the same whether a
port is open or closed.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as LookupTimeout
from dataclasses import dataclass

import anyio
import httpcore
import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], Awaitable[list[str]]]

SETTING = "OUTBOUND_ALLOWED_NETWORKS"
# What `run_probe_agent --allow-private` opens: a customer's own network and host, but not
# link-local (cloud metadata), multicast, unspecified or reserved addresses.
PRIVATE_CATEGORIES = frozenset({"private", "loopback"})
NAT64 = ipaddress.ip_network("64:ff9b::/96")
API_LOOKUP_SECONDS = 3.0

_lookups = ThreadPoolExecutor(max_workers=4, thread_name_prefix="outbound-lookup")


class TargetRefused(Exception):
    """The policy forbids the address; nothing was sent to it."""


# --- the rules (pure) ------------------------------------------------------------------------


def embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, 6to4, NAT64), or None."""
    if ip.version == 4:
        return None
    if ip.ipv4_mapped or ip.sixtofour:
        return ip.ipv4_mapped or ip.sixtofour
    if ip in NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def address_category(ip: IPAddress) -> str | None:
    """What kind of non-public address ``ip`` is; None for a globally routable one."""
    ip = embedded_ipv4(ip) or ip
    for category, matches in (
        ("unspecified", ip.is_unspecified),
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("reserved", ip.is_reserved),
    ):
        if matches:
            return category
    return None if ip.is_global else "private"


def parse_networks(networks: Iterable[str]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(network.strip()) for network in networks)


@dataclass(frozen=True)
class OutboundPolicy:
    """Public addresses, plus the ``allowed`` networks; ``allow_private`` (a probe agent
    inside a customer's network) also opens private and loopback addresses."""

    allowed: tuple[IPNetwork, ...] = ()
    allow_private: bool = False

    @classmethod
    def of(cls, networks: Iterable[str], *, allow_private: bool = False) -> OutboundPolicy:
        return cls(parse_networks(networks), allow_private)

    def refused_category(self, ip: IPAddress) -> str | None:
        """The category that forbids a connection to ``ip``, or None when it is allowed."""
        forms = {ip, embedded_ipv4(ip) or ip}
        if any(form in network for network in self.allowed for form in forms):
            return None
        category = address_category(ip)
        if self.allow_private and category in PRIVATE_CATEGORIES:
            return None
        return category


def _article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


def refusal(host: str, addresses: Sequence[str], policy: OutboundPolicy) -> str | None:
    """Why no connection to ``host`` (resolved to ``addresses``) is allowed, or None.

    Any forbidden address refuses the host. For a name, the message does not say which
    address it resolved to, so refusals do not map internal DNS for whoever reads them.
    """
    for address in addresses:
        category = policy.refused_category(ipaddress.ip_address(address))
        if category is None:
            continue
        if is_ip_literal(host):
            subject = f"target address {host} is {category}"
        else:
            subject = f"target host {host} resolves to {_article(category)} {category} address"
        return f"{subject}; allow it with {SETTING}"
    return None


def is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


# --- configuration and look-ups --------------------------------------------------------------


def configured_policy(*, allow_private: bool = False) -> OutboundPolicy:
    """The policy of this process's settings (imported here: only this reads Django)."""
    from django.conf import settings

    return OutboundPolicy.of(settings.OUTBOUND_ALLOWED_NETWORKS, allow_private=allow_private)


async def resolve(host: str, port: int) -> list[str]:
    """Every address of ``host``, in the resolver's order; socket.gaierror when none."""
    infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def target_refusal(url: str, policy: OutboundPolicy) -> str | None:
    """Why the prober would refuse ``url``'s host today; None also when the name does not
    resolve (yet) or the look-up takes too long: every run checks again anyway."""
    try:
        host = httpx.URL(url).raw_host.decode("ascii")
        lookup = _lookups.submit(socket.getaddrinfo, host, None, type=socket.SOCK_STREAM)
        infos = lookup.result(timeout=API_LOOKUP_SECONDS)
    except (httpx.InvalidURL, UnicodeError, OSError, LookupTimeout):
        return None
    return refusal(host, list(dict.fromkeys(str(info[4][0]) for info in infos)), policy)


# --- httpx plumbing --------------------------------------------------------------------------


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend with the policy between name resolution and connect."""

    def __init__(self, policy: OutboundPolicy, resolver: Resolver = resolve):
        self.policy = policy
        self.resolver = resolver
        self.backend = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await self.resolver(host, port)
        if not addresses:
            raise socket.gaierror(socket.EAI_NONAME, "no address")
        refused = refusal(host, addresses, self.policy)
        if refused:
            raise TargetRefused(refused)
        options = {"timeout": timeout, "local_address": local_address}
        for address in addresses[:-1]:  # the next address after a failed connect
            with contextlib.suppress(httpcore.ConnectError):
                return await self.backend.connect_tcp(
                    address, port, socket_options=socket_options, **options
                )
        return await self.backend.connect_tcp(
            addresses[-1], port, socket_options=socket_options, **options
        )

    async def sleep(self, seconds: float) -> None:
        await self.backend.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport on a :class:`GuardedBackend`. httpx 0.28 takes no network backend
    (encode/httpx#3749), so the pool it built is replaced by one from httpcore's public
    constructor with the same settings."""

    def __init__(
        self,
        policy: OutboundPolicy,
        *,
        verify: bool,
        limits: httpx.Limits,
        resolver: Resolver = resolve,
    ):
        ssl_context = httpx.create_ssl_context(verify=verify)
        super().__init__(verify=ssl_context, limits=limits, trust_env=False)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=GuardedBackend(policy, resolver),
        )


def guarded_client(
    policy: OutboundPolicy, *, verify: bool, limits: httpx.Limits, resolver: Resolver = resolve
) -> httpx.AsyncClient:
    """A client for checks: guarded connections, and no proxy or .netrc from the
    environment (a proxy would connect on the policy's behalf; .netrc adds credentials)."""
    transport = GuardedTransport(policy, verify=verify, limits=limits, resolver=resolver)
    return httpx.AsyncClient(transport=transport, trust_env=False)
