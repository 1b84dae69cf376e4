"""The twin's compiled hot path: which modules may run as C, and a guard against stale builds.

The modules in :data:`COMPILED` (the kernel; the database pools, client and server; neutron's
processes and the token cache in front of them; boot state; service-time draws) are plain typed
Python that mypyc can compile to C extension modules.  An install built with
``HATCH_BUILD_HOOK_ENABLE_MYPYC=1`` (the README's install command, CI) runs them compiled — the
1,000-host hour about 1.6 times faster (``benchmarks/twin_scale.py``) with the same numbers bit
for bit (``tests/twin/test_native.py`` runs both and compares); any other install runs the
sources.  Python imports an extension module in preference to the ``.py`` beside it, so an
editable install whose sources were edited after the build would run the old code: :func:`check`
refuses that, naming the files.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import sys
from pathlib import Path

COMPILED: tuple[str, ...] = (
    "stacktwin.twin.kernel.core",
    "stacktwin.twin.kernel.deadlines",
    "stacktwin.twin.kernel.environment",
    "stacktwin.twin.kernel.events",
    "stacktwin.twin.kernel.exceptions",
    "stacktwin.twin.kernel.process",
    "stacktwin.twin.kernel.resources",
    "stacktwin.twin.auth_token",
    "stacktwin.twin.db",
    "stacktwin.twin.dbclient",
    "stacktwin.twin.dbserver",
    "stacktwin.twin.neutron",
    "stacktwin.twin.state",
    "stacktwin.twin.variates",
)
"""The modules mypyc compiles (``pyproject.toml`` lists their files; a test keeps the two
equal): the hottest, and none with a class the rest of the twin subclasses (an interpreted class
cannot subclass a compiled one) or that tests replace at run time."""

REBUILD = "HATCH_BUILD_HOOK_ENABLE_MYPYC=1 .venv/bin/pip install -e . --no-deps"


class StaleBuildError(ImportError):
    """A compiled module is older than its source: it would run code that is no longer there."""


def _package_root() -> Path:
    return Path(__file__).resolve().parent.parent.parent  # the directory holding stacktwin/


def _files(name: str, root: Path) -> tuple[Path, list[Path]]:
    base = root.joinpath(*name.split("."))
    extensions = [
        base.with_name(base.name + suffix)
        for suffix in importlib.machinery.EXTENSION_SUFFIXES
        if base.with_name(base.name + suffix).exists()
    ]
    return base.with_suffix(".py"), extensions


def stale(root: Path | None = None) -> list[tuple[Path, Path]]:
    """``(source, extension)`` of every compiled module whose source is newer than it."""
    root = _package_root() if root is None else root
    out = []
    for name in COMPILED:
        source, extensions = _files(name, root)
        if not source.exists():
            continue
        mtime = source.stat().st_mtime
        out += [(source, ext) for ext in extensions if ext.stat().st_mtime < mtime]
    return out


def check(root: Path | None = None) -> None:
    """Raise :class:`StaleBuildError` if a compiled module is older than its source."""
    old = stale(root)
    if old:
        names = ", ".join(f"{ext.name} (older than {src.name})" for src, ext in old)
        raise StaleBuildError(
            f"stale compiled twin modules in {old[0][1].parent}: {names}. Rebuild them "
            f"({REBUILD}) or delete the .so files to run the sources."
        )


def compiled() -> list[str]:
    """The modules of :data:`COMPILED` that this process runs as compiled extensions."""
    out = []
    for name in COMPILED:
        module = sys.modules.get(name)
        origin = getattr(module, "__file__", None) if module is not None else None
        if origin is None:
            spec = importlib.util.find_spec(name)
            origin = spec.origin if spec is not None else None
        if origin is not None and origin.endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES)):
            out.append(name)
    return out
