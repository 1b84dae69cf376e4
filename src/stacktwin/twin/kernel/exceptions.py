"""The two exceptions of the kernel: an interrupt thrown into a process, and a failed run.

* :class:`Interrupt` is what ``Process.interrupt(cause)`` raises inside the interrupted
  process, at the ``yield`` where it was waiting; its :attr:`~Interrupt.cause` says why.  A
  process that does not catch it fails with it.
* :class:`SimulationError` is what ``BaseEnvironment.run`` raises when something failed and
  nobody handled it: a process raised, an event failed with no process waiting for it, a
  callback raised.  Its message names the culprit and the simulated time; the original
  exception is its ``__cause__`` (``raise ... from``), so the traceback shows both.
"""

from __future__ import annotations

from typing import Any


class Interrupt(Exception):
    """Raised inside a process by :meth:`Process.interrupt`; ``cause`` says why."""

    def __init__(self, cause: Any = None) -> None:
        super().__init__(cause)

    @property
    def cause(self) -> Any:
        """What the interrupter passed to :meth:`Process.interrupt`."""
        return self.args[0]

    def __str__(self) -> str:
        return f"Interrupt({self.cause!r})"


class SimulationError(Exception):
    """Something failed inside a run and nobody handled it (see the ``__cause__``)."""
