"""Rendering: terminal tables (Rich), JSON and Parquet exports, comparisons and the HTML report.

``runs`` holds the :class:`~.runs.Run` every renderer works on (and reads saved runs back);
``compare`` turns runs into comparison rows (terminal table and JSON); ``figures`` builds the
Plotly figures and ``html`` the self-contained report; ``trace_view``, ``twin_view`` and
``check_view`` print each command's tables.  Nothing in ``logs``, ``config`` or ``twin`` imports
this package: data flows from them to here.
"""
