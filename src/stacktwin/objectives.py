"""Objectives on run figures: ``FIGURE OP NUMBER``, one grammar for every command.

``vif_wait.p99<=60``, ``errors==0``, ``neutron_rpc.utilisation<0.8``: a figure name of
:mod:`stacktwin.twin.batch.figures` (aliases such as ``errors`` accepted), an operator among
``<=``, ``<``, ``>=``, ``>``, ``==``, and a number.  An objective is *met with 95% confidence*
when the whole 95% interval across replications satisfies it: for ``<=`` / ``<`` its upper end,
for ``>=`` / ``>`` its lower end, for ``==`` both ends.  A figure the runs could not measure
(no boot received its event, so no vif wait) meets nothing.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from stacktwin.twin.batch.figures import FigureError, canonical

OPS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le, "<": operator.lt, ">=": operator.ge, ">": operator.gt, "==": operator.eq,
}  # fmt: skip

_GRAMMAR = re.compile(
    r"^\s*(?P<figure>[A-Za-z_][\w.]*)\s*(?P<op><=|>=|==|<|>|=)\s*(?P<num>\S.*?)\s*$"
)


class ObjectiveError(ValueError):
    """An objective that cannot be read; the message quotes it and says why."""


@dataclass(frozen=True)
class Objective:
    """``figure op threshold``."""

    figure: str
    op: str
    threshold: float

    def __str__(self) -> str:
        return f"{self.figure} {self.op} {self.threshold:g}"

    def holds(self, value: float | None) -> bool:
        """The objective on one value (``None``: not met)."""
        return value is not None and OPS[self.op](value, self.threshold)

    def _bounds(self, iv: Mapping[str, Any]) -> list[float | None]:
        if self.op in ("<=", "<"):
            return [iv.get("ci95_high")]
        if self.op in (">=", ">"):
            return [iv.get("ci95_low")]
        return [iv.get("ci95_low"), iv.get("ci95_high")]

    def met(self, iv: Mapping[str, Any]) -> bool:
        """Met with 95% confidence by an interval (``{mean, ci95_low, ci95_high, …}``)."""
        bounds = self._bounds(iv)
        return all(self.holds(b) for b in bounds)

    def shortfall(self, iv: Mapping[str, Any]) -> float:
        """How far the interval's relevant end is from meeting it (0 when met), relative."""
        if self.met(iv):
            return 0.0
        worst = 0.0
        for b in self._bounds(iv):
            if b is None:
                return math.inf
            worst = max(worst, abs(b - self.threshold) / max(abs(self.threshold), 1.0))
        return worst or 1e-9


def parse_objective(text: str) -> Objective:
    """Read ``FIGURE OP NUMBER``; :class:`ObjectiveError` quoting the text on any problem."""
    m = _GRAMMAR.match(text)
    if not m:
        raise ObjectiveError(
            f"objective {text!r}: expected FIGURE OP NUMBER, OP one of <=, <, >=, >, == "
            "(e.g. 'vif_wait.p99<=60', 'errors==0')"
        )
    if m["op"] == "=":
        raise ObjectiveError(f"objective {text!r}: '=' is not an operator; use '=='")
    try:
        threshold = float(m["num"])
    except ValueError:
        raise ObjectiveError(f"objective {text!r}: {m['num']!r} is not a number") from None
    if not math.isfinite(threshold):
        raise ObjectiveError(f"objective {text!r}: the number must be finite")
    try:
        figure = canonical(m["figure"])
    except FigureError as exc:
        raise ObjectiveError(f"objective {text!r}: {exc}") from None
    return Objective(figure, m["op"], threshold)
