"""Options nova and neutron both get from the oslo libraries, declared once.

Each service registers oslo.messaging's ``rpc_response_timeout`` / ``executor_thread_pool_size``
and oslo.db's ``[database]`` pool options with the library's own type, default and help; only what
the option drives differs by service, so the callers pass that.
"""

from __future__ import annotations

from stacktwin.config.option import Option, Project, always

SQLALCHEMY_POOL_TIMEOUT = 30
"""Seconds a checkout waits when ``pool_timeout`` is unset: ``QueuePool(timeout=30.0)`` in
SQLAlchemy's ``pool/impl.py`` (oslo.db passes ``pool_timeout`` only when set)."""


def oslo_messaging_options(
    project: Project, *, timeout: str, executor: str, twin_timeout: bool = True
) -> tuple[Option, ...]:
    """``[DEFAULT] rpc_response_timeout`` and ``executor_thread_pool_size`` of ``project``;
    ``timeout`` / ``executor`` say what each drives in that service; ``twin_timeout`` whether the
    twin models the calls the timeout bounds."""
    return (
        Option(
            project,
            "DEFAULT",
            "rpc_response_timeout",
            "int",
            always(60),
            drives=timeout,
            help="Seconds to wait for a response from a call.",
            reference="oslo.messaging rpc/client.py _client_opts (default 60 s); dossier §7",
            twin=twin_timeout,
        ),
        Option(
            project,
            "DEFAULT",
            "executor_thread_pool_size",
            "int",
            always(64),
            deprecated_names=(("DEFAULT", "rpc_thread_pool_size"),),
            drives=executor,
            help="Size of executor thread pool when executor is threading or eventlet.",
            reference="oslo.messaging server.py (deprecated_name rpc_thread_pool_size); §5.1, §7",
        ),
    )


def oslo_messaging_rabbit_options(project: Project) -> tuple[Option, ...]:
    """``[oslo_messaging_rabbit] heartbeat_timeout_threshold`` of ``project``."""
    return (
        Option(
            project,
            "oslo_messaging_rabbit",
            "heartbeat_timeout_threshold",
            "int",
            always(60),
            drives=f"AMQP heartbeats of every {project} process's RabbitMQ connection; 0 turns "
            "them off, so a connection the broker or a load balancer dropped is noticed only "
            "when a call times out",
            help="Number of seconds after which the Rabbit broker is considered down if "
            "heartbeat's keep-alive fails (0 disables heartbeat).",
            reference="oslo.messaging _drivers/impl_rabbit.py rabbit_opts (14.3.0)",
            twin=False,
        ),
    )


def oslo_messaging_pool_options(project: Project, *, senders: str) -> tuple[Option, ...]:
    """``[oslo_messaging_rabbit] rpc_conn_pool_size`` of ``project``; ``senders`` names the
    processes that each own such a pool."""
    return (
        Option(
            project,
            "oslo_messaging_rabbit",
            "rpc_conn_pool_size",
            "int",
            always(30),
            minimum=1,
            deprecated_names=(("DEFAULT", "rpc_conn_pool_size"),),
            drives=f"broker connections each {senders} may send on at once (casts, calls, "
            "replies); one more sender blocks and logs 'Connection pool limit exceeded'",
            help="Size of RPC connection pool.",
            reference="oslo.messaging 14.2.4 _drivers/base.py:24-28 (registered in "
            "[oslo_messaging_rabbit] by impl_rabbit.py:1602); _drivers/pool.py:72-94 "
            "Pool.get blocks when full; dossier §3.3 [C38][C39]",
        ),
    )


