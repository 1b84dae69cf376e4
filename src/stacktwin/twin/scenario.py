"""Scenarios: the cloud, its workload and its OpenStack settings, in validated YAML.

A scenario file looks like this (every field optional but ``name``; see ``docs/scenarios.md``)::

    name: my-cloud
    release: "2023.1"
    duration: 3600
    cloud: {hosts: 1000, instances: 20000, neutron_servers: 3, neutron_server_cores: 32}
    workload:
      boot_rate_per_minute: 5
      boot_storms: [{start: 600, duration: 600, rate_per_minute: 300}]
    nova: {DEFAULT: {heal_instance_info_cache_interval: 60}}
    neutron: {DEFAULT: {rpc_workers: 1}, database: {max_pool_size: 1}}
    model: {flow_deletion: blocking}

A wrong field, type or value raises :class:`ScenarioError` whose message names the path in the
file (``neutron.database.max_pool_size``) and, for an unknown field, the allowed ones.
"""

from __future__ import annotations

import difflib
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from stacktwin.config.dbsite import KOLLA_MAX_CONNECTIONS, MYSQL_MAX_CONNECTIONS
from stacktwin.twin.costs import Costs
from stacktwin.twin.limits import (
    MAX_BOOTS,
    MAX_HOSTS,
    MAX_INSTANCES,
    MAX_RATE_PER_MINUTE,
    MAX_SAMPLES,
    MAX_SECONDS,
)
from stacktwin.twin.replay import Arrivals, HostRestart, compress, replay_times
from stacktwin.twin.settings import CURRENT_RELEASE, NeutronSettings, NovaSettings, release_index


class ScenarioError(ValueError):
    """A scenario that cannot be used; the message says where and why."""


class _Strict(BaseModel):
    # strict: YAML ``hosts: true`` or ``hosts: "10"`` is an error, not 1 host or 10
    model_config = ConfigDict(extra="forbid", validate_assignment=True, strict=True)


class Cloud(_Strict):
    """The size and shape of the cloud."""

    hosts: int = Field(1000, ge=1, le=MAX_HOSTS, description="compute hosts")
    instances: int = Field(
        20_000, ge=0, le=MAX_INSTANCES, description="VMs already running at the start"
    )
    ports_per_vm: int = Field(1, ge=1, le=16)
    neutron_servers: int = Field(3, ge=1, description="nodes running neutron-server")
    neutron_server_cores: int = Field(32, ge=1)
    neutron_server_ram_gib: int = Field(128, ge=1)
    nova_api_nodes: int = Field(3, ge=1, description="nodes running nova-api and conductor")
    nova_api_cores: int = Field(16, ge=1)
    dhcp_agents: int = Field(
        3,
        ge=1,
        description="DHCP agents; each network is scheduled to one "
        "(dhcp_agents_per_network = 1, neutron conf/agent/database/agentschedulers_db.py)",
    )
    networks: int = Field(
        100,
        ge=1,
        le=MAX_HOSTS,
        description="assumption: Neutron networks the booted VMs' ports are on (round robin); "
        "a DHCP agent configures the ports of one network one at a time",
    )
    keystone_nodes: int = Field(
        3,
        ge=1,
        description="nodes running keystone behind the load balancer; assumption: one per "
        "controller, as nova_api_nodes",
    )
    keystone_processes: int = Field(
        5,
        ge=1,
        description="keystone WSGI processes per node: kolla-ansible wsgi-keystone.conf "
        "'processes={{ keystone_api_workers }}', which defaults to openstack_service_workers "
        "= min(vCPUs, 5) [W8]",
    )
    keystone_threads: int = Field(
        1,
        ge=1,
        description="threads per keystone WSGI process: kolla-ansible wsgi-keystone.conf "
        "'threads=1' [W8]; keystone serves nodes x processes x threads validations at once",
    )
    keystone_token_expiration: float = Field(
        3600.0,
        gt=0,
        le=MAX_SECONDS,
        description="keystone [token] expiration, seconds a token lives: 3600 [W30]; "
        "keystoneauth renews a token 120 s before it expires [C30]",
        allow_inf_nan=False,
    )
    rabbit_cores: int = Field(
        8,
        ge=1,
        description="cores of the RabbitMQ node shared by its queues (each queue one Erlang "
        "process, one core at most [W31]); assumption: the 1,000-compute test's broker "
        "peaked at 21 GHz [W15], ~8 cores of 2.6 GHz",
    )
    remote_sg_members: int = Field(
        0,
        ge=0,
        description="ports in the remote security group referenced by the VMs' group "
        "(drives conjunction-flow deletion in the OVS firewall)",
    )
    remote_sg_share: float = Field(
        1.0,
        ge=0,
        le=1,
        allow_inf_nan=False,
        description="assumption: share of the VMs whose security group references the remote "
        "group (1: every VM; the conjunctions leave a host only with the group's last port "
        "there, so the share decides how often a deletion empties a host's group)",
    )
    # -- the database server (one Galera writer): dossier §1.1 --------------------------------
    db_cores: int = Field(
        16,
        ge=1,
        description="CPU cores of the database writer node; assumption: a 16-core controller "
        "(kolla runs MariaDB on the controllers beside the API services)",
    )
    db_max_connections: int = Field(
        KOLLA_MAX_CONNECTIONS,
        ge=1,
        description=f"the database's max_connections: kolla-ansible's {KOLLA_MAX_CONNECTIONS} "
        f"[W8] (MariaDB's own default {MYSQL_MAX_CONNECTIONS} [W1], OSA <= 1600 [W9], RHOSP "
        "4096 [W11]); a connect beyond it is refused with 1040",
    )
    db_tls: bool = Field(
        False,
        description="TLS between the services and the database: off in kolla-ansible unless "
        "ProxySQL and its TLS flags are enabled [W8]; raises connect CPU on both sides [M2]",
    )
    db_deadlock_probability: float = Field(
        0.0,
        ge=0,
        le=1,
        description="chance that a write transaction ends in a deadlock (1213) and is retried: "
        "0 with one writer and no flapping VIP (Galera certification conflicts need two "
        "writers, dossier §1.7); OSIC cloud1 saw 3 of 726 VMs fail with DB deadlocks [W23]",
    )


