"""Real logs -> boots: sources, the oslo.log envelope, templates, scanning, correlation.

Data flows one way: :mod:`~stacktwin.logs.sources` (files, folders, archives) ->
:mod:`~stacktwin.logs.scan` (candidate lines, :mod:`~stacktwin.logs.envelope` and
:mod:`~stacktwin.logs.templates`) -> :mod:`~stacktwin.logs.correlate` (boots) ->
:func:`~stacktwin.logs.pipeline.trace`.
"""

from stacktwin.logs.pipeline import TraceResult, trace

__all__ = ["TraceResult", "trace"]
