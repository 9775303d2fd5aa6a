"""Address classification: every blocked range, odd IPv4 spellings, embedded IPv4 forms."""

from __future__ import annotations

import ipaddress
import socket

import pytest
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import ThreadedResolver

from bot.errors import BlockedURLError, ConfigError
from bot.netguard import (
    PRIVATE_ADDRESS_REFUSAL,
    AddressPolicy,
    GuardedResolver,
    is_public_address,
    parse_ip_host,
    parse_ipv4_legacy,
)

BLOCKED = [
    "0.0.0.0",
    "0.1.2.3",
    "10.0.0.1",
    "10.255.255.255",
    "100.64.1.1",
    "100.127.255.254",
    "127.0.0.1",
    "127.255.0.1",
    "169.254.169.254",
    "169.254.0.1",
    "172.16.0.1",
    "172.31.255.255",
    "192.0.0.8",
    "192.0.2.1",
    "192.88.99.1",
    "192.168.1.1",
    "192.175.48.1",
    "198.18.0.1",
    "198.19.255.255",
    "198.51.100.7",
    "203.0.113.9",
    "224.0.0.1",
    "239.255.255.250",
    "240.0.0.1",
    "255.255.255.255",
    "::",
    "::1",
    "::10.0.0.1",  # IPv4-compatible (deprecated)
    "::8.8.8.8",  # IPv4-compatible is refused even for a public IPv4
    "::ffff:10.0.0.1",  # IPv4-mapped
    "::ffff:127.0.0.1",
    "::ffff:169.254.169.254",
    "::ffff:0:10.0.0.1",  # IPv4-translated
    "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
    "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
    "64:ff9b:1::a00:1",  # local-use NAT64
    "100::1",
    "2001::1",  # Teredo
    "2001:2::1",  # benchmarking
    "2001:db8::1",
    "2002:a00:1::1",  # 6to4 of 10.0.0.1
    "2002:808:808::1",  # 6to4 is deprecated: refused whatever it embeds
    "3fff::1",
    "fc00::1",
    "fd12:3456::1",
    "fe80::1",
    "fec0::1",
    "ff02::1",
]
PUBLIC = ["8.8.8.8", "1.1.1.1", "93.184.215.14", "2606:4700:4700::1111", "2a00:1450:4001::200e"]


@pytest.mark.parametrize("address", BLOCKED)
def test_blocked_ranges_are_not_public(address: str) -> None:
    assert not is_public_address(ipaddress.ip_address(address))
    with pytest.raises(BlockedURLError, match="private or internal address"):
        AddressPolicy().check(address)


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_pass(address: str) -> None:
    assert is_public_address(ipaddress.ip_address(address))
    assert AddressPolicy().check(address) == ipaddress.ip_address(address)


@pytest.mark.parametrize("mapped", ["::ffff:8.8.8.8", "64:ff9b::808:808"], ids=["mapped", "nat64"])
def test_embedded_public_ipv4_is_judged_by_the_ipv4(mapped: str) -> None:
    assert is_public_address(ipaddress.ip_address(mapped))


