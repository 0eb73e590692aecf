"""The outbound policy against real local servers: internal targets are refused before any
packet reaches them, on every redirect hop, with the checked address pinned."""

import asyncio

import pytest

from incidents.prober import runner
from incidents.prober.outbound import OutboundPolicy
from incidents.prober.runner import run_checks_sync
from incidents.prober.spec import CheckSpec
from tests.live import free_port
from tests.prober.servers import TargetServer

REFUSED_LOOPBACK = "target address 127.0.0.1 is loopback; allow it with OUTBOUND_ALLOWED_NETWORKS"


def spec(kind: str, url: str) -> CheckSpec:
    extra = {"llm": {"llm_model": "gpt-test"}, "statuspage": {"statuspage_component": "API"}}
    return CheckSpec(probe_id=1, kind=kind, target=url, timeout_ms=2000, **extra.get(kind, {}))


def check(url: str, kind: str = "http"):
    [result] = run_checks_sync([spec(kind, url)], environ={})
    return result


def check_with(policy: OutboundPolicy, url: str, resolver=None, **options):
    """One check with an explicit policy and, standing in for DNS, ``resolver``."""

    async def go():
        extra = {"resolver": resolver} if resolver else {}
        clients = runner.Clients(policy=policy, **extra)
        try:
            return await runner.run_check(
                CheckSpec(probe_id=1, kind="http", target=url, timeout_ms=2000, **options),
                clients,
                {},
            )
        finally:
            await clients.aclose()

    return asyncio.run(go())


@pytest.fixture
def nothing_allowed(settings):
    """The shipped default, set after the server fixtures allowed loopback."""
    settings.OUTBOUND_ALLOWED_NETWORKS = []


def test_every_kind_is_refused_by_default_and_nothing_reaches_the_server(
    target, llm_stub, statuspage, nothing_allowed
):
    for kind, server, prefix in [
        ("http", target, ""),
        ("llm", llm_stub, ""),
        ("statuspage", statuspage, "status page: "),
    ]:
        result = check(server.url + "/v1" if kind == "llm" else server.url, kind)
        assert (result.outcome, result.error) == ("down", prefix + REFUSED_LOOPBACK), kind
        assert result.status_code is None and result.latency_ms is None
        assert server.requests() == [], kind


def test_names_and_ipv6_loopback_are_refused(target, nothing_allowed):
    with TargetServer(host="::1") as ipv6:
        result = check(ipv6.url)
        assert result.error == (
            "target address ::1 is loopback; allow it with OUTBOUND_ALLOWED_NETWORKS"
        )
        assert ipv6.requests() == []
    result = check(f"http://localhost:{target.port}/")
    assert result.error == (
        "target host localhost resolves to a loopback address; "
        "allow it with OUTBOUND_ALLOWED_NETWORKS"
    )
    assert target.requests() == []


def test_a_refusal_does_not_tell_an_open_port_from_a_closed_one(target, nothing_allowed):
    open_port = check(target.url)
    closed_port = check(f"http://127.0.0.1:{free_port()}/")
    assert open_port.error == closed_port.error == REFUSED_LOOPBACK
    assert (open_port.status_code, open_port.latency_ms) == (closed_port.status_code, None)


def test_listed_networks_are_probed(target, settings):
    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    assert check(target.url).outcome == "up"
    settings.OUTBOUND_ALLOWED_NETWORKS = ["::1/128"]
    with TargetServer(host="::1") as ipv6:
        assert check(ipv6.url).outcome == "up"
        assert len(ipv6.requests()) == 1
    assert check(target.url).error == REFUSED_LOOPBACK


def test_a_redirect_to_an_address_not_listed_is_refused(target, settings):
    """127.0.0.2 plays an allowed (public) host; its redirect leads to 127.0.0.1."""
    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.2/32"]
    with TargetServer(host="127.0.0.2", mode="redirect") as allowed:
        allowed.redirect_to = target.url + "/internal"
        for kind, prefix in [("http", ""), ("statuspage", "status page: ")]:
            result = check(allowed.url + "/summary.json", kind)
            assert (result.outcome, result.error) == ("down", prefix + REFUSED_LOOPBACK), kind
        assert len(allowed.requests()) == 2
        assert target.requests() == []
        # Listing the second hop too lets the redirect be followed.
        settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.2/32", "127.0.0.1/32"]
        assert check(allowed.url).outcome == "up"
        assert [seen.path for seen in target.requests()] == ["/internal"]


def test_the_checked_address_is_the_one_connected_to():
    """DNS rebinding: the name answers an allowed address once, an internal one after; the
    connection goes to the address that was checked, with the name in the Host header."""
    with TargetServer(host="127.0.0.2") as checked:
        internal = TargetServer()
        internal.port = checked.port  # 127.0.0.1 on the very same port
        with internal:
            answers = [["127.0.0.2"]]
            lookups = []

            async def rebinding_dns(host: str, port: int) -> list[str]:
                lookups.append(host)
                return answers.pop() if answers else ["127.0.0.1"]

            policy = OutboundPolicy.of(["127.0.0.2/32"])
            url = f"http://rebind.test:{checked.port}/health"
            result = check_with(policy, url, rebinding_dns)
            assert result.outcome == "up", result.error
            assert lookups == ["rebind.test"]
            [seen] = checked.requests()
            assert seen.headers["Host"] == f"rebind.test:{checked.port}"
            assert internal.requests() == []
            # The next connection looks the name up again, and is refused.
            result = check_with(policy, url, rebinding_dns)
            assert result.error == (
                "target host rebind.test resolves to a loopback address; "
                "allow it with OUTBOUND_ALLOWED_NETWORKS"
            )
            assert internal.requests() == []


def test_tls_keeps_the_name_for_sni_and_host(tls_cert, loopback_allowed):
    async def dns(host: str, port: int) -> list[str]:
        return ["127.0.0.2"]

    with TargetServer(host="127.0.0.2", tls=tls_cert) as server:
        url = f"https://vendor.test:{server.port}/"
        policy = OutboundPolicy.of(loopback_allowed)
        result = check_with(policy, url, dns, verify_tls=False)
        assert result.outcome == "up", result.error
        assert server.server_names == ["vendor.test"]
        assert server.requests()[0].headers["Host"] == f"vendor.test:{server.port}"
        result = check_with(policy, url, dns)  # verified: the handshake still names the host
        assert result.error.startswith("TLS error: certificate verification failed for vendor")
        assert server.server_names == ["vendor.test", "vendor.test"]


def test_connection_headers_of_a_probe_are_not_sent(target):
    headers = (
        ("Host", "metadata.internal"),
        ("Transfer-Encoding", "chunked"),
        ("Content-Length", "999"),
        ("X-Kept", "1"),
    )
    spec_ = CheckSpec(
        probe_id=1, kind="http", target=target.url, method="POST", body="{}", headers=headers
    )
    [result] = run_checks_sync([spec_], environ={})
    assert result.outcome == "up", result.error
    [seen] = target.requests()
    assert seen.headers["Host"] == f"127.0.0.1:{target.port}"
    assert seen.headers["Content-Length"] == "2" and seen.body == b"{}"
    assert "Transfer-Encoding" not in seen.headers
    assert seen.headers["X-Kept"] == "1"
