"""Which addresses a check may connect to, and which probe headers it may set (pure rules)."""

import ipaddress

import pytest
from django.core.exceptions import ImproperlyConfigured
from hypothesis import given
from hypothesis import strategies as st

from continuity.env import env_networks
from incidents.prober.outbound import OutboundPolicy, address_category, refusal
from incidents.prober.spec import Secrets, header_errors, resolve_headers

ip = ipaddress.ip_address


@pytest.mark.parametrize(
    ("address", "category"),
    [
        ("127.0.0.1", "loopback"),
        ("127.255.3.4", "loopback"),
        ("::1", "loopback"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("10.0.0.5", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("100.64.0.1", "private"),  # carrier-grade NAT
        ("0.1.2.3", "private"),  # "this network"
        ("fc00::1", "private"),
        ("fd12:3456::1", "private"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("255.255.255.255", "reserved"),
        ("::7f00:1", "reserved"),  # IPv4-compatible IPv6 (deprecated)
        ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped
        ("::ffff:10.0.0.5", "private"),
        ("::ffff:169.254.169.254", "link-local"),
        ("64:ff9b::a9fe:a9fe", "link-local"),  # NAT64 of 169.254.169.254
        ("2002:7f00:1::", "loopback"),  # 6to4 of 127.0.0.1
        ("8.8.8.8", None),
        ("1.1.1.1", None),
        ("::ffff:8.8.8.8", None),
        ("2606:4700:4700::1111", None),
    ],
)
def test_address_categories(address, category):
    assert address_category(ip(address)) == category


@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_an_ipv4_mapped_address_is_judged_as_its_ipv4_address(number):
    v4 = ipaddress.IPv4Address(number)
    mapped = ipaddress.IPv6Address(f"::ffff:{v4}")
    assert address_category(mapped) == address_category(v4)
    policy = OutboundPolicy.of(["10.0.0.0/8"])
    assert policy.refused_category(mapped) == policy.refused_category(v4)


def test_by_default_only_public_addresses_are_allowed():
    policy = OutboundPolicy()
    assert policy.refused_category(ip("93.184.216.34")) is None
    assert policy.refused_category(ip("10.0.0.5")) == "private"
    assert policy.refused_category(ip("::1")) == "loopback"


def test_listed_networks_are_allowed_and_nothing_next_to_them():
    policy = OutboundPolicy.of(["127.0.0.2/32", "10.0.0.0/8", "fd00::/8"])
    for allowed in ("127.0.0.2", "10.200.0.1", "::ffff:10.0.0.5", "fd00::5"):
        assert policy.refused_category(ip(allowed)) is None, allowed
    for refused in ("127.0.0.1", "172.16.0.1", "::1", "fc00::1"):
        assert policy.refused_category(ip(refused)) is not None, refused


def test_allow_private_opens_private_and_loopback_but_not_metadata_or_multicast():
    policy = OutboundPolicy(allow_private=True)
    for allowed in ("10.0.0.5", "192.168.1.1", "127.0.0.1", "::1", "fd00::5"):
        assert policy.refused_category(ip(allowed)) is None, allowed
    for refused, category in [
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("224.0.0.1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("240.0.0.1", "reserved"),
    ]:
        assert policy.refused_category(ip(refused)) == category
    listed = OutboundPolicy.of(["169.254.169.254/32"], allow_private=True)
    assert listed.refused_category(ip("169.254.169.254")) is None


def test_refusal_texts():
    policy = OutboundPolicy()
    assert refusal("10.0.0.5", ["10.0.0.5"], policy) == (
        "target address 10.0.0.5 is private; allow it with OUTBOUND_ALLOWED_NETWORKS"
    )
    assert refusal("0.0.0.0", ["0.0.0.0"], policy) == (
        "target address 0.0.0.0 is unspecified; allow it with OUTBOUND_ALLOWED_NETWORKS"
    )
    # A name: which internal address it resolves to is not told.
    assert refusal("db.internal", ["93.184.216.34", "10.1.2.3"], policy) == (
        "target host db.internal resolves to a private address; "
        "allow it with OUTBOUND_ALLOWED_NETWORKS"
    )
    assert refusal("example.com", ["93.184.216.34", "2606:2800::1"], policy) is None


def test_allowed_networks_setting_stops_start_up_on_a_bad_value(monkeypatch):
    monkeypatch.setenv("OUTBOUND_ALLOWED_NETWORKS", " 10.0.0.0/8, fd00::/8 ,192.168.1.7")
    assert env_networks("OUTBOUND_ALLOWED_NETWORKS") == ["10.0.0.0/8", "fd00::/8", "192.168.1.7"]
    monkeypatch.setenv("OUTBOUND_ALLOWED_NETWORKS", "")
    assert env_networks("OUTBOUND_ALLOWED_NETWORKS") == []
    for bad in ("10.0.0.1/8", "intranet", "10.0.0.0/33"):
        monkeypatch.setenv("OUTBOUND_ALLOWED_NETWORKS", f"127.0.0.0/8,{bad}")
        with pytest.raises(ImproperlyConfigured, match=f"OUTBOUND_ALLOWED_NETWORKS: '{bad}'"):
            env_networks("OUTBOUND_ALLOWED_NETWORKS")


@pytest.mark.parametrize(
    "name", ["Host", "host", "Content-Length", "Transfer-Encoding", "Connection", "Upgrade", "TE"]
)
def test_connection_headers_cannot_be_overridden(name):
    assert header_errors({name: "x"}) == [
        f"{name} is set by the prober itself and cannot be overridden"
    ]
    assert header_errors({name: {"env": "PROBE_HOST"}}) != []


def test_the_runner_drops_connection_headers_stored_before_the_rule():
    headers = (("HOST", "internal.example"), ("Transfer-Encoding", "chunked"), ("X-Ok", "1"))
    assert resolve_headers(headers, {}, Secrets()) == {"X-Ok": "1"}
