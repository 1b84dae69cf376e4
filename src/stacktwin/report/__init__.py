"""Rendering: terminal tables (Rich), JSON and Parquet exports, comparisons and the HTML report.

``inputs`` loads any input (scenario, saved run, logs) into one :class:`~.inputs.Run`;
``compare`` turns runs into comparison rows (terminal table and JSON); ``figures`` builds the
Plotly figures and ``html`` the self-contained report.  Nothing in ``twin`` or ``logs`` imports
this package: data flows from them to here.
"""
