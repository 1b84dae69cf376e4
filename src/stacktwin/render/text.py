"""Untrusted text in the HTML report: escaped, and capped at a few KB (the JSON keeps it whole)."""

from __future__ import annotations

import html

#: Characters of one untrusted string shown in the report.
MAX_TEXT = 2000


def cap(text: object, limit: int = MAX_TEXT) -> str:
    """``text`` cut at ``limit`` characters, saying how many more the JSON holds."""
    s = str(text)
    if len(s) <= limit:
        return s
    return f"{s[:limit]}… ({len(s) - limit:,} more characters in the JSON)"


def esc(text: object) -> str:
    """HTML-escape any value for element content and attribute values."""
    return html.escape(str(text), quote=True)


def text(value: object, limit: int = MAX_TEXT) -> str:
    """Untrusted text, capped then escaped."""
    return esc(cap(value, limit))
