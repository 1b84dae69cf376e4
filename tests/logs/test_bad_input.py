"""Bad input: named, counted and reported; the rest of the input is still traced."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import tarfile
import zlib
from pathlib import Path

import pytest

from stacktwin.boots import Outcome
from stacktwin.logs import trace
from tests.logs import synthetic as syn


def _good(tmp_path: Path) -> Path:
    return syn.write(tmp_path / "good")


def _messages(result) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(p) for p in result.problems.items]


def test_binary_junk_is_skipped_and_named(tmp_path: Path) -> None:
    good = _good(tmp_path)
    junk = tmp_path / "core.dump"
    junk.write_bytes(bytes(range(256)) * 64)
    result = trace([good, junk])
    assert len(result.boots) == 3
    assert _messages(result) == [f"{junk}: binary data, not a text log: skipped"]
    assert result.summary()["input"]["files_skipped"] == 1


def test_truncated_gzip_keeps_what_was_read(tmp_path: Path) -> None:
    good = _good(tmp_path)
    text = syn.nova_compute().encode()
    whole = gzip.compress(text)
    cut = tmp_path / "nova-compute.log.1.gz"
    cut.write_bytes(whole[: len(whole) * 2 // 3])
    result = trace([good / "controller", cut])
    msgs = _messages(result)
    assert len(msgs) == 1 and msgs[0].startswith(f"{cut}:")
    assert "truncated or corrupt" in msgs[0]
    # The last line read before the damage is named (a partial line counts as read).
    partial = zlib.decompressobj(wbits=31).decompress(cut.read_bytes())
    expected = partial.count(b"\n") + (0 if partial.endswith(b"\n") else 1)
    assert int(msgs[0].split(":")[1]) == expected
    assert syn.A in [b.instance for b in result.boots]
    assert result.summary()["input"]["lines_with_problems"] == 1


def test_invalid_utf8_names_the_line_and_still_traces_it(tmp_path: Path) -> None:
    good = _good(tmp_path)
    lines = syn.nova_compute().encode().splitlines(keepends=True)
    lines[2] = lines[2].replace(b"Successfully", b"Successfully\xff\xfe")  # line 3
    lines[8] = lines[8].rstrip(b"\n") + b" caf\xe9\n"  # line 9: "Instance spawned successfully."
    bad = tmp_path / "compute1" / "var" / "log" / "nova" / "nova-compute.log"
    bad.parent.mkdir(parents=True)
    bad.write_bytes(b"".join(lines))
    result = trace([good / "controller", tmp_path / "compute1"])
    assert _messages(result) == [
        f"{bad}:3: invalid UTF-8 (decoded with replacement characters)",
        f"{bad}:9: invalid UTF-8 (decoded with replacement characters)",
    ]
    a = next(b for b in result.boots if b.instance == syn.A)
    assert a.outcome is Outcome.ACTIVE
    assert a.sources["running"] == f"{bad}:9"


def test_empty_file_and_unreadable_paths(tmp_path: Path) -> None:
    good = _good(tmp_path)
    empty = tmp_path / "nova-api.log"
    empty.write_bytes(b"")
    missing = tmp_path / "nope" / "server.log"
    dangling = tmp_path / "dangling.log"
    dangling.symlink_to(tmp_path / "gone")
    result = trace([good, empty, missing, dangling])
    msgs = _messages(result)
    assert f"{empty}: empty file: nothing to trace" in msgs
    assert f"{missing}: no such file or folder" in msgs
    assert any(m.startswith(f"{dangling}: cannot open:") for m in msgs)
    assert len(result.boots) == 3
    assert result.summary()["input"]["files_skipped"] == 3


def test_nothing_readable_is_unusable(tmp_path: Path) -> None:
    result = trace([tmp_path / "absent"])
    assert not result.usable
    assert result.boots == []


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))


def test_tar_with_parent_member_names(tmp_path: Path) -> None:
    archive = tmp_path / "sosreport-compute1-2024.tar.xz"
    with tarfile.open(archive, "w:xz") as tar:
        _add(tar, "../../etc/cron.d/evil", syn.nova_compute().encode())
        _add(tar, "/abs/nova-api.log", syn.nova_api().encode())
        _add(
            tar,
            "sosreport-compute1-2024/var/log/nova/nova-compute.log",
            syn.nova_compute().encode(),
        )
    result = trace([archive, _good(tmp_path) / "controller"])
    msgs = _messages(result)
    assert msgs == [
        f"{archive}!../../etc/cron.d/evil: archive member name escapes the archive "
        "(../ or absolute): not read",
        f"{archive}!/abs/nova-api.log: archive member name escapes the archive "
        "(../ or absolute): not read",
    ]
    assert [b.instance for b in result.boots] == [syn.A, syn.B, syn.C]
    a = result.boots[0]
    assert a.sources["build_started"] == (
        f"{archive}!sosreport-compute1-2024/var/log/nova/nova-compute.log:1"
    )
    assert result.summary()["input"]["files_skipped"] == 2


def test_tar_gz_with_rotated_gz_and_bz2_members_read_as_streams(tmp_path: Path) -> None:
    archive = tmp_path / "logs.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        _add(
            tar, "controller/var/log/nova/nova-api.log.1.gz", gzip.compress(syn.nova_api().encode())
        )
        _add(
            tar,
            "controller/var/log/neutron/server.log.2.bz2",
            bz2.compress(syn.neutron_server().encode()),
        )
        _add(
            tar,
            "compute1/var/log/nova/nova-compute.log.xz",
            lzma.compress(syn.nova_compute().encode()),
        )
    result = trace([archive])
    assert result.problems.items == []
    assert result.services == {"neutron-server": 1, "nova-api": 1, "nova-compute": 1}
    plain = trace([syn.write(tmp_path / "plain")])
    assert [b.milestones for b in result.boots] == [b.milestones for b in plain.boots]
    assert not list(tmp_path.glob("controller"))  # nothing was extracted to disk


def test_damaged_tar_reports_and_keeps_earlier_members(tmp_path: Path) -> None:
    archive = tmp_path / "logs.tar"
    with tarfile.open(archive, "w") as tar:
        _add(tar, "compute1/var/log/nova/nova-compute.log", syn.nova_compute().encode())
        _add(tar, "controller/var/log/nova/nova-api.log", syn.nova_api().encode() * 50)
    data = archive.read_bytes()
    archive.write_bytes(data[: len(data) // 2])
    result = trace([archive])
    msgs = _messages(result)
    assert any(m.startswith(f"{archive}") and "truncated" in m for m in msgs), msgs
    assert syn.A in [b.instance for b in result.boots]


def test_overlong_line_is_reported_and_skipped(tmp_path: Path) -> None:
    from stacktwin.logs.scan import MAX_LINE_BYTES

    lines = syn.nova_compute().encode().splitlines(keepends=True)
    blob = b"x" * (MAX_LINE_BYTES + 5_000_000) + b"\n"
    log = tmp_path / "compute1" / "var" / "log" / "nova" / "nova-compute.log"
    log.parent.mkdir(parents=True)
    log.write_bytes(b"".join([*lines[:3], blob, *lines[3:]]))
    result = trace([tmp_path])
    assert [str(p) for p in result.problems.items] == [f"{log}:4: line longer than 16 MiB: skipped"]
    a = next(b for b in result.boots if b.instance == syn.A)
    # Lines after the blob keep their numbers: "Instance spawned successfully." is line 9 + 1.
    assert a.sources["running"] == f"{log}:10"
    assert a.outcome is Outcome.ACTIVE


def test_corrupt_compressed_header_is_skipped_once(tmp_path: Path) -> None:
    bad = tmp_path / "nova-compute.log.1.gz"
    bad.write_bytes(b"\x1f\x8b\x08\x00" + b"\xff" * 64)
    result = trace([bad, _good(tmp_path)])
    msgs = _messages(result)
    assert len(msgs) == 1 and msgs[0].startswith(f"{bad}: cannot decompress (")
    assert result.problems.files_skipped == 1
    assert len(result.boots) == 3


@pytest.mark.parametrize("chunk", [5, 64, 333, 4096])
def test_lines_cut_by_block_ends_are_read_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    """Blocks are scanned in place; the line a block end cuts is joined with the next block:
    whatever the block size, the same events from the same lines (an unterminated last line,
    invalid UTF-8 and a blank line included)."""
    from stacktwin.logs import scan as scan_mod

    root = syn.write(tmp_path / "logs")
    compute = root / "compute1/var/log/nova/nova-compute.log"
    text = compute.read_bytes().replace(b"Terminating", b"Termin\xffating", 1)
    compute.write_bytes(text + b"\n" + text.rstrip(b"\n"))
    reference = trace([root])
    monkeypatch.setattr(scan_mod, "CHUNK_BYTES", chunk)
    small = trace([root])
    assert [b.to_dict() for b in small.boots] == [b.to_dict() for b in reference.boots]
    assert small.lines_read == reference.lines_read
    assert [str(p) for p in small.problems.items] == [str(p) for p in reference.problems.items]
    # The invalid UTF-8, twice, and the copy's boot lines collapsed onto the original's.
    assert reference.problems.lines_with_problems == 3
