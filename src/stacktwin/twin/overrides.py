"""``--set PATH=VALUE``: one scenario field changed from the command line, as OpenStack writes it.

``nova.DEFAULT.heal_instance_info_cache_interval=600``, ``neutron.database.max_pool_size=60``,
``cloud.hosts=3000``, ``model.flow_deletion=deferred``.  The settable paths are derived from the
pydantic :class:`~stacktwin.twin.scenario.Scenario` model (every scalar field reached through
nested models), so a new scenario field is settable without touching this module.  A wrong path
or value raises :class:`~stacktwin.twin.scenario.ScenarioError` naming the path and what it
allows, before anything runs.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterable, Sequence
from functools import cache
from typing import Any, Literal

import yaml
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from stacktwin.twin.scenario import Scenario, ScenarioError, parse_scenario

#: Scenario fields that are not settings (``--set`` refuses them).
_NOT_SETTABLE = frozenset({"name", "description"})


def _model_of(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def _is_scalar(annotation: Any) -> bool:
    origin = typing.get_origin(annotation)
    if origin in (list, dict, tuple, set):
        return False
    if origin in (typing.Union, types.UnionType):
        return all(_is_scalar(a) for a in typing.get_args(annotation))
    return _model_of(annotation) is None


@cache
def settable_fields() -> dict[str, FieldInfo]:
    """Every path ``--set`` accepts, with its pydantic field (type, default, bounds)."""
    out: dict[str, FieldInfo] = {}

    def walk(model: type[BaseModel], prefix: str) -> None:
        for name, field in model.model_fields.items():
            path = f"{prefix}{name}"
            if path in _NOT_SETTABLE:
                continue
            sub = _model_of(field.annotation)
            if sub is not None:
                walk(sub, path + ".")
            elif _is_scalar(field.annotation):
                out[path] = field

    walk(Scenario, "")
    return out


def _children(prefix: str) -> list[str]:
    """The names allowed right after ``prefix`` (``"neutron."`` -> DEFAULT, agent, ...)."""
    names = {p[len(prefix) :].split(".")[0] for p in settable_fields() if p.startswith(prefix)}
    return sorted(names)


def allowed_values(path: str) -> str:
    """What a path accepts, in words: its type, choices and bounds."""
    field = settable_fields()[path]
    ann = field.annotation
    if typing.get_origin(ann) is Literal:
        return "one of " + ", ".join(str(a) for a in typing.get_args(ann))
    args = [a for a in typing.get_args(ann) if a is not type(None)] or [ann]
    if len(args) == 1 and typing.get_origin(args[0]) is Literal:  # Literal[...] | None
        return "one of " + ", ".join(str(a) for a in typing.get_args(args[0]))
    kinds = " or ".join(getattr(a, "__name__", str(a)) for a in args)
    if type(None) in typing.get_args(ann):
        kinds += " (or null: the default rule)"
    bounds = []
    for meta in field.metadata:
        for attr, sym in (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<")):
            value = getattr(meta, attr, None)
            if value is not None:
                bounds.append(f"{sym} {value}")
    text = kinds + (f" {', '.join(bounds)}" if bounds else "")
    if field.description:
        text += f"; {field.description}"
    return text


def check_path(path: str) -> str:
    """``path`` if ``--set`` accepts it, else :class:`ScenarioError` naming what is allowed."""
    if path in settable_fields():
        return path
    parts = path.split(".")
    prefix = ""
    for part in parts:
        allowed = _children(prefix)
        if part not in allowed:
            where = prefix.rstrip(".") or "the scenario"
            more = "" if allowed else " (a setting, not a section)"
            raise ScenarioError(
                f"--set {path}: unknown {'field' if prefix else 'section'} {part!r} in {where}"
                f"{more}; allowed: {', '.join(allowed) if allowed else '-'}"
            )
        prefix += part + "."
    raise ScenarioError(
        f"--set {path}: a section, not a setting; allowed: "
        + ", ".join(f"{path}.{c}" for c in _children(path + "."))
    )


def parse_value(text: str) -> Any:
    """A command-line value as YAML reads a scalar (``600`` int, ``0.5`` float, ``true``)."""
    try:
        value = yaml.safe_load(text) if text.strip() else text
    except yaml.YAMLError:
        return text
    return value if isinstance(value, str | int | float | bool) or value is None else text


def parse_assignment(text: str) -> tuple[str, Any]:
    """``PATH=VALUE`` -> (path, value); the path is checked, the value validated later."""
    if "=" not in text:
        raise ScenarioError(f"--set {text}: expected SECTION.OPTION=VALUE")
    path, _, raw = text.partition("=")
    path = check_path(path.strip())
    value = parse_value(raw.strip())
    if not isinstance(value, str) and value is not None and _takes_text(path):
        value = raw.strip()  # release=2023.1 is the name "2023.1", not a number
    return path, value


def _takes_text(path: str) -> bool:
    """True when the field at ``path`` is a free text (``str``), so ``2023.1`` stays a name."""
    annotation = settable_fields()[path].annotation
    args = typing.get_args(annotation) or (annotation,)
    return str in args


def _nested(data: dict[str, Any], path: str, value: Any) -> None:
    *parents, leaf = path.split(".")
    node = data
    for part in parents:
        node = node.setdefault(part, {})
        if node is None:  # an optional section left unset
            raise ScenarioError(f"--set {path}: {part} is unset in this scenario")
    node[leaf] = value


def apply_overrides(scenario: Scenario, assignments: Sequence[tuple[str, Any]]) -> Scenario:
    """A copy of ``scenario`` with each (path, value) set; a bad value names path and allowed."""
    if not assignments:
        return scenario
    data = scenario.model_dump()
    for path, value in assignments:
        check_path(path)
        _nested(data, path, value)
        try:
            parse_scenario(_only(scenario, path, value), "--set")
        except ScenarioError as exc:
            reason = str(exc).split(": ", 2)[-1]
            raise ScenarioError(
                f"--set {path}={value}: {reason}; allowed: {allowed_values(path)}"
            ) from None
    return parse_scenario(data, "--set")


def _only(scenario: Scenario, path: str, value: Any) -> dict[str, Any]:
    data = scenario.model_dump()
    _nested(data, path, value)
    return data


def parse_sets(texts: Iterable[str]) -> list[tuple[str, Any]]:
    """Every ``--set`` of a command line, checked (raises :class:`ScenarioError`)."""
    return [parse_assignment(t) for t in texts]


def get_value(scenario: Scenario, path: str) -> Any:
    """The current value at ``path`` (a settable field)."""
    node: Any = scenario
    for part in path.split("."):
        node = getattr(node, part)
    return node