@pytest.mark.parametrize(
    ("spelling", "expected"),
    [
        ("2130706433", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("0X7F.0.0.1", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("127.0.1", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("017700000001", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("0", "0.0.0.0"),
        ("10.1", "10.0.0.1"),
        ("0xa9.0xfe.0xa9.0xfe", "169.254.169.254"),
        ("8.8.8.8", "8.8.8.8"),
    ],
)
def test_legacy_ipv4_spellings_parse_like_inet_aton(spelling: str, expected: str) -> None:
    assert parse_ipv4_legacy(spelling) == ipaddress.IPv4Address(expected)
    assert parse_ip_host(spelling) == ipaddress.IPv4Address(expected)


@pytest.mark.parametrize(
    "text",
    ["", "example.com", "1.2.3.4.5", "256.1.1.1", "08.0.0.1", "1..1", "1_0.0.0.1", "٣.1.1.1"],
)
def test_non_addresses_are_not_parsed_as_ipv4(text: str) -> None:
    assert parse_ipv4_legacy(text) is None


@pytest.mark.parametrize("spelling", ["2130706433", "0x7f.1", "127.1", "0177.0.0.1", "127.0.0.1."])
def test_legacy_loopback_spellings_are_refused(spelling: str) -> None:
    ip = parse_ip_host(spelling)
    assert ip is not None
    with pytest.raises(BlockedURLError):
        AddressPolicy().check(ip)


def test_parse_ip_host_handles_brackets_and_zones() -> None:
    assert parse_ip_host("[::1]") == ipaddress.ip_address("::1")
    assert parse_ip_host("fe80::1%25eth0") == ipaddress.ip_address("fe80::1")
    assert parse_ip_host("news.example") is None


def test_allowed_networks_readmit_private_ranges() -> None:
    policy = AddressPolicy.from_cidrs(["127.0.0.1/32", "10.1.0.0/16"])
    assert policy.is_allowed(ipaddress.ip_address("127.0.0.1"))
    assert policy.is_allowed(ipaddress.ip_address("10.1.2.3"))
    assert not policy.is_allowed(ipaddress.ip_address("127.0.0.2"))
    assert not policy.is_allowed(ipaddress.ip_address("10.2.0.1"))
    assert policy.is_allowed(ipaddress.ip_address("8.8.8.8"))


#: 10.20.0.5 wrapped in every IPv6 form that carries an IPv4 address.
WRAPPED_10_20_0_5 = {
    "mapped": "::ffff:10.20.0.5",
    "translated": "::ffff:0:10.20.0.5",
    "6to4": "2002:a14:5::1",
    "nat64": "64:ff9b::a14:5",
    "nat64-local": "64:ff9b:1:a14:0:500::",  # RFC 6052 /48 layout: 0a14, u-octet, 00, 05
    "teredo": "2001:0:4136:e378:8000:63bf:f5eb:fffa",  # client 10.20.0.5, bits inverted
    "compatible": "::a14:5",
}


@pytest.mark.parametrize("wrapped", WRAPPED_10_20_0_5.values(), ids=WRAPPED_10_20_0_5.keys())
def test_an_ipv4_allow_entry_does_not_admit_ipv6_wrappers(wrapped: str) -> None:
    policy = AddressPolicy.from_cidrs(["10.20.0.0/16"])
    assert policy.is_allowed(ipaddress.ip_address("10.20.0.5"))  # the address itself is
    assert not policy.is_allowed(ipaddress.ip_address(wrapped))
    with pytest.raises(BlockedURLError, match=PRIVATE_ADDRESS_REFUSAL):
        policy.check(wrapped)


def test_an_allow_entry_matches_the_address_as_connected_to() -> None:
    # An operator on a NAT64 network may list the IPv6 range itself: that is what is dialled.
    policy = AddressPolicy.from_cidrs(["64:ff9b::a14:0/112"])
    assert policy.is_allowed(ipaddress.ip_address("64:ff9b::a14:5"))
    assert not policy.is_allowed(ipaddress.ip_address("10.20.0.5"))
    assert not policy.is_allowed(ipaddress.ip_address("::ffff:10.20.0.5"))


def test_invalid_allowed_network_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"fetch.allowed_networks\[1\]"):
        AddressPolicy.from_cidrs(["10.0.0.0/8", "not-a-network"])


def test_unparseable_resolver_answer_is_refused() -> None:
    with pytest.raises(BlockedURLError):
        AddressPolicy().check("not-an-ip")


class StaticResolver(AbstractResolver):
    def __init__(self, answers: list[str], port_override: int | None = None) -> None:
        self.answers = answers
        self.port_override = port_override

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        return [
            {
                "hostname": host,
                "host": a,
                "port": self.port_override or port,
                "family": socket.AF_INET6 if ":" in a else socket.AF_INET,
                "proto": 0,
                "flags": socket.AI_NUMERICHOST,
            }
            for a in self.answers
        ]

    async def close(self) -> None:
        pass


@pytest.mark.parametrize("wrapped", WRAPPED_10_20_0_5.values(), ids=WRAPPED_10_20_0_5.keys())
async def test_guarded_resolver_refuses_wrapped_allowed_ipv4(wrapped: str) -> None:
    policy = AddressPolicy.from_cidrs(["10.20.0.0/16"])
    assert await GuardedResolver(StaticResolver(["10.20.0.5"]), policy).resolve("in.test", 80)
    with pytest.raises(BlockedURLError, match=PRIVATE_ADDRESS_REFUSAL):
        await GuardedResolver(StaticResolver([wrapped]), policy).resolve("wrapped.test", 80)


async def test_guarded_resolver_refuses_a_mixed_answer() -> None:
    guard = GuardedResolver(StaticResolver(["8.8.8.8", "10.0.0.1"]), AddressPolicy())
    with pytest.raises(BlockedURLError, match=PRIVATE_ADDRESS_REFUSAL):
        await guard.resolve("mixed.test", 80)


async def test_guarded_resolver_pins_the_requested_port() -> None:
    guard = GuardedResolver(StaticResolver(["8.8.8.8"], port_override=6379), AddressPolicy())
    (result,) = await guard.resolve("public.test", 443)
    assert (result["host"], result["port"]) == ("8.8.8.8", 443)


async def test_guarded_resolver_with_empty_answer_raises_oserror() -> None:
    guard = GuardedResolver(StaticResolver([]), AddressPolicy())
    with pytest.raises(OSError, match="no addresses"):
        await guard.resolve("empty.test", 80)


@pytest.mark.parametrize("host", ["127.1", "0x7f.1", "2130706433"])
async def test_guarded_real_resolver_catches_legacy_spellings(host: str) -> None:
    # The C resolver turns these into 127.0.0.1 without any DNS query; the guard must see that.
    guard = GuardedResolver(ThreadedResolver(), AddressPolicy())
    with pytest.raises(BlockedURLError):
        await guard.resolve(host, 80)
