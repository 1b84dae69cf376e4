"""stacktwin: find, explain and predict slow and failing OpenStack VM boots.

The package follows one data flow: sources -> parsed events/settings -> boots/model ->
summaries -> rendering.  ``stacktwin.boots`` holds the schema shared by traced and
simulated boots; ``stacktwin.twin`` is the discrete-event digital twin.
"""

__version__ = "0.1.0"
