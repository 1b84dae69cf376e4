"""Service and host inference from paths and content, and overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from stacktwin.logs import trace
from stacktwin.logs.sources import Override, host_from_path, service_from_path


@pytest.mark.parametrize(
    ("path", "service"),
    [
        ("logs/round_1/nova/nova-compute.log.bzip2.out", "nova-compute"),
        ("var/log/nova/nova-api.log-20151113.gz", "nova-api"),
        ("var/log/nova/nova-api-wsgi.log", "nova-api"),
        ("var/log/nova/nova-api-metadata.log.1.gz", "nova-api-metadata"),
        ("podlogs/nova-0_nova-conductor.log", "nova-conductor"),
        ("var/log/nova/nova-scheduler.log", "nova-scheduler"),
        ("logs/round_1/neutron/server.log.bzip2.out", "neutron-server"),
        ("var/log/neutron/neutron-server.log-20160129.gz", "neutron-server"),
        ("neutron-0_neutron-server.log", "neutron-server"),
        ("var/log/neutron/neutron-openvswitch-agent.log.2.gz", "neutron-openvswitch-agent"),
        ("logs/round_1/neutron/openvswitch-agent.log.bzip2.out", "neutron-openvswitch-agent"),
        ("logs/round_1/neutron/dhcp-agent.log.bzip2.out", "neutron-dhcp-agent"),
        ("var/log/syslog", None),
    ],
)
def test_service_from_path(path: str, service: str | None) -> None:
    assert service_from_path(path) == service


def test_host_from_path() -> None:
    assert host_from_path("logs/hp-ms-01-c29/var/log/nova/nova-compute.log") == "hp-ms-01-c29"
    sos = "x.tar.xz!sosreport-compute4-2022-02-10-abcdef/var/log/a.log"
    assert host_from_path(sos) == "compute4"
    assert host_from_path("nova-compute.log") is None


def test_override_parsing() -> None:
    rule = Override.parse("*/c1.txt=nova-compute")
    assert rule.applies("/tmp/x/c1.txt") and not rule.applies("/tmp/x/c2.txt")
    assert Override.parse("c1.txt=h=1").value == "h=1"
    with pytest.raises(ValueError, match="GLOB=VALUE"):
        Override.parse("no-equals")
    with pytest.raises(ValueError, match="GLOB=VALUE"):
        Override.parse("=x")


def test_service_from_content_when_the_name_says_nothing(tmp_path: Path) -> None:
    log = tmp_path / "messages"
    log.write_text(
        "2024-03-01 10:00:05.000 100 DEBUG nova.compute.manager [-] "
        "[instance: aaaaaaaa-0000-4000-8000-000000000001] Starting instance... x\n"
    )
    result = trace([log])
    assert result.services == {"nova-compute": 1}
    assert [b.instance for b in result.boots] == ["aaaaaaaa-0000-4000-8000-000000000001"]


def test_progress_counts_on_disk_bytes_of_plain_compressed_and_tar_inputs(tmp_path: Path) -> None:
    import gzip
    import tarfile

    text = ("2024-03-01 10:00:05.000 100 INFO nova.compute.manager [-] nothing\n" * 5000).encode()
    (tmp_path / "a.log").write_bytes(text)
    (tmp_path / "b.log.gz").write_bytes(gzip.compress(text))
    with tarfile.open(tmp_path / "c.tar.gz", "w:gz") as tar:
        tar.add(tmp_path / "a.log", arcname="x/nova-compute.log")
    seen: list[int] = []
    trace([tmp_path], on_progress=seen.append)
    on_disk = sum(p.stat().st_size for p in tmp_path.iterdir())
    assert sum(seen) == on_disk
    assert all(n >= 0 for n in seen)
