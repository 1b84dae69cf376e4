"""The version of stacktwin (one place: the package, the CLI's --version and the report read it)."""

__version__ = "0.1.0"
