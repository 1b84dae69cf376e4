"""``check`` takes a folder (an /etc tree) or a sosreport-style tarball, like ``trace``."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

from typer.testing import CliRunner

from stacktwin.api import check
from stacktwin.cli import app

TREE = {
    "etc/nova/nova.conf": "[DEFAULT]\nheal_instance_info_cache_interval = 60\n",
    "etc/nova/nova-compute.conf": "[DEFAULT]\nheal_instance_info_cache_interval = 600\n",
    "etc/neutron/neutron.conf": "[DEFAULT]\nrpc_workers = 1\n",
    "etc/neutron/plugins/ml2/openvswitch_agent.ini": "[agent]\nreport_interval = 15\n",
    "etc/mysql/my.cnf": "[mysqld]\nmax_connections = 4096\n",
    "etc/nova/api-paste.ini": "[composite:osapi_compute]\nuse = call:nova\n",
    "usr/share/doc/readme.txt": "not a config\n",
}


def _tree(root: Path) -> Path:
    for name, text in TREE.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_a_folder_is_read_like_the_services_read_it(tmp_path: Path) -> None:
    root = _tree(tmp_path / "sosreport")
    report = check([str(root)], release="2023.1")
    assert report.files == [
        f"nova: {root}/etc/nova/nova.conf",
        f"nova: {root}/etc/nova/nova-compute.conf",  # read after nova.conf: it wins
        f"neutron: {root}/etc/neutron/neutron.conf",
        f"neutron: {root}/etc/neutron/plugins/ml2/openvswitch_agent.ini",
    ]
    heal = [f for f in report.findings if "heal" in f.option]
    assert heal == []  # 600 from nova-compute.conf is in force: 1000/600 is the healthy rate
    assert report.scale.db_max_connections == 4096
    assert report.scale.db_max_connections_source == f"{root}/etc/mysql/my.cnf:2"
    assert report.roles == {str(root): "compute, controller"}  # nova-compute, and a database


def test_a_tarball_is_read_without_extracting_it(tmp_path: Path) -> None:
    root = _tree(tmp_path / "node")
    archive = tmp_path / "sosreport-node.tar.xz"
    with tarfile.open(archive, "w:xz") as tar:
        tar.add(root, arcname="sosreport-node")
        link = tarfile.TarInfo("sosreport-node/etc/neutron/dhcp_agent.ini")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/shadow"
        tar.addfile(link)
        big = tarfile.TarInfo("sosreport-node/etc/neutron/ml2_conf.ini")
        big.size = 20 * 1024 * 1024
        tar.addfile(big, io.BytesIO(b"\0" * big.size))
    report = check([str(archive)], release="2023.1")
    member = f"{archive}:sosreport-node/etc/neutron/neutron.conf"
    assert f"neutron: {member}" in report.files
    rpc = next(f for f in report.findings if f.option == "neutron [DEFAULT] rpc_workers")
    assert rpc.evidence == [f"{member}:2"]
    skipped = {f.evidence[0] for f in report.findings if "skipped" in f.message}
    assert skipped == {
        f"{archive}:sosreport-node/etc/neutron/dhcp_agent.ini",
        f"{archive}:sosreport-node/etc/neutron/ml2_conf.ini",
    }


def test_a_folder_without_configs_says_so(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = CliRunner().invoke(app, ["check", str(tmp_path / "empty"), "--json", "-"])
    data = json.loads(result.stdout)
    assert any(
        "no nova, neutron or MySQL configuration file" in f["message"] for f in data["findings"]
    )
