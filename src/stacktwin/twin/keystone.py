"""keystone: the identity service that validates and issues tokens, and the tokens nova holds.

* :class:`Keystone` is the WSGI service of the site: ``keystone_nodes × keystone_processes ×
  keystone_threads`` servers (a c-server FIFO queue behind the load balancer, kolla's
  ``WSGIDaemonProcess ... threads=1``).  Each ``GET /v3/auth/tokens`` (a validation asked by a
  service's keystonemiddleware) costs ``keystone_validate`` seconds of a server, each
  ``POST /v3/auth/tokens`` (a token issued) ``keystone_issue`` (dossier §2.2).  A validation
  whose answer comes later than the middleware's ``http_connect_timeout`` fails the caller's
  request (:meth:`Keystone.validate` returns False); keystone still does the work, as a real
  server does for a client that hung up.
* :class:`ComputeTokens` holds the tokens of one nova-compute process: the admin token of the
  ``[neutron]`` credentials (``_ADMIN_AUTH``, process-global, nova 27.1.0
  ``nova/network/neutron.py:219-233``) and, with ``[service_user] send_service_user_token``,
  the service token (``nova/service_auth.py:33-55``).  keystoneauth re-authenticates when the
  cached token is within ``MIN_TOKEN_LIFE_SECONDS`` (120 s) of its expiry
  (keystoneauth1 ``identity/base.py:34,85-107``), so each token is issued again about every
  ``keystone_token_expiration - 120`` seconds; the thread that finds it stale waits for the
  issue.  A restarted nova-compute is a new process: its first request issues fresh tokens.

Which token each nova → Neutron call carries is the caller's choice (:mod:`.compute`), read from
``nova/network/neutron.py``: ``get_client(context)`` sends the user's token,
``get_client(context, admin=True)`` the admin token; the service token rides along with both.

>>> from stacktwin.twin import parse_scenario
>>> from stacktwin.twin.context import Context
>>> ctx = Context(parse_scenario({"name": "k"}))
>>> ks = Keystone(ctx)
>>> ks.workers.capacity           # 3 nodes x 5 processes x 1 thread
15
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from stacktwin.twin.context import Context
from stacktwin.twin.kernel import DeadlinesByDelay, Event, ProcessGenerator, Resource, Timeout

MIN_TOKEN_LIFE_SECONDS = 120.0
"""keystoneauth1 ``identity/base.py:34``: a cached token this close to expiry is renewed."""

Tokens = tuple[str, ...]
"""The tokens one request carries: ``(user-or-admin,)`` or ``(..., service)``."""


class KeystoneTimeout(Exception):
    """keystoneauth ``RequestTimeout``: keystone did not answer within ``http_connect_timeout``."""


class Keystone:
    """keystone's WSGI servers: validations and token issues, first come first served."""

    __slots__ = (
        "_deadlines",
        "_factor",
        "_serial",
        "ctx",
        "issue_cost",
        "issues",
        "timeouts",
        "validate_cost",
        "validations",
        "workers",
    )

    def __init__(self, ctx: Context) -> None:
        cloud = ctx.scenario.cloud
        self.ctx = ctx
        servers = cloud.keystone_nodes * cloud.keystone_processes * cloud.keystone_threads
        self.workers = Resource(ctx.env, servers, name="keystone")
        self.validate_cost = ctx.costs.keystone_validate
        self.issue_cost = ctx.costs.keystone_issue
        self._factor = ctx.factors("keystone")
        self.validations = 0
        self.issues = 0
        self.timeouts = 0
        self._serial = 0
        self._deadlines: DeadlinesByDelay[Event] = DeadlinesByDelay(ctx.env, _deadline)

    def serve(self, seconds: float) -> ProcessGenerator:
        """One request: wait for a free server, hold it ``seconds`` × a service-time factor."""
        workers = self.workers
        req = workers.request()
        if not req.triggered:
            yield req
        yield Timeout(seconds * self._factor())
        workers.release(req)

    def validate(self, timeout: float | None) -> Generator[Event | Timeout, Any, bool]:
        """``GET /v3/auth/tokens`` from a middleware: True once answered, False if not in time.

        Without a timeout the caller simply waits.  With one, the request runs as its own
        process and the caller waits on a reply event that a deadline fails (the pattern of
        :func:`stacktwin.twin.rabbit.call`: no ``AnyOf`` per request).
        """
        self.validations += 1
        if timeout is None:  # serve() inlined: the common path
            workers = self.workers
            req = workers.request()
            if not req.triggered:
                yield req
            yield Timeout(self.validate_cost * self._factor())
            workers.release(req)
            return True
        env = self.ctx.env
        reply = Event(env)
        self._deadlines(timeout).start(reply, reply)  # the middleware's timeout
        env.process(self._answer(reply))
        try:
            yield reply
        except KeystoneTimeout:
            self.timeouts += 1
            return False
        return True

    def _answer(self, reply: Event) -> ProcessGenerator:
        yield from self.serve(self.validate_cost)
        if not reply.triggered:  # else the middleware gave up: the answer is dropped
            reply.succeed(True)

    def issue(self) -> ProcessGenerator:
        """``POST /v3/auth/tokens``: a client authenticates and gets a new token."""
        self.issues += 1
        yield from self.serve(self.issue_cost)

    def new_token(self, kind: str) -> str:
        """A token id never seen before (its text says what it is, for debugging)."""
        self._serial += 1
        return f"{kind}-{self._serial}"