class Storm(_Strict):
    """A burst of requests: ``rate_per_minute`` from ``start`` for ``duration`` seconds."""

    start: float = Field(ge=0, le=MAX_SECONDS, allow_inf_nan=False)
    duration: float = Field(gt=0, le=MAX_SECONDS, allow_inf_nan=False)
    rate_per_minute: float = Field(gt=0, le=MAX_RATE_PER_MINUTE, allow_inf_nan=False)


class Restart(_Strict):
    """nova-compute restarted on ``hosts`` hosts at time ``at``."""

    at: float = Field(ge=0, le=MAX_SECONDS, allow_inf_nan=False)
    hosts: int = Field(ge=1)


class Workload(_Strict):
    """What users and operators do during the run."""

    boot_rate_per_minute: float = Field(
        0.0,
        ge=0,
        le=MAX_RATE_PER_MINUTE,
        description="steady Poisson boot arrivals",
        allow_inf_nan=False,
    )
    boot_storms: list[Storm] = Field(default_factory=list)
    sequential_boots: int = Field(
        0,
        ge=0,
        le=MAX_BOOTS,
        description="boots one after the other (the next when the last ended)",
    )
    sequential_gap: float = Field(
        30.0,
        ge=0,
        le=MAX_SECONDS,
        description="seconds between sequential boots",
        allow_inf_nan=False,
    )
    delete_rate_per_minute: float = Field(
        0.0,
        ge=0,
        le=MAX_RATE_PER_MINUTE,
        description="steady Poisson deletions",
        allow_inf_nan=False,
    )
    delete_storms: list[Storm] = Field(default_factory=list)
    compute_restarts: list[Restart] = Field(default_factory=list)
    arrivals: Arrivals | None = Field(
        None, description="a traced workload replayed at its times (stacktwin calibrate)"
    )


class Model(_Strict):
    """Code-level choices that are not configuration options."""

    flow_deletion: Literal["blocking", "deferred"] | None = Field(
        None,
        description="OVS firewall conjunction-flow deletion: 'blocking' (one ovs-ofctl exec "
        "per member: neutron 17.0.0 to 20.1.x), 'deferred' (batched; neutron e09b128f41, "
        "LP#1975674); None: the release's (twin/flows.py)",
    )
    costs: Costs = Field(default_factory=Costs)


