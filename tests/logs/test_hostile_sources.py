"""Hostile files and folders: FIFOs, permissions, links, duplicates, NUL holes, odd tar members.

Each is reported with its path and the rest is traced; nothing hangs, nothing is read twice.
"""

from __future__ import annotations

import builtins
import gzip
import io
import os
import tarfile
import threading
from pathlib import Path
from typing import Any

import pytest

from stacktwin.logs import TraceResult, trace
from tests.logs import synthetic as syn


def _messages(result: TraceResult) -> list[str]:
    return [str(p) for p in result.problems.items]


def _trace_with_deadline(paths: list[Path], seconds: float = 30.0) -> TraceResult:
    """Trace in a daemon thread: a test that would hang fails instead."""
    out: list[TraceResult] = []
    worker = threading.Thread(target=lambda: out.append(trace(paths)), daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), "trace hung"
    return out[0]


def test_fifos_are_reported_and_never_opened(tmp_path: Path) -> None:
    root = syn.write(tmp_path / "logs")
    inside = root / "compute1" / "var" / "log" / "nova" / "nova-compute.log.fifo"
    os.mkfifo(inside)
    given = tmp_path / "given.log"
    os.mkfifo(given)
    result = _trace_with_deadline([root, given])
    msgs = _messages(result)
    assert f"{inside}: a FIFO, not a log file: not opened" in msgs
    assert f"{given}: a FIFO, not a log file: not opened" in msgs
    assert len(result.boots) == 3
    assert result.problems.files_skipped == 2


def _deny(monkeypatch: pytest.MonkeyPatch, locked: Path) -> None:
    """Simulate a folder that cannot be listed or searched (the tests may run as root)."""
    real_scandir, real_stat, real_open = os.scandir, os.stat, builtins.open

    def denied(path: Any) -> bool:
        text = os.fspath(path) if isinstance(path, str | os.PathLike) else ""
        return isinstance(text, str) and (text == str(locked) or text.startswith(f"{locked}/"))

    def scandir(path: Any = ".") -> Any:
        if denied(path):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    def stat(path: Any, *args: Any, **kwargs: Any) -> os.stat_result:
        if denied(path) and os.fspath(path) != str(locked):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_stat(path, *args, **kwargs)

    def open_(path: Any, *args: Any, **kwargs: Any) -> Any:
        if denied(path):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "scandir", scandir)
    monkeypatch.setattr(os, "stat", stat)
    monkeypatch.setattr(builtins, "open", open_)


def test_unsearchable_folder_and_its_file_are_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = syn.write(tmp_path / "logs")
    locked = root / "compute2"
    locked.mkdir()
    inside = locked / "nova-compute.log"
    inside.write_text(syn.nova_compute())
    _deny(monkeypatch, locked)
    result = trace([root, inside])
    msgs = _messages(result)
    assert f"{locked}: cannot list folder: Permission denied" in msgs
    assert f"{inside}: cannot open: Permission denied" in msgs
    assert len(result.boots) == 3


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a chmod 000 folder")
def test_chmod_000_folder_is_reported(tmp_path: Path) -> None:
    root = syn.write(tmp_path / "logs")
    locked = root / "locked"
    locked.mkdir()
    (locked / "nova-compute.log").write_text(syn.nova_compute())
    locked.chmod(0)
    try:
        result = trace([root, locked / "nova-compute.log"])
    finally:
        locked.chmod(0o755)
    msgs = _messages(result)
    assert f"{locked}: cannot list folder: Permission denied" in msgs
    assert f"{locked / 'nova-compute.log'}: cannot open: Permission denied" in msgs
    assert len(result.boots) == 3


def test_symlinked_folders_are_followed_once_without_looping(tmp_path: Path) -> None:
    real = syn.write(tmp_path / "elsewhere")
    root = tmp_path / "root"
    root.mkdir()
    (root / "hosts").symlink_to(real)
    (real / "compute1" / "up").symlink_to(real)  # a link back up: no loop
    result = _trace_with_deadline([root])
    assert [b.instance for b in result.boots] == [syn.A, syn.B, syn.C]
    assert f"{root / 'hosts/compute1/up'}: same folder as {root / 'hosts'}, already read:" in (
        " ".join(_messages(result))
    )
    assert result.files_read == 3


def test_the_same_folder_or_file_given_twice_is_read_once(tmp_path: Path) -> None:
    root = syn.write(tmp_path / "logs")
    once = trace([root])
    compute = root / "compute1/var/log/nova/nova-compute.log"
    (tmp_path / "alias.log").symlink_to(compute)
    twice = trace([root, root, tmp_path / "alias.log", compute])
    assert len(twice.vif_plugged) == len(once.vif_plugged) == 3
    assert [b.to_dict() for b in twice.boots] == [b.to_dict() for b in once.boots]
    assert _messages(twice) == [
        f"{root}: same folder as {root}, already read: read once",
        f"{tmp_path / 'alias.log'}: same file as {compute}, already read: read once",
        f"{compute}: same file as {compute}, already read: read once",
    ]
    assert twice.files_read == 3