def _deadline(reply: Event) -> None:
    if not reply.triggered:  # else keystone answered first
        reply.fail(KeystoneTimeout("keystone did not answer in time"))


class Credential:
    """One keystoneauth auth plugin of a process: its cached token, renewed when stale.

    ``get_access`` holds the plugin's lock while it re-authenticates (keystoneauth1
    ``identity/base.py:85-107``): threads that find the token stale meanwhile wait for that one
    issue instead of issuing their own.
    """

    __slots__ = ("expires", "keystone", "kind", "renewing", "token")

    def __init__(self, keystone: Keystone, kind: str, expires: float | None) -> None:
        """``expires``: when the token held at the start expires (None: no token yet)."""
        self.keystone = keystone
        self.kind = kind
        self.token = keystone.new_token(kind) if expires is not None else ""
        self.expires = expires if expires is not None else 0.0
        self.renewing: Event | None = None

    def get(self) -> Generator[Event | Timeout, Any, str]:
        """The token to send now (issued first when missing or within 120 s of expiry)."""
        keystone = self.keystone
        env = keystone.ctx.env
        while self.token == "" or env.now >= self.expires - MIN_TOKEN_LIFE_SECONDS:
            if self.renewing is not None:  # another thread holds the plugin's lock
                yield self.renewing
                continue
            self.renewing = done = Event(env)
            yield from keystone.issue()
            self.token = keystone.new_token(self.kind)
            self.expires = env.now + keystone.ctx.scenario.cloud.keystone_token_expiration
            self.renewing = None
            done.succeed()
        return self.token


class ComputeTokens:
    """The admin credential and the service credential of one nova-compute process."""

    __slots__ = (
        "admin_auth",
        "admin_tokens",
        "admin_until",
        "env",
        "service_auth",
        "service_token",
        "service_until",
    )

    def __init__(self, ctx: Context, keystone: Keystone, *, running: bool) -> None:
        """``running``: the process was up before the run, its tokens issued at random times
        of their life (a renewal phase per compute, ``keystone-tokens`` stream); else it has
        just started and holds none (``_ADMIN_AUTH`` and ``_SERVICE_AUTH`` start empty)."""
        sc = ctx.scenario
        life = sc.cloud.keystone_token_expiration
        rng = ctx.rng("keystone-tokens")
        renew = max(0.0, life - MIN_TOKEN_LIFE_SECONDS)

        def expiry() -> float | None:
            if not running:
                return None
            return ctx.env.now + MIN_TOKEN_LIFE_SECONDS + rng.uniform(0.0, renew)

        self.admin_auth = Credential(keystone, "admin", expiry())
        self.service_auth = (
            Credential(keystone, "service", expiry())
            if sc.nova.service_user.send_service_user_token
            else None
        )
        self.env = ctx.env
        #: the admin request's tokens while all are fresh (until ``admin_until``): the hot path
        self.admin_tokens: Tokens = ()
        self.admin_until = 0.0
        #: the service token while fresh (until ``service_until``)
        self.service_token = ""
        self.service_until = 0.0

    def cached_admin(self) -> Tokens | None:
        """The admin request's tokens if none needs renewing now, else None (then
        :meth:`admin`): no generator on the hot path."""
        return self.admin_tokens if self.env.now < self.admin_until else None

    def cached_user(self, token: str) -> Tokens | None:
        """The tokens of a request with the user's ``token`` if the service token (if any)
        needs no renewal now, else None (then :meth:`user`)."""
        if self.service_auth is None:
            return (token,)
        return (token, self.service_token) if self.env.now < self.service_until else None

    def admin(self) -> Generator[Event | Timeout, Any, Tokens]:
        """The tokens of a ``get_client(context, admin=True)`` request."""
        admin = self.admin_auth
        token = yield from admin.get()
        until = admin.expires - MIN_TOKEN_LIFE_SECONDS
        tokens: Tokens = (token,)
        if self.service_auth is not None:
            service = yield from self._service()
            until = min(until, self.service_until)
            tokens = (token, service)
        self.admin_tokens, self.admin_until = tokens, until
        return tokens

    def user(self, token: str) -> Generator[Event | Timeout, Any, Tokens]:
        """The tokens of a ``get_client(context)`` request made with the user's ``token``."""
        if self.service_auth is None:
            return (token,)
        service = yield from self._service()
        return (token, service)

    def _service(self) -> Generator[Event | Timeout, Any, str]:
        assert self.service_auth is not None
        service = yield from self.service_auth.get()
        self.service_token = service
        self.service_until = self.service_auth.expires - MIN_TOKEN_LIFE_SECONDS
        return service
