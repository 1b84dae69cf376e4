"""Writing outputs: one JSON writer, and files replaced atomically.

Every JSON document stacktwin writes (``--json`` of every command, saved runs, sweeps) goes
through :func:`json_text`, so they share one format (indented, no ``NaN``/``Infinity``, which
JSON does not have). Files are written to a temporary file in the target's folder and renamed
over the target, so a full disk or a killed process never leaves a truncated file, nor replaces
a good report with a broken one. ``-`` means standard output.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 1
"""The version of every JSON output's shape (``stacktwin.schema``; one number for all kinds)."""

STDOUT = "-"
"""The target that means standard output, as the ``openstack`` client and Unix tools spell it."""


def json_text(data: Any) -> str:
    """``data`` as stacktwin's JSON: indented, non-ASCII kept, non-finite numbers refused; a
    document (a mapping with a ``kind``) gets its ``schema_version`` right after the kind."""
    if isinstance(data, dict) and "kind" in data and "schema_version" not in data:
        data = {"kind": data["kind"], "schema_version": SCHEMA_VERSION, **data}
    return json.dumps(data, indent=1, allow_nan=False, ensure_ascii=False)


def read_document(path: Path, kind: str) -> dict[str, Any] | None:
    """The document of ``kind`` that :func:`json_text` wrote to ``path``, or None if the file
    holds another kind.  The kind is the first key of every document, so a file of another kind
    is told from its first bytes without reading it all; OSError and ValueError (not JSON)
    propagate."""
    with path.open("rb") as fh:
        head = fh.read(200)
    if f'"kind": "{kind}"'.encode() not in head:
        return None
    doc = json.loads(path.read_text(encoding="utf-8"))
    return doc if isinstance(doc, dict) and doc.get("kind") == kind else None


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _replace(tmp: str, path: Path) -> None:
    """Give the temporary file the mode a new file would have, then rename it over ``path``."""
    os.chmod(tmp, 0o666 & ~_umask())
    os.replace(tmp, path)


def writable(target: str | Path) -> str | None:
    """Why ``target`` cannot be written, or None: checked *before* a long run, so a typo in
    ``-o`` does not cost the run (``-`` is always writable)."""
    if str(target) == STDOUT:
        return None
    path = Path(target)
    if not str(target).strip():
        return "an empty file name"
    if path.is_dir():
        return "a folder"
    folder = path.parent
    if not folder.is_dir():
        return f"no folder {folder}"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"folder {folder} is not writable"
    if path.exists() and not os.access(path, os.W_OK):
        return "not writable"
    return None


def _atomic(path: Path, data: bytes) -> None:
    """``data`` into a temporary file beside ``path``, flushed to disk, renamed over ``path``."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        _replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text(target: str | Path, text: str) -> None:
    """Write ``text`` to ``target`` atomically (``-``: standard output); raises ``OSError``."""
    if str(target) == STDOUT:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    _atomic(Path(target), text.encode("utf-8"))


def write_bytes(target: str | Path, data: bytes) -> None:
    """Write ``data`` to the file ``target`` atomically; raises ``OSError``."""
    _atomic(Path(target), data)


def write_json(target: str | Path, data: Any) -> None:
    """Write ``data`` as JSON (:func:`json_text`) to ``target`` (``-``: standard output)."""
    write_text(target, json_text(data) + "\n")
