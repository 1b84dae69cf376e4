"""Hostile log sets (issue 13), written for tests/logs/test_hostile.py and
benchmarks/trace_hostile.py (which runs them at full size): 40k empty files, 8k boots on one
reused port, one milestone line repeated to 1 GB.  ``scale`` shrinks each."""

from __future__ import annotations

import gzip
from pathlib import Path

DAY = "2024-03-01"
PORT = "b1b1b1b1-3333-4333-8333-333333333333"


def _stamp(second: int) -> str:
    h, rest = divmod(second, 3600)
    m, s = divmod(rest, 60)
    return f"{DAY} {h % 24:02d}:{m:02d}:{s:02d}.000"


def empty_files(root: Path, scale: float) -> list[Path]:
    """40k empty files under ``root/empty`` (200 per folder)."""
    base = root / "empty"
    n = int(40_000 * scale)
    for i in range(n):
        folder = base / f"d{i // 200:03d}"
        if i % 200 == 0:
            folder.mkdir(parents=True)
        (folder / f"nova-compute.log.{i}").touch()
    return [base]


def reused_port(root: Path, scale: float) -> list[Path]:
    """8k boots on one port: the chain of each is 30 s after the previous boot's."""
    n = int(8_000 * scale)
    base = root / "reused"
    (base / "compute1/var/log/nova").mkdir(parents=True)
    (base / "controller/var/log/neutron").mkdir(parents=True)
    (base / "controller/var/log/nova").mkdir(parents=True)
    compute, server, api = [], [], []
    for i in range(n):
        inst = f"{i:08x}-0000-4000-8000-000000000001"
        t = 30 * i
        req = f"req-{i:08x}-0000-4000-8000-00000000000a"
        pre = f"100 INFO nova.compute.manager [{req} u p - - -] [instance: {inst}]"
        compute += [
            f"{_stamp(t)} {pre} Starting instance...\n",
            f"{_stamp(t + 1)} {pre} Successfully updated port: {PORT} _update_port\n",
            f"{_stamp(t + 2)} {pre} Preparing to wait for external event "
            f"network-vif-plugged-{PORT} prepare\n",
            f"{_stamp(t + 5)} {pre} Received event network-vif-plugged-{PORT} external\n",
            f"{_stamp(t + 6)} {pre} Instance spawned successfully.\n",
            f"{_stamp(t + 7)} {pre} Took 6.00 seconds to build instance.\n",
        ]
        server += [
            f"{_stamp(t + 3)} 200 INFO neutron.plugins.ml2.rpc [-] Device {PORT} up at agent"
            " ovs-agent-compute1\n",
            f"{_stamp(t + 4)} 200 DEBUG neutron.notifiers.nova [-] Sending events: [{{'status':"
            f" 'completed', 'tag': u'{PORT}', 'name': 'network-vif-plugged', 'server_uuid':"
            f" u'{inst}'}}] send_events\n",
        ]
        api.append(
            f"{_stamp(t + 4)} 300 INFO nova.api.openstack.compute.server_external_events"
            f" [req-ee u p - - -] Creating event network-vif-plugged:{PORT} for instance"
            f" {inst} on compute1\n"
        )
    (base / "compute1/var/log/nova/nova-compute.log").write_text("".join(compute))
    (base / "controller/var/log/neutron/server.log").write_text("".join(server))
    (base / "controller/var/log/nova/nova-api.log").write_text("".join(api))
    return [base]


def repeated_line(root: Path, scale: float) -> list[Path]:
    """One milestone line repeated to 1 GB, gzip-compressed (about 4.7 MB on disk)."""
    inst = "aaaaaaaa-0000-4000-8000-000000000001"
    line = (
        f"{_stamp(0)} 100 DEBUG nova.compute.manager [req-0000000a-0000-4000-8000-00000000000a"
        f" u p - - -] [instance: {inst}] Received event network-vif-plugged-{PORT}"
        " external_instance_event /usr/lib/python3/dist-packages/nova/compute/manager.py:11\n"
    ).encode()
    block = line * ((4 << 20) // len(line))
    target = int((1 << 30) * scale)
    out = root / "repeated" / "nova-compute.log.1.gz"
    out.parent.mkdir(parents=True)
    with gzip.open(out, "wb", compresslevel=9) as gz:
        written = 0
        while written < target:
            gz.write(block)
            written += len(block)
    return [out]
