"""The audit's rules on nova options: the heal periodic and the vif-plugging wait.

Each rule states the evidence (file:line, or the release default in force), the value to set and
why. Thresholds that are a judgement, not a code fact, are named constants with what they are
anchored on; the twin (``stacktwin simulate --config``) is the place to test them against a
cloud's own load.
"""

from __future__ import annotations

import math

from stacktwin.config.calls import neutron_calls
from stacktwin.config.catalogue import VIF_PLUGGING_TIMEOUT
from stacktwin.config.finding import Finding
from stacktwin.config.finding import label as label_of
from stacktwin.config.load import (
    Scale,
    heal_rate,
    number,
    resolve,
)
from stacktwin.config.settings import LoadedConfig, Severity

SAFE_HEAL_RATE = 1000 / 600
"""Cloud-wide heal refreshes/s published as healthy at scale: 1,000 hosts at 600 s (the
production report's fix, 60 → 600 s; Mirantis MCP's 1000+ node tuning; dossier §9). Above it:
warning; above ``CRITICAL_HEAL_FACTOR`` times it: critical (the production site failed at 10×)."""
CRITICAL_HEAL_FACTOR = 5.0


def heal(loaded: LoadedConfig, scale: Scale) -> list[Finding]:
    v = resolve(loaded, scale, "nova", "DEFAULT", "heal_instance_info_cache_interval")
    rate = heal_rate(loaded, scale)
    if rate <= SAFE_HEAL_RATE:
        return []
    rel = scale.release
    gets = neutron_calls(rel).heal_refresh()
    factor = rate / SAFE_HEAL_RATE
    severity: Severity = "critical" if factor > CRITICAL_HEAL_FACTOR else "warning"
    target = max(600, math.ceil(scale.hosts / SAFE_HEAL_RATE))
    return [
        Finding(
            severity=severity,
            option=label_of("nova", "DEFAULT", "heal_instance_info_cache_interval"),
            message=f"heal periodic every {v.value} s on {scale.hosts} hosts: {rate:.1f} "
            f"refreshes/s = {rate * gets:.0f} Neutron GET/s ({gets} per refresh on {rel}), "
            f"{factor:.1f}× the load published as healthy at scale",
            evidence=[v.evidence],
            set_to=f"-1 (disabled, the default since 2025.1), or ≥ {target} to keep a safety net",
            why="each compute host force-refreshes one instance's network cache per interval; "
            "the GETs compete with boots for neutron API workers and DB. Nova keeps caches up to "
            "date from network-changed events; upstream disabled the periodic in 2025.1 because "
            "it 'does not scale well' (LP#1996094)",
        )
    ]


def vif(loaded: LoadedConfig, scale: Scale) -> list[Finding]:
    out: list[Finding] = []
    timeout = resolve(loaded, scale, "nova", "DEFAULT", "vif_plugging_timeout")
    fatal = resolve(loaded, scale, "nova", "DEFAULT", "vif_plugging_is_fatal")
    label = label_of("nova", "DEFAULT", "vif_plugging_timeout")
    if timeout.value == 0:
        out.append(
            Finding(
                severity="warning",
                option=label,
                message="vif_plugging_timeout = 0: nova does not wait for network-vif-plugged",
                evidence=[timeout.evidence],
                set_to=f"{VIF_PLUGGING_TIMEOUT} (the default)",
                why="instances go ACTIVE before their port is wired, and a broken Neutron chain "
                "shows up as unreachable VMs instead of failed boots",
            )
        )
    elif number(timeout) > VIF_PLUGGING_TIMEOUT:
        out.append(
            Finding(
                severity="info",
                option=label,
                message=f"vif_plugging_timeout = {timeout.value} s "
                f"(default {VIF_PLUGGING_TIMEOUT})",
                evidence=[timeout.evidence],
                why="a longer wait hides a slow agent → RPC worker → notifier → nova-api chain; "
                "nova's own commit calls raising it 'a fool's errand' (4af845f067): fix the "
                "chain's load (rpc_workers, heal, agent)",
            )
        )
    if fatal.value is False:
        out.append(
            Finding(
                severity="info",
                option=label_of("nova", "DEFAULT", "vif_plugging_is_fatal"),
                message="vif_plugging_is_fatal = False: a vif-plugged timeout boots the VM anyway",
                evidence=[fatal.evidence],
                why="boots no longer fail on a timeout, so overload of the Neutron chain is only "
                "visible as slow boots and VMs without network at first",
            )
        )
    return out