class Scenario(_Strict):
    """Everything a twin run needs."""

    name: str
    description: str = ""
    release: str = CURRENT_RELEASE
    seed: int = 1
    duration: float = Field(
        3600.0, gt=0, le=MAX_SECONDS, description="seconds of arrivals", allow_inf_nan=False
    )
    drain: float | None = Field(
        None,
        ge=0,
        le=MAX_SECONDS,
        description="seconds after the arrivals for boots in flight to end "
        "(default: vif_plugging_timeout + 600)",
        allow_inf_nan=False,
    )
    sample_interval: float = Field(
        10.0, ge=0.01, description="seconds between queue samples", allow_inf_nan=False
    )
    cloud: Cloud = Field(default_factory=Cloud)
    workload: Workload = Field(default_factory=Workload)
    nova: NovaSettings = Field(default_factory=NovaSettings)
    neutron: NeutronSettings = Field(default_factory=NeutronSettings)
    model: Model = Field(default_factory=Model)

    @field_validator("release")
    @classmethod
    def _known_release(cls, value: str) -> str:
        release_index(value)
        return value

    @model_validator(mode="after")
    def _bounded(self) -> Scenario:
        """Refuse, before running, a run whose size would exceed the stated limits."""
        end = self.end_time()
        samples = end / self.sample_interval
        if samples > MAX_SAMPLES:
            raise ValueError(
                f"sample_interval: {self.sample_interval:g} s over {end:g} s is {samples:,.0f} "
                f"queue samples, over the limit of {MAX_SAMPLES:,}"
            )
        w = self.workload
        for what, rate, storms in (
            ("boots", w.boot_rate_per_minute, w.boot_storms),
            ("deletions", w.delete_rate_per_minute, w.delete_storms),
        ):
            expected = rate / 60 * self.duration + sum(
                s.rate_per_minute / 60 * s.duration for s in storms
            )
            if what == "boots":
                expected += w.sequential_boots + (len(w.arrivals.boots) if w.arrivals else 0)
            elif w.arrivals is not None:
                expected += len(w.arrivals.deletes)
            if expected > MAX_BOOTS:
                raise ValueError(
                    f"workload: {expected:,.0f} {what} expected (rates × durations), over the "
                    f"limit of {MAX_BOOTS:,} per run"
                )
        if w.arrivals is not None:
            self._check_arrivals(w.arrivals)
        return self

    def _check_arrivals(self, arrivals: Arrivals) -> None:
        """A replay's hosts within the cloud and its last event within the duration."""
        hosts = self.cloud.hosts
        for r in arrivals.restarts:
            if r.host >= hosts:
                raise ValueError(
                    f"workload.arrivals.restarts: host {r.host} of a {hosts}-host cloud"
                )
        for i, host in enumerate(arrivals.hosts):
            if host is not None and host >= hosts:
                raise ValueError(
                    f"workload.arrivals.hosts[{i}]: host {host} of a {hosts}-host cloud"
                )
        times = replay_times(arrivals, self.idle_limit())
        last = max((t for kind in times.values() for t in kind), default=0.0)
        if last > self.duration:
            raise ValueError(
                f"workload.arrivals: the last replayed event is at {last:g} s, after "
                f"duration ({self.duration:g} s)"
            )

    def idle_limit(self) -> float:
        """The longest idle gap a traced replay keeps (``arrivals.max_idle`` or the drain)."""
        arrivals = self.workload.arrivals
        if arrivals is not None and arrivals.max_idle is not None:
            return arrivals.max_idle
        return self.nova.DEFAULT.vif_plugging_timeout + 600.0

    def end_time(self) -> float:
        """When the run stops: arrivals end at ``duration``, then the drain."""
        drain = self.drain
        if drain is None:
            drain = self.nova.DEFAULT.vif_plugging_timeout + 600.0
        return self.duration + drain


def _allowed_fields(model: type[BaseModel], loc: tuple[int | str, ...]) -> list[str] | None:
    """The field names allowed at the parent of ``loc`` (for unknown-field errors)."""
    current: Any = model
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        field = current.model_fields.get(str(part))
        if field is None:
            return None
        ann = field.annotation
        args = getattr(ann, "__args__", None)
        if args:  # list[Storm] and the like
            ann = next((a for a in args if isinstance(a, type) and issubclass(a, BaseModel)), ann)
        current = ann
    if isinstance(current, type) and issubclass(current, BaseModel):
        return sorted(current.model_fields)
    return None


