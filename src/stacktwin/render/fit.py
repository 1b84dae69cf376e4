"""Tables that never cut a number: a Rich table that, when the terminal is too narrow for it,
prints each row as a block of ``column: value`` lines instead.

Rich shrinks a table that does not fit by wrapping its cells, and a cell narrower than its
longest word is split or ends in "…": a p99 of ``288.48`` could print as ``288.`` / ``48``.
:class:`FitTable` measures itself first: its minimum width is the sum of its columns' longest
words (numbers are one word each), and only when that exceeds the width it is given does it
fall back to the stacked layout, where every value is printed whole and text wraps.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.table import Table
from rich.text import Text

_NUMBER = re.compile(
    r"[\s\d.,:%+\-−–±×~≈<>=\[\]()/a-zµ]*\d[\s\d.,:%+\-−–±×~≈<>=\[\]()/a-zµ]*|[-–—]?"
)
"""A cell that is a figure: digits with separators, signs, units, an interval; or a dash."""


class FitTable(Table):
    """A :class:`rich.table.Table` that falls back to stacked rows when it cannot fit."""

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for column in self.columns:
            column.overflow = "fold"  # a long word folds, never ends in "…"
            cells = [_text(c).plain for c in column.cells]
            if cells and all(_NUMBER.fullmatch(c) for c in cells):
                # a figure (``2,040 ± 68``, ``[13.4–14.4]``) is one piece: never narrower
                widest = max(len(c) for c in cells)
                column.min_width = max(column.min_width or 0, widest)
        width = options.max_width
        needed = Table.__rich_measure__(self, console, options.update_width(10_000)).minimum
        if needed <= width and self._fits(console, options):
            yield from super().__rich_console__(console, options)
            return
        yield from _stacked(self)

    def _fits(self, console: Console, options: ConsoleOptions) -> bool:
        """Whether Rich's own column widths fit: after shrinking the text columns it measures
        them again, and columns held at their numbers' width can push the sum past the width
        (Rich would then crop the last column: ``objecti``)."""
        extra = self._extra_width
        widths = self._calculate_column_widths(
            console, options.update_width(options.max_width - extra)
        )
        return sum(widths) + extra <= options.max_width


def _text(cell: RenderableType) -> Text:
    if isinstance(cell, Text):
        return cell
    if isinstance(cell, str):
        return Text.from_markup(cell)
    return Text(str(cell))


def _stacked(table: Table) -> Iterator[RenderableType]:
    if table.title:
        yield _text(table.title)
    headers = [_text(c.header).plain for c in table.columns]
    columns = [list(c.cells) for c in table.columns]
    rows = max((len(c) for c in columns), default=0)
    for i in range(rows):
        for header, cells in zip(headers, columns, strict=True):
            value = _text(cells[i]) if i < len(cells) else Text("")
            line = Text(f"{header}: ", style="bold")
            line.append_text(value)
            yield line
        if i < rows - 1:
            yield Text("")
