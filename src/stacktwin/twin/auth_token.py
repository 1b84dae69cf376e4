"""keystonemiddleware ``auth_token`` in front of each neutron API worker: the token cache.

Every Neutron API request from nova passes the middleware before neutron sees it (dossier
§2.1, keystonemiddleware 13.0.1 ``auth_token/__init__.py``): for each token it carries (the
user's or admin token, then the service token if any, 355-420) it looks the token up in the
cache and, on a miss, asks keystone (``GET /v3/auth/tokens``) and caches the answer for
``token_cache_time`` seconds (``fetch_token``, 727-768).  If keystone does not answer within
``http_connect_timeout`` the request fails with HTTP 503 "The Keystone service is temporarily
unavailable" (755-765), the ``ok=False`` path of every API entry point.

Where the cache is decides the load:

* ``[keystone_authtoken] memcached_servers`` set: one memcached shared by every worker of every
  neutron-server (:class:`TokenCache` with ``shared=True``).  Each lookup is a LAN round trip
  (~0.5 ms, assumption) during which the greenthread waits and the process is free: it is not
  simulated (≪ the ≥ 90 ms of a request, and one event less per API request).
* unset: each API worker process keeps a private ``_FakeClient`` dict (``_cache.py:336-370``)
  whose ``get`` first walks *every* cached key to drop expired ones, so each lookup costs
  CPU in the worker in proportion to the tokens it has seen in the last ``token_cache_time``
  (``auth_cache_scan_key`` per key), and a token is validated once per worker that sees it.

Expiry follows ``_FakeClient``: ``set(time=t)`` stores ``now + t``, ``get`` drops entries with
``now >= timeout``; ``t == 0`` never expires, ``t < 0`` (``-1``) is gone at the next lookup, so
every request validates.  As the TTL is the same for every entry, expiry order is insertion
order, and the scan is kept as a FIFO of (expiry, token): the same entries survive as in the
real dict, at O(1) per lookup for the twin.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Generator, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from stacktwin.twin.context import Context
from stacktwin.twin.kernel import Event, Resource, Timeout
from stacktwin.twin.keystone import Keystone, Tokens

if TYPE_CHECKING:
    from collections import Counter


class ApiWorker(Protocol):
    """What the middleware needs of an API worker process (``NeutronProcess``)."""

    hub: Resource
    cores: Resource
    auth: AuthToken


class TokenCache:
    """The token cache of one API worker (private) or of the whole site (memcached)."""

    __slots__ = ("entries", "hits", "misses", "order", "shared", "ttl")

    def __init__(self, ttl: int, shared: bool) -> None:
        self.ttl = ttl
        self.shared = shared
        self.entries: dict[str, float] = {}  # token -> expiry (inf: never)
        self.order: deque[tuple[float, str]] = deque()
        self.hits = 0
        self.misses = 0

    def expire(self, now: float) -> int:
        """Drop the entries whose time has come (``_FakeClient.get``'s walk); the size left."""
        order = self.order
        entries = self.entries
        while order and now >= order[0][0]:
            expires, token = order.popleft()
            if entries.get(token) == expires:  # else set again later: a younger entry
                del entries[token]
        return len(entries)

    def get(self, token: str, now: float) -> bool:
        """True on a hit: an entry not yet expired (``now < timeout``, as ``_FakeClient.get``
        keeps it); expired entries are dropped by :meth:`expire`."""
        if self.entries.get(token, -1.0) > now:
            self.hits += 1
            return True
        self.misses += 1
        return False

    def set(self, token: str, now: float) -> None:
        """Cache a validated token for ``ttl`` seconds (``0``: for ever)."""
        self.expire(now)  # memcached and the private dict forget expired entries
        expires = now + self.ttl if self.ttl else float("inf")
        self.entries[token] = expires
        if self.ttl:
            self.order.append((expires, token))


class AuthToken:
    """The ``auth_token`` middleware of one neutron API worker process."""

    __slots__ = (
        "cache",
        "cores",
        "counters",
        "entries",
        "env",
        "hub",
        "keystone",
        "private",
        "scan",
        "timeout",
    )

    def __init__(
        self, ctx: Context, keystone: Keystone, cache: TokenCache, hub: Resource, cores: Resource
    ) -> None:
        costs = ctx.costs
        self.env = ctx.env
        self.counters: Counter[str] = ctx.counters
        self.keystone = keystone
        self.cache = cache
        self.private = not cache.shared
        self.entries = cache.entries  # the same dict, for the hot path
        self.hub = hub
        self.cores = cores
        self.scan = costs.auth_cache_scan_key
        timeout = ctx.scenario.neutron.keystone_authtoken.http_connect_timeout
        self.timeout = float(timeout) if timeout is not None else None

    def cached(self, tokens: Tokens) -> bool:
        """True when a shared cache holds every token (counted as hits): no generator then.

        A private cache always needs :meth:`authenticate`: its lookups cost CPU of the process.
        """
        if self.private:
            return False
        now = self.env.now
        entries = self.entries
        for token in tokens:
            if entries.get(token, -1.0) <= now:  # missing or expired
                return False
        self.cache.hits += len(tokens)
        return True

    def authenticate(self, tokens: Tokens) -> Generator[Event | Timeout, Any, bool]:
        """Validate each token of one request; False: HTTP 503 (keystone too late)."""
        cache = self.cache
        if not cache.shared:
            # each get walks the whole dict: CPU of this process (its hub) on a core
            cpu = self.scan * cache.expire(self.env.now) * len(tokens)
            if cpu:
                hub = self.hub.request()
                if not hub.triggered:
                    yield hub
                core = self.cores.request()
                if not core.triggered:
                    yield core
                yield Timeout(cpu)
                self.cores.release(core)
                self.hub.release(hub)
        for token in tokens:
            now = self.env.now
            if cache.get(token, now):
                continue
            ok = yield from self.keystone.validate(self.timeout)
            if not ok:  # "Unable to validate token" -> 503 to nova
                self.counters["neutron.keystone_unavailable"] += 1
                return False
            cache.set(token, self.env.now)
        return True


def install_auth_token(
    ctx: Context, keystone: Keystone, workers: Sequence[ApiWorker]
) -> list[TokenCache]:
    """Put the middleware in front of each API worker; the token caches (one if memcached).

    ``memcached_servers`` is a ListOpt: unset or empty, each worker caches in-process.
    """
    authtoken = ctx.scenario.neutron.keystone_authtoken
    ttl = authtoken.token_cache_time
    if authtoken.memcached_servers:
        caches = [TokenCache(ttl, shared=True)]
        for proc in workers:
            proc.auth = AuthToken(ctx, keystone, caches[0], proc.hub, proc.cores)
        return caches
    caches = []
    for proc in workers:
        cache = TokenCache(ttl, shared=False)
        caches.append(cache)
        proc.auth = AuthToken(ctx, keystone, cache, proc.hub, proc.cores)
    return caches
