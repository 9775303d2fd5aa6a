"""Which IP addresses the bot may connect to: the blocked ranges and the operator's policy.

Pure address logic with no network library, so importing it (config checks, the CLI's text
commands) costs nothing; `bot.netguard` enforces it inside aiohttp.
"""

from __future__ import annotations

import ipaddress
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass

from bot.errors import BlockedURLError, ConfigError

log = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

PRIVATE_ADDRESS_REFUSAL = "That link points to a private or internal address, so I won't fetch it."

# Python's `is_global` misses CGNAT on some versions and counts multicast and NAT64 as global,
# so the ranges are listed explicitly (union of Synapse, Mastodon and Discourse; PLATFORM 3.3).
BLOCKED_NETWORKS: tuple[IPNetwork, ...] = tuple(
    ipaddress.ip_network(cidr)
    for cidr in (
        "0.0.0.0/8",  # "this network"
        "10.0.0.0/8",  # RFC 1918
        "100.64.0.0/10",  # carrier-grade NAT
        "127.0.0.0/8",  # loopback
        "169.254.0.0/16",  # link-local, incl. cloud metadata 169.254.169.254
        "172.16.0.0/12",  # RFC 1918
        "192.0.0.0/24",  # IETF protocol assignments
        "192.0.2.0/24",  # TEST-NET-1
        "192.88.99.0/24",  # 6to4 relay anycast
        "192.168.0.0/16",  # RFC 1918
        "192.175.48.0/24",  # AS112 DNS
        "198.18.0.0/15",  # benchmarking
        "198.51.100.0/24",  # TEST-NET-2
        "203.0.113.0/24",  # TEST-NET-3
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, incl. broadcast 255.255.255.255
        "::/96",  # unspecified, loopback and deprecated IPv4-compatible (::a.b.c.d)
        "::ffff:0:0:0/96",  # IPv4-translated (RFC 2765)
        "64:ff9b:1::/48",  # local-use NAT64 (RFC 8215)
        "100::/64",  # discard-only
        "2001::/23",  # IETF protocol assignments, incl. Teredo and benchmarking
        "2001:db8::/32",  # documentation
        "2002::/16",  # 6to4 (deprecated; embeds an IPv4 address)
        "3fff::/20",  # documentation
        "5f00::/16",  # SRv6 SIDs
        "fc00::/7",  # unique local
        "fe80::/10",  # link-local
        "fec0::/10",  # site-local (deprecated)
        "ff00::/8",  # multicast
    )
)
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")

_DEC = re.compile(r"^(?:0|[1-9][0-9]*)$")
_OCT = re.compile(r"^0[0-7]*$")
_HEX = re.compile(r"^0[xX][0-9a-fA-F]*$")


def parse_ipv4_legacy(text: str) -> ipaddress.IPv4Address | None:
    """Parse IPv4 the way inet_aton does: 1-4 parts, each decimal, octal (0…) or hex (0x…).

    `ipaddress` rejects `2130706433`, `0x7f.1`, `127.1` and `0177.0.0.1`, but the C resolver
    maps them all to 127.0.0.1, so a check that trusts `ipaddress` alone can be walked around.
    """
    parts = text.split(".")
    if not 1 <= len(parts) <= 4:
        return None
    values = []
    for part in parts:
        if _HEX.match(part):
            values.append(int(part[2:] or "0", 16))
        elif _OCT.match(part):
            values.append(int(part, 8))
        elif _DEC.match(part):
            values.append(int(part, 10))
        else:
            return None
    *head, last = values
    if any(v > 255 for v in head) or last >= 256 ** (4 - len(head)):
        return None
    number = last
    for i, value in enumerate(head):
        number |= value << (8 * (3 - i))
    return ipaddress.IPv4Address(number)


def parse_ip_host(host: str) -> IPAddress | None:
    """The address an IP-literal URL host denotes (any spelling), or None for a host name."""
    host = host.strip()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if ":" in host:
        try:
            return ipaddress.IPv6Address(host.split("%", 1)[0])
        except ValueError:
            return None
    return parse_ipv4_legacy(host[:-1] if host.endswith(".") else host)


def embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, NAT64, 6to4), if any."""
    if isinstance(ip, ipaddress.IPv4Address):
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip.sixtofour


def is_public_address(ip: IPAddress) -> bool:
    """True if `ip` is a globally routable unicast address that is safe to fetch from."""
    if isinstance(ip, ipaddress.IPv6Address) and (ip.ipv4_mapped is not None or ip in _NAT64):
        # Judge the IPv4 address the packet will really reach.
        inner = embedded_ipv4(ip)
        assert inner is not None
        return is_public_address(inner)
    if any(ip in net for net in BLOCKED_NETWORKS):
        return False
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_link_local)


@dataclass(frozen=True)
class AddressPolicy:
    """Public addresses are allowed; `allowed_networks` re-admits operator-trusted ranges."""

    allowed_networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def from_cidrs(
        cls, cidrs: Iterable[str], *, key: str = "fetch.allowed_networks"
    ) -> AddressPolicy:
        nets = []
        for i, cidr in enumerate(cidrs):
            try:
                nets.append(ipaddress.ip_network(cidr, strict=False))
            except ValueError:
                raise ConfigError(
                    f"{key}[{i}] must be a network like 10.1.0.0/16, got {cidr!r}"
                ) from None
        return cls(tuple(nets))

    def is_allowed(self, ip: IPAddress) -> bool:
        """True if `ip` may be connected to: listed in `allowed_networks`, or public.

        An allow entry matches the address as it is connected to, never an IPv4 address
        wrapped inside it (mapped, 6to4, NAT64, Teredo, IPv4-compatible): with 10.20.0.0/16
        allowed, 2002:a14:5::1 would otherwise slip through as "10.20.0.5" and reach whatever
        relay routes 6to4. A wrapped IPv4 can only make an address more blocked (see
        `is_public_address`).
        """
        if any(ip in net for net in self.allowed_networks):
            return True
        return is_public_address(ip)

    def check(self, address: str | IPAddress) -> IPAddress:
        """Return the parsed address, or raise `BlockedURLError` if it may not be contacted."""
        ip = address if not isinstance(address, str) else parse_resolved(address)
        if ip is None or not self.is_allowed(ip):
            log.info("refused address %s", address)
            raise BlockedURLError(PRIVATE_ADDRESS_REFUSAL)
        return ip


def parse_resolved(address: str) -> IPAddress | None:
    """The address in a resolver answer or socket peer name (zone dropped), or None."""
    try:
        return ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return None
