"""INFO-only log sets written from nova's templates, LogHub style (no DEBUG lines at all).

The LogHub OpenStack sample (CloudLab, 2017) carries a file-name prefix before each oslo line,
``[req-… user project - - -]`` contexts, and only INFO and above: no ``Starting instance...``,
no ``Preparing to wait``.  The request id of the ``POST /servers`` access line is carried by
nova-compute's claim and build lines.  Templates (nova 17, ``nova/compute/claims.py``,
``nova/compute/manager.py``, ``nova/virt/libvirt/driver.py``, ``nova/conductor/manager.py``,
``nova/scheduler/utils.py``): ``Attempting claim: memory %(memory_mb)d MB, …`` (older form of
``Attempting claim on node %(node)s: …``), ``Claim successful``, ``Creating image``,
``Instance spawned successfully.``, ``Took %0.2f seconds to spawn the instance on the
hypervisor.``, ``Took %0.2f seconds to build instance.``, ``Failed to schedule instances``,
``Setting instance to %s state.``.
"""

from __future__ import annotations

from pathlib import Path

OK = "b9000564-fe1a-409b-b8cc-1e88b294cd1d"
NOHOST = "c1c2c3c4-0000-4000-8000-00000000c0c0"
R_OK = "req-3ea4052c-895d-4b64-9e2d-04d64c4d94ab"
R_NOHOST = "req-5b5b5b5b-0000-4000-8000-000000000b5b"
TENANT = "54fadb412c4e40cdbaed9335e4c35a9e"
DAY = "2017-05-16"


def _l(prefix: str, t: str, pid: int, logger: str, req: str, msg: str, inst: str | None) -> str:
    where = f"[instance: {inst}] " if inst else ""
    ctx = f"[{req} 113d3a99c3da401fbd62cc2caa5b96d2 {TENANT} - - -]"
    return f"{prefix} {DAY} {t} {pid} INFO {logger} {ctx} {where}{msg}\n"


def nova_api() -> str:
    p = "nova-api.log.1.2017-05-16_13:53:08"
    srv = "nova.osapi_compute.wsgi.server"
    return "".join(
        [
            _l(p, "00:00:01.500", 25746, srv, R_OK, _post(0.5000000), None),
            _l(p, "00:05:00.250", 25746, srv, R_NOHOST, _post(0.2500000), None),
        ]
    )


def _post(wall: float) -> str:
    return f'10.11.10.1 "POST /v2/{TENANT}/servers HTTP/1.1" status: 202 len: 733 time: {wall:.7f}'


def nova_compute() -> str:
    p = "nova-compute.log.1.2017-05-16_13:55:31"
    mgr, claims, drv = "nova.compute.manager", "nova.compute.claims", "nova.virt.libvirt.driver"
    return "".join(
        _l(p, t, 2931, logger, R_OK, msg, OK)
        for t, logger, msg in [
            ("00:00:04.000", claims, "Attempting claim: memory 2048 MB, disk 20 GB, vcpus 1 CPU"),
            ("00:00:04.010", claims, "Total memory: 64172 MB, used: 512.00 MB"),
            ("00:00:04.100", claims, "Claim successful"),
            ("00:00:05.000", drv, "Creating image"),
            ("00:00:24.000", drv, "Instance spawned successfully."),
            ("00:00:24.010", mgr, "Took 19.84 seconds to spawn the instance on the hypervisor."),
            ("00:00:24.500", mgr, "Took 20.58 seconds to build instance."),
        ]
    )


def nova_conductor() -> str:
    p = "nova-conductor.log.1.2017-05-16_13:55:31"
    return "".join(
        [
            _l(
                p,
                "00:05:01.000",
                3001,
                "nova.conductor.manager",
                R_NOHOST,
                "Failed to schedule instances: NoValidHost_Remote: No valid host was found. "
                "There are not enough hosts available.",
                None,
            ).replace(" INFO ", " ERROR "),
            _l(
                p,
                "00:05:01.100",
                3001,
                "nova.scheduler.utils",
                R_NOHOST,
                "Setting instance to ERROR state.",
                NOHOST,
            ).replace(" INFO ", " WARNING "),
        ]
    )


def write(root: Path, *, strip_timestamps: bool = False) -> Path:
    """Write the log set under ``root``; ``strip_timestamps`` drops prefix, date and time."""
    files = {
        "nova-api.log": nova_api(),
        "nova-compute.log": nova_compute(),
        "nova-conductor.log": nova_conductor(),
    }
    root.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        if strip_timestamps:
            text = "".join(line.split(" ", 3)[3] for line in text.splitlines(keepends=True))
        (root / name).write_text(text, encoding="utf-8")
    return root