def keystonemiddleware_options(project: Project) -> tuple[Option, ...]:
    """``[keystone_authtoken]`` options of keystonemiddleware's ``auth_token`` in ``project``'s
    API (the token cache and the timeout of a validation request to keystone)."""
    return (
        Option(
            project,
            "keystone_authtoken",
            "memcached_servers",
            "str",
            always(None),
            deprecated_names=(("keystone_authtoken", "memcache_servers"),),
            drives=f"where each {project} API worker caches validated tokens: unset, a private "
            "in-process dict per worker whose every lookup scans all its keys; set, one "
            "memcached shared by every worker and host",
            help="Optionally specify a list of memcached server(s) to use for caching. If left "
            "undefined, tokens will instead be cached in-process.",
            reference="keystonemiddleware 13.0.1 auth_token/_opts.py:71-75 (a ListOpt); "
            "_cache.py:336-356 _FakeClient; kolla sets it [W8]; dossier §2.1 [C26][C27]",
        ),
        Option(
            project,
            "keystone_authtoken",
            "token_cache_time",
            "int",
            always(300),
            drives="seconds a validated token is served from the cache before keystone "
            "validates it again; -1: every request validates",
            help="In order to prevent excessive effort spent validating tokens, the middleware "
            "caches previously-seen tokens for a configurable duration (in seconds). Set to -1 "
            "to disable caching completely.",
            reference="keystonemiddleware 13.0.1 auth_token/_opts.py:76-80; _cache.py:287 "
            "(set with time=token_cache_time); dossier §2.1 [C26]",
        ),
        Option(
            project,
            "keystone_authtoken",
            "http_connect_timeout",
            "int",
            always(None),
            drives="seconds a validation request waits for keystone; then the API request "
            "fails with 503 'The Keystone service is temporarily unavailable' (unset: it waits)",
            help="Request timeout value for communicating with Identity API server.",
            reference="keystonemiddleware 13.0.1 auth_token/_opts.py:48-50; "
            "auth_token/__init__.py:755-765 (RequestTimeout -> HTTPServiceUnavailable); "
            "dossier §2.1 [C25]",
        ),
    )


def oslo_db_pool_options(
    project: Project, *, who: str, twin: bool, extra_sections: tuple[str, ...] = ()
) -> tuple[Option, ...]:
    """``[database] max_pool_size`` / ``max_overflow`` / ``pool_timeout`` /
    ``connection_recycle_time`` of ``project`` (also
    read from ``extra_sections``, e.g. nova's ``[api_database]``); ``who`` names the processes
    that each own such a pool. Neither service overrides the oslo.db defaults (dossier §5.2)."""
    return (
        Option(
            project,
            "database",
            "max_pool_size",
            "int",
            always(5),
            drives=f"persistent DB connections per {who}",
            help="Maximum number of SQL connections to keep open in a pool. 0 = no limit.",
            reference="oslo_db/options.py (not overridden by the service); dossier §5.2",
            twin=twin,
            extra_sections=extra_sections,
        ),
        Option(
            project,
            "database",
            "max_overflow",
            "int",
            always(50),
            drives=f"extra DB connections per {who}, opened per checkout and closed on return, "
            "beyond max_pool_size",
            help="If set, use this value for max_overflow with SQLAlchemy.",
            reference="oslo_db/options.py; dossier §5.2",
            twin=twin,
            extra_sections=extra_sections,
        ),
        Option(
            project,
            "database",
            "pool_timeout",
            "int",
            always(None),
            drives="seconds a DB checkout waits before 'QueuePool limit of size N overflow M "
            "reached' (unset ⇒ SQLAlchemy's 30 s)",
            help="If set, use this value for pool_timeout with SQLAlchemy.",
            reference="oslo_db/options.py; SQLAlchemy pool/impl.py QueuePool(timeout=30.0); §5.2",
            twin=twin,
            fallback=SQLALCHEMY_POOL_TIMEOUT,
            extra_sections=extra_sections,
        ),
        Option(
            project,
            "database",
            "connection_recycle_time",
            "int",
            always(3600),
            drives=f"age (s) at which a pooled connection of each {who} is closed and reopened "
            "at its next checkout (kolla sets 10, OSA 600)",
            help="Connections which have been present in the connection pool longer than this "
            "number of seconds will be replaced with a new one the next time they are checked "
            "out from the pool.",
            reference="oslo_db/options.py:85-94 (oslo.db 12.3.2); SQLAlchemy pool recycle, "
            "checked in _ConnectionRecord.get_connection; dossier §1.5 [C1][W8][W10]",
            twin=twin,
            extra_sections=extra_sections,
        ),
    )