def format_validation_error(err: ValidationError, source: str) -> str:
    """One line per problem: ``source: path.to.field: message (allowed: ...)``."""
    lines = []
    for item in err.errors():
        loc = tuple(item["loc"])
        path = ".".join(str(p) for p in loc) or "<top>"
        msg = item["msg"]
        if item["type"] == "extra_forbidden":
            allowed = _allowed_fields(Scenario, loc)
            if allowed:
                msg = f"unknown field; allowed: {', '.join(allowed)}"
        elif item["type"] == "literal_error":
            msg = f"{msg} (got {item.get('input')!r})"
        elif item["type"] == "value_error" and not loc:  # a whole-scenario check names its field
            lines.append(f"{source}: {msg.removeprefix('Value error, ')}")
            continue
        lines.append(f"{source}: {path}: {msg}")
    return "\n".join(lines)


def parse_scenario(data: Any, source: str = "<scenario>") -> Scenario:
    """Validate a mapping as a scenario; raises :class:`ScenarioError`."""
    if not isinstance(data, dict):
        raise ScenarioError(f"{source}: a scenario is a mapping, got {type(data).__name__}")
    try:
        return Scenario.model_validate(data)
    except ValidationError as err:
        raise ScenarioError(format_validation_error(err, source)) from None


def builtin_names() -> list[str]:
    """Names of the scenarios shipped in the package."""
    folder = resources.files("stacktwin.twin") / "scenarios"
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml"))


def _read_yaml(text: str, source: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"{source}:{mark.line + 1}" if mark is not None else source
        problem = getattr(err, "problem", None) or str(err)
        raise ScenarioError(f"{where}: not valid YAML: {problem}") from None


def load_scenario(name_or_path: str) -> Scenario:
    """A built-in scenario by name, or a YAML file by path."""
    path = Path(name_or_path)
    if name_or_path in builtin_names():
        ref = resources.files("stacktwin.twin") / "scenarios" / f"{name_or_path}.yaml"
        return parse_scenario(_read_yaml(ref.read_text("utf-8"), name_or_path), name_or_path)
    if not path.exists():
        names = builtin_names()
        close = difflib.get_close_matches(name_or_path, names, n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ScenarioError(
            f"{name_or_path}: no such file or built-in scenario{hint} "
            f"(built-in: {', '.join(names)})"
        )
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise ScenarioError(f"{path}: cannot read: {err.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ScenarioError(f"{path}: not UTF-8 text (byte {err.start})") from None
    if not text.strip():
        raise ScenarioError(f"{path}: empty file")
    return parse_scenario(_read_yaml(text, str(path)), str(path))


def with_settings(
    scenario: Scenario, settings: dict[str, dict[str, dict[str, Any]]], source: str
) -> tuple[Scenario, list[str]]:
    """The scenario with OpenStack settings laid over it (e.g. read from real config files).

    ``settings`` is nested as the scenario writes them: ``{"nova": {"DEFAULT": {...}}, ...}``.
    Options the twin does not model are returned (``project [section] option``) rather than
    applied; a value the twin cannot take raises :class:`ScenarioError` naming ``source``.
    """
    data = scenario.model_dump()
    ignored: list[str] = []
    for project in ("nova", "neutron"):
        model = NovaSettings if project == "nova" else NeutronSettings
        for section, options in settings.get(project, {}).items():
            field = model.model_fields.get(section)
            known = field.annotation.model_fields if field is not None else {}  # type: ignore[union-attr]
            for option, value in options.items():
                if option in known:
                    data[project].setdefault(section, {})[option] = value
                else:
                    ignored.append(f"{project} [{section}] {option}")
    return parse_scenario(data, source), ignored


__all__ = [
    "MAX_BOOTS",
    "MAX_HOSTS",
    "MAX_INSTANCES",
    "MAX_RATE_PER_MINUTE",
    "MAX_SAMPLES",
    "MAX_SECONDS",
    "Arrivals",
    "HostRestart",
    "compress",
    "replay_times",
]
