"""Decide which IP addresses the bot may connect to, and enforce it inside aiohttp.

The check lives in the resolver (`GuardedResolver`), so aiohttp connects only to addresses that
were vetted, with no second DNS lookup for a rebinding attacker to answer differently. aiohttp
never calls the resolver for IP-literal hosts, so callers vet those with `parse_ip_host` and
`AddressPolicy.check` before the request (see `bot.fetch`).
"""

from __future__ import annotations

import socket

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

# re-exported: the policy lives in bot.addresses so callers can vet addresses without aiohttp
from bot.addresses import (
    BLOCKED_NETWORKS,
    PRIVATE_ADDRESS_REFUSAL,
    AddressPolicy,
    IPAddress,
    IPNetwork,
    embedded_ipv4,
    is_public_address,
    parse_ip_host,
    parse_ipv4_legacy,
    parse_resolved,
)

__all__ = [
    "BLOCKED_NETWORKS",
    "PRIVATE_ADDRESS_REFUSAL",
    "AddressPolicy",
    "GuardedResolver",
    "IPAddress",
    "IPNetwork",
    "SafeConnector",
    "embedded_ipv4",
    "is_public_address",
    "parse_ip_host",
    "parse_ipv4_legacy",
    "parse_resolved",
]

class GuardedResolver(AbstractResolver):
    """Wrap a resolver; refuse the whole answer if any address in it is not allowed.

    Refusing all (rather than filtering) follows Synapse: a name that mixes public and private
    answers is an attack or a misconfiguration either way.
    """

    def __init__(self, inner: AbstractResolver, policy: AddressPolicy) -> None:
        self._inner = inner
        self._policy = policy

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        if not results:
            raise OSError(f"no addresses found for {host}")
        vetted: list[ResolveResult] = []
        for result in results:
            self._policy.check(result["host"])
            # Pin the port too: a resolver must not steer the connection to another service.
            vetted.append({**result, "port": port})
        return vetted

    async def close(self) -> None:
        await self._inner.close()


class SafeConnector(aiohttp.TCPConnector):
    """A TCPConnector whose every DNS answer passes through `GuardedResolver`.

    It owns `resolver` (closing the connector closes it). Subclass it in tests, or pass
    `socket_factory`, to observe the exact addresses a connection is attempted to.
    """

    def __init__(
        self,
        policy: AddressPolicy,
        *,
        resolver: AbstractResolver | None = None,
        **kwargs: object,
    ) -> None:
        self.policy = policy
        self._guard = GuardedResolver(resolver or DefaultResolver(), policy)
        super().__init__(resolver=self._guard, **kwargs)  # type: ignore[arg-type]

    async def close(self, **kwargs: bool) -> None:
        try:
            await super().close(**kwargs)
        finally:
            await self._guard.close()
