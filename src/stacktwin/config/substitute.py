"""oslo.config's value substitution: ``$option`` and ``${group.option}`` inside a value.

oslo.config replaces ``$name`` (or ``${name}``; ``$$`` is a literal ``$``) with the value of
another option *before* converting the value to its type (``ConfigOpts._substitute`` then
``_convert_value`` in ``oslo_config/cfg.py``; its ``Template.idpattern`` allows dots, so
``$database.connection`` names ``[database] connection``). A bare name is looked up in the
option's own group first, then in ``[DEFAULT]`` (``StrSubWrapper.__getitem__``). So
``rpc_workers = $api_workers`` is legal and means the value of ``api_workers``.

Here the referenced values come from the files themselves, with oslo's precedence. A reference
the files do not set resolves, in oslo.config, to that option's default, which this reader may
not know: it is reported as :class:`Unresolved` rather than guessed.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_REFERENCE = re.compile(r"\$(?:(\$)|\{([_a-z][._a-z0-9]*)\}|([_a-z][._a-z0-9]*))", re.IGNORECASE)

MAX_DEPTH = 16
"""References followed before a chain is called circular (oslo.config recurses until Python's
recursion limit and fails with ``TemplateSubstitutionError``)."""

Lookup = Callable[[str, str], str | None]
"""``lookup(section, name)``: the raw value in force in the files, or ``None`` when unset."""


class Unresolved(ValueError):
    """A reference whose value the files do not give (oslo.config would use a default)."""


class Circular(ValueError):
    """References that lead back to themselves: oslo.config refuses the value."""


def has_reference(raw: str) -> bool:
    """True when ``raw`` holds a ``$`` substitution (or a ``$$`` escape)."""
    return "$" in raw and _REFERENCE.search(raw) is not None


def substitute(raw: str, section: str, lookup: Lookup, depth: int = 0) -> str:
    """``raw`` with every reference replaced, as oslo.config would before converting it."""
    if depth > MAX_DEPTH:
        raise Circular(f"references nest deeper than {MAX_DEPTH} (circular?)")

    def replace(match: re.Match[str]) -> str:
        if match.group(1):
            return "$"
        name = match.group(2) or match.group(3)
        if "." in name:
            group, key = name.split(".", 1)
            candidates = [(group, key)]
        else:
            candidates = [(section, name), ("DEFAULT", name)]
        for group, key in candidates:
            value = lookup(group, key)
            if value is not None:
                return substitute(value, group, lookup, depth + 1)
        raise Unresolved(
            f"${name} is not set in these files: oslo.config would substitute that option's "
            "default, which stacktwin cannot know here"
        )

    return _REFERENCE.sub(replace, raw)
