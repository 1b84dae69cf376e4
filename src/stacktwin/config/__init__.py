"""Real configuration files → settings: option catalogue, oslo.config reading, audit, twin bridge.

Data flows one way: ``ini`` (one file, with file:line) → ``settings`` (oslo precedence and types
over several files) → ``load`` (figures at a scale) → ``audit`` (findings) → ``render``;
``twin`` hands the values in force to the twin's scenario.
"""

from stacktwin.config.audit import Finding, Report, audit
from stacktwin.config.load import Scale
from stacktwin.config.settings import LoadedConfig, load_config
from stacktwin.config.twin import not_modelled, twin_settings

__all__ = [
    "Finding",
    "LoadedConfig",
    "Report",
    "Scale",
    "audit",
    "load_config",
    "not_modelled",
    "twin_settings",
]