def test_a_nul_hole_before_the_text_is_skipped_and_the_log_traced(tmp_path: Path) -> None:
    """copytruncate leaves the start of a live log NUL-filled; a stray NUL is not binary."""
    root = syn.write(tmp_path / "logs")
    compute = root / "compute1/var/log/nova/nova-compute.log"
    text = compute.read_bytes()
    compute.write_bytes(b"\x00" * 300_000 + text.replace(b"Starting", b"Start\x00ing", 1))
    result = trace([root])
    assert _messages(result) == [
        f"{compute}:1: 300000 NUL bytes before the first line (the hole a copytruncate"
        " rotation leaves in a live log): skipped"
    ]
    assert [b.instance for b in result.boots] == [syn.A, syn.B, syn.C]
    assert result.boots[0].sources["running"] == f"{compute}:9"


def test_only_nuls_and_control_bytes_are_still_binary(tmp_path: Path) -> None:
    nuls = tmp_path / "nova-compute.log"
    nuls.write_bytes(b"\x00" * 10_000)
    ctrl = tmp_path / "nova-api.log"
    ctrl.write_bytes(b"\x00\x00" + bytes(range(1, 9)) * 1000)
    result = trace([nuls, ctrl])
    assert _messages(result) == [
        f"{nuls}: only NUL bytes (10000): not a text log: skipped",
        f"{ctrl}: binary data, not a text log: skipped",
    ]


def _member(tar: tarfile.TarFile, name: str, data: bytes = b"", **kw: Any) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    for key, value in kw.items():
        setattr(info, key, value)
    tar.addfile(info, io.BytesIO(data) if data else None)


def test_tar_links_devices_and_fifos_are_reported(tmp_path: Path) -> None:
    archive = tmp_path / "sos.tar"
    compute = "compute1/var/log/nova/nova-compute.log"
    with tarfile.open(archive, "w") as tar:
        _member(tar, compute, syn.nova_compute().encode())
        _member(tar, "compute1/var/log/nova/copy.log", type=tarfile.LNKTYPE, linkname=compute)
        _member(tar, "compute1/var/log/nova/gone.log", type=tarfile.LNKTYPE, linkname="x/gone")
        _member(tar, "compute1/var/log/nova/sym.log", type=tarfile.SYMTYPE, linkname=compute)
        _member(tar, "compute1/dev/null", type=tarfile.CHRTYPE)
        _member(tar, "compute1/run/pipe", type=tarfile.FIFOTYPE)
    result = trace([archive, syn.write(tmp_path / "logs") / "controller"])
    assert _messages(result) == [
        f"{archive}!compute1/var/log/nova/copy.log: hard link to {archive}!{compute},"
        " already read: read once",
        f"{archive}!compute1/var/log/nova/gone.log: hard link to {archive}!x/gone, which was"
        " not read: not read",
        f"{archive}!compute1/var/log/nova/sym.log: symbolic link to {compute} in the archive:"
        " not followed",
        f"{archive}!compute1/dev/null: device file in the archive: not a log, not read",
        f"{archive}!compute1/run/pipe: FIFO in the archive: not a log, not read",
    ]
    assert len(result.boots) == 3


def _tar_bytes(files: dict[str, bytes], mode: str = "w") -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=mode) as tar:  # type: ignore[call-overload]
        for name, data in files.items():
            _member(tar, name, data)
    return buf.getvalue()


def test_a_tar_inside_a_tar_is_read(tmp_path: Path) -> None:
    inner_gz = _tar_bytes({"controller/var/log/nova/nova-api.log": syn.nova_api().encode()}, "w:gz")
    inner_plain = _tar_bytes(
        {"controller/var/log/neutron/server.log": syn.neutron_server().encode()}
    )
    outer = tmp_path / "bundle.tar"
    with tarfile.open(outer, "w") as tar:
        _member(tar, "api.tar.gz", inner_gz)
        _member(tar, "neutron-logs", gzip.compress(inner_plain))  # a tar known by its header
        _member(tar, "compute1/var/log/nova/nova-compute.log", syn.nova_compute().encode())
    result = trace([outer])
    assert _messages(result) == []
    assert [b.instance for b in result.boots] == [syn.A, syn.B, syn.C]
    assert result.boots[0].sources["event_api"] == (
        f"{outer}!api.tar.gz!controller/var/log/nova/nova-api.log:4"
    )
    assert result.services == {"neutron-server": 1, "nova-api": 1, "nova-compute": 1}
