"""Service times and call counts of the twin: what each operation costs, and where it comes from.

Defaults are measured in the real logs of ``shared/data/logs/dessertlab-queens-aio`` (an RDO
all-in-one running tempest, 2018, DEBUG logs; "dessertlab" below), or taken from the code,
commit messages and bug reports cited in the dossier.  Where neither gives a figure the field
says "assumption" and why the value is reasonable.  ``docs/scenarios.md`` reproduces this
table.  Times are seconds.

The all-in-one figures are slow (one small machine runs everything); the built-in large-site
scenarios override the Neutron per-operation costs with the *fastest* dessertlab sample of each
operation (the least-contended measurement in the data), stated in their YAML.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Costs(BaseModel):
    """Per-operation service times (seconds) and per-operation call counts."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, strict=True)

    service_cv: float = Field(
        0.5,
        ge=0,
        le=3,
        description="coefficient of variation of every service time (lognormal around the "
        "mean); dessertlab GETs show p90/p50 of 2-3, i.e. a CV near 0.5-1; 0 = constant",
    )
    # -- nova ------------------------------------------------------------------------------
    nova_api_create_server: float = Field(
        4.17, ge=0, description="dessertlab: POST /servers access-log time, p50 of 6"
    )
    nova_api_external_events: float = Field(
        0.60, ge=0, description="dessertlab: POST os-server-external-events, p50 of 39"
    )
    nova_api_external_event_each: float = Field(
        0.005,
        ge=0,
        description="assumption: per extra event in one POST (one instance lookup each)",
    )
    conductor_schedule: float = Field(
        4.8,
        ge=0,
        description="dessertlab Nova/Test_2 r1: POST /servers answered -> 'Starting instance'",
    )
    conductor_reschedule: float = Field(
        0.5,
        ge=0,
        description="assumption: build_instances on a reschedule claims the next alternate in "
        "placement and saves the instance, without a scheduler call: about a tenth of "
        "conductor_schedule",
    )
    conductor_heal_rpc: float = Field(
        0.005,
        ge=0,
        description="assumption: conductor CPU of one of heal's conductor RPCs (an object "
        "load or save through the conductor; the logs show none of them)",
    )
    compute_claim: float = Field(
        0.41, ge=0, description="dessertlab: 'Starting instance' -> 'Claim successful'"
    )
    compute_spawn_prepare: float = Field(
        3.1,
        ge=0,
        description="dessertlab: 'Start spawning' -> images created (block devices, image)",
    )
    compute_plug_vifs: float = Field(
        0.3, ge=0, description="dessertlab: os-vif 'Successfully plugged vif' after Preparing"
    )
    compute_create_domain: float = Field(
        0.8, ge=0, description="dessertlab: plugged -> 'VM Started/Paused' lifecycle events"
    )
    compute_resume: float = Field(
        0.6,
        ge=0,
        description="dessertlab: 'Received event' -> 'Instance spawned successfully' "
        "(resume + _wait_for_boot polling every 0.5 s)",
    )
    compute_event_dispatch: float = Field(
        0.01, ge=0, description="dessertlab: 'Received event' -> 'Processing event' (ms)"
    )
    compute_destroy: float = Field(
        2.92, ge=0, description="dessertlab Nova/Test_2 r2: 'Took 2.92 seconds to destroy'"
    )
    # -- neutron API (one request each) -------------------------------------------------------
    neutron_create_port: float = Field(2.41, ge=0, description="dessertlab: POST /v2.0/ports p50")
    neutron_update_port_binding: float = Field(
        2.99, ge=0, description="dessertlab: PUT /v2.0/ports/<id> (binding:host_id) p50"
    )
    neutron_delete_port: float = Field(
        1.53, ge=0, description="dessertlab: DELETE /v2.0/ports/<id> p50"
    )
    neutron_get: float = Field(
        0.26,
        ge=0,
        description="dessertlab: mean of p50 of the GETs of a refresh "
        "(ports 0.34, networks 0.26, subnets 0.15, floatingips 0.05)",
    )
    # -- the database server and its clients (per statement / per connection) ---------------
    db_statement_cpu: float = Field(
        0.000115,
        ge=0,
        description="[M2]: server CPU of a 1-row SELECT on an indexed column (0.115 ms); every "
        "statement of twin/dbcalls.py's counts is charged this",
    )
    db_ping_cpu: float = Field(
        0.00004,
        ge=0,
        description="[M2]: server CPU of oslo.db's 'SELECT 1' checkout ping (0.040 ms) [C2]",
    )
    db_commit_cpu: float = Field(
        0.00024,
        ge=0,
        description="[M2]: server CPU of a 1-row UPDATE + COMMIT "
        "(innodb_flush_log_at_trx_commit=1), charged once per write transaction",
    )
    db_reset_cpu: float = Field(
        0.000025,
        ge=0,
        description="[M2]: server CPU of the pool's ROLLBACK on return (reset_on_return, "
        "[C5:79]), charged once per read transaction",
    )
    db_connect_server_cpu: float = Field(
        0.00027, ge=0, description="[M2]: server CPU of connect+auth+SET sql_mode, no TLS"
    )
    db_connect_server_cpu_tls: float = Field(
        0.0018, ge=0, description="[M2]: the same with TLS 1.3 (RSA-2048 certificate)"
    )
    db_connect_client_cpu: float = Field(
        0.00046,
        ge=0,
        description="[M2]: client (PyMySQL) CPU of a connect, no TLS; spent inside the "
        "worker's single-core eventlet hub",
    )
    db_connect_client_cpu_tls: float = Field(
        0.00249, ge=0, description="[M2]: the same with TLS 1.3"
    )
    db_rtt: float = Field(
        0.0002,
        ge=0,
        description="assumption: one client-server network round trip on a controller LAN "
        "(0.2 ms); [M2] measured on loopback, so it adds this per statement",
    )
    db_connect_round_trips: int = Field(
        5,
        ge=0,
        description="dossier §1.2: ≈5 round trips to open a connection (TCP, greeting, auth, "
        "SET NAMES/AUTOCOMMIT, SET sql_mode)",
    )
    db_tls_round_trips: int = Field(
        2, ge=0, description="dossier §1.2: +1-2 round trips for the TLS handshake (2 taken)"
    )
    # -- neutron RPC handlers (per device / per call) ----------------------------------------
    rpc_update_device_up: float = Field(
        0.49,
        ge=0,
        description="dessertlab: 'Device up at agent' -> 'Sending events', mean of 10 "
        "(0.34-0.74 s)",
    )
    rpc_update_device_noop: float = Field(
        0.1,
        ge=0,
        description="assumption: update_device_up of a port already ACTIVE (no provisioning)",
    )
    rpc_update_device_down: float = Field(
        0.2, ge=0, description="assumption: update_device_down (status DOWN, l2pop)"
    )
    rpc_report_state: float = Field(
        0.01, ge=0, description="assumption: one agents-table UPDATE per report_state call"
    )
    rpc_dhcp_ready: float = Field(
        0.1, ge=0, description="assumption: dhcp_ready_on_ports, provisioning_complete(DHCP)"
    )
    rabbit_latency: float = Field(0.002, ge=0, description="assumption: broker hop on a LAN (ms)")
    rabbit_message: float = Field(
        0.0001,
        ge=0,
        description="prior: broker CPU per message in one queue's Erlang process (routing, "
        "enqueue, deliver, ack): ~10k msg/s published into one queue on an 8-core E5-2650v2 "
        "[W32]; 50k/s is the best case quoted by CloudAMQP [W31]; calibrate",
    )
    rabbit_send: float = Field(
        0.0005,
        ge=0,
        description="assumption: a sender holds a pooled broker connection for this long per "
        "message (kombu serialise + socket write, no publisher confirms); the pool is "
        "rpc_conn_pool_size [C38][C39]",
    )
    # -- keystone (keystonemiddleware auth_token in neutron's API workers) -----------------------
    keystone_validate: float = Field(
        0.0173,
        ge=0,
        description="prior: keystone CPU per GET /v3/auth/tokens, 17.3 ms with 10-10,000 "
        "revocation events in the bug 1524030 fix benchmark (44.9 ms worst) [W26]; "
        "hardware not stated; calibrate",
    )
    keystone_issue: float = Field(
        0.05,
        ge=0,
        description="assumption: keystone CPU per POST /v3/auth/tokens (password check + "
        "Fernet token); Fernet is 'way slower' than UUID [W27], no figure for a modern "
        "keystone in the dossier: about 3 validations",
    )
    auth_cache_scan_key: float = Field(
        4e-8,
        ge=0,
        description="measured: CPU per cached token of the private cache's get() (a replica "
        "of keystonemiddleware 13.0.1 _cache.py:345-356 _FakeClient.get, which scans every "
        "key) on the dev machine, CPython 3.11: 37-43 ns per key at 100-5,000 keys",
    )
    # -- agents --------------------------------------------------------------------------------
    agent_iteration: float = Field(
        0.007, ge=0, description="dessertlab: idle rpc_loop 'Elapsed:0.006-0.008'"
    )
    agent_port_wiring: float = Field(
        0.5,
        ge=0,
        description="dessertlab: 'Port ... updated' -> 'Configuration for devices up' 0.7-1.5 s, "
        "less the update_device_list round trip",
    )
    agent_flow_delete_exec: float = Field(
        0.25,
        ge=0,
        description="LP#1975674 / neutron e09b128f41: 500 s per deletion with a 2000-member "
        "remote SG, one ovs-ofctl exec per member flow (0.25 s each)",
    )
    rootwrap_start: float = Field(
        0.145,
        ge=0,
        description="openstack-dev 2014-03 '[neutron][rootwrap] Performance considerations': "
        "neutron-rootwrap start 0.13-0.16 s per exec (saved when root_helper_daemon is set)",
    )
    rootwrap_daemon_call: float = Field(
        0.003,
        ge=0,
        description="same thread: ~0.003 s per command through a root-helper daemon",
    )
    agent_flow_delete_deferred: float = Field(
        0.002,
        ge=0,
        description="e09b128f41 commit message: 4 s for the same 2000 members when deferred",
    )
    dhcp_port: float = Field(
        1.0, ge=0, description="dessertlab: port created -> DHCP provisioning complete ~1 s"
    )
    notifier_client_setup: float = Field(
        0.9,
        ge=0,
        description="dessertlab: 'Sending events' -> novaclient 'REQ: curl ... POST' 0.8-1.0 s",
    )
