"""A DataTable that is refilled on every refresh without losing the user's place, and fits its width."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from rich.text import Text
from textual import events
from textual.coordinate import Coordinate
from textual.widgets import DataTable

__all__ = ["Cell", "Column", "LiveTable", "Row"]

Cell = str | Text
"""What a cell shows: plain text, or Rich ``Text`` for colour (status, alignment)."""

Row = tuple[str, Sequence[Cell]]
"""A row: its stable key (a topic name, ``"topic/3"`` ...) and its cells, one per column."""

_PADDING = 2  # DataTable's cell padding: one column each side


class Column(NamedTuple):
    """A column: its key and heading; ``drop`` > 0 lets a narrow table leave it out (the highest first),
    ``max_width`` shortens longer cells with an ellipsis (for names, so the numbers beside them fit)."""

    key: str
    label: str
    drop: int = 0
    max_width: int | None = None


class LiveTable(DataTable[Cell]):
    """A row-cursor table whose rows are replaced wholesale on each snapshot.

    Cells are shown verbatim (never as markup), since names, keys and values come from the cluster.

    The cursor stays on the same *row key* across refreshes (not the same index), so a list that
    reorders or grows under the user does not jump to another topic. When only values change, cells
    are updated in place and the scroll position is untouched.

    When the columns are wider than the table, the ones marked droppable are left out, least important
    first, so the ones that matter stay in view whole; what still does not fit scrolls sideways. Cells
    are never cut in the middle of a value.

    Example::

        table = LiveTable(columns=[("name", "Topic"), ("lag", "Lag"), Column("rate", "In/s", drop=1)])
        table.set_rows([("tweets", ["tweets", "12", "3.0/s"]), ("scores", ["scores", "0", "-"])])
        table.cursor_key  # "tweets"
    """

    def __init__(self, columns: Sequence[tuple[str, str] | Column], *, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes, cursor_type="row", zebra_stripes=True)
        self._column_spec = [c if isinstance(c, Column) else Column(*c) for c in columns]
        self._shown_columns: list[Column] = []
        self._keys: list[str] = []
        self._rows: list[tuple[str, list[Text]]] = []

    def on_mount(self) -> None:
        self._show_columns(self._column_spec)

    def on_resize(self, event: events.Resize) -> None:
        if self._fit(self._rows) != self._shown_columns:
            self._fill(self._rows, rebuild=True)

    @property
    def row_keys(self) -> list[str]:
        """The keys of the rows shown, top to bottom."""
        return list(self._keys)

    @property
    def visible_columns(self) -> list[str]:
        """The keys of the columns shown (the rest were left out for width)."""
        return [c.key for c in self._shown_columns]

    @property
    def cursor_key(self) -> str | None:
        """The key of the row under the cursor, or ``None`` when the table is empty."""
        if not self._keys:
            return None
        return self._keys[min(self.cursor_row, len(self._keys) - 1)]

    def cells(self, key: str) -> list[str]:
        """The plain text of one row's cells, every column (shown or left out for width), by row key."""
        return next([c.plain for c in cells] for k, cells in self._rows if k == key)

    def column_text(self, column: str) -> list[str]:
        """The plain text of one column, top to bottom."""
        index = [c.key for c in self._column_spec].index(column)
        return [cells[index].plain for _, cells in self._rows]

    def set_rows(self, rows: Sequence[Row]) -> None:
        """Show these rows, keeping the cursor on the same key where it still exists."""
        # Plain strings would be parsed as Textual markup: a group called "[b]x" must show as typed.
        # A repeated key (a cluster answering twice for one name) keeps its first row: DataTable
        # refuses duplicates, and a refresh must never take the dashboard down.
        unique = {key: [Text(c) if isinstance(c, str) else c for c in cells] for key, cells in reversed(rows)}
        self._fill([(key, unique[key]) for key in dict.fromkeys(key for key, _ in rows)], rebuild=False)

    def _fill(self, rows: list[tuple[str, list[Text]]], *, rebuild: bool) -> None:
        self._rows = rows
        columns = self._fit(rows)
        rebuild = rebuild or columns != self._shown_columns
        shown = [(key, self._visible(cells, columns)) for key, cells in rows]
        keys = [key for key, _ in shown]
        if keys == self._keys and not rebuild:
            for key, cells in shown:
                for column, value in zip(columns, cells, strict=True):
                    if self.get_cell(key, column.key) != value:
                        self.update_cell(key, column.key, value, update_width=True)
            return
        previous, scroll_y = self.cursor_key, self.scroll_y
        self.clear(columns=rebuild)
        if rebuild:
            self._show_columns(columns)
        for key, cells in shown:
            self.add_row(*cells, key=key)
        self._keys = keys
        if previous in keys:
            self.move_cursor(row=keys.index(previous), animate=False)
            self.scroll_to(y=scroll_y, animate=False)

    def _show_columns(self, columns: list[Column]) -> None:
        for column in columns:
            self.add_column(column.label, key=column.key)
        self._shown_columns = list(columns)

    def _visible(self, cells: list[Text], columns: list[Column]) -> list[Text]:
        by_key = dict(zip((c.key for c in self._column_spec), cells, strict=True))
        out = []
        for column in columns:
            cell = by_key[column.key]
            if column.max_width is not None and cell.cell_len > column.max_width:
                cell = cell.copy()
                cell.truncate(column.max_width, overflow="ellipsis")
            out.append(cell)
        return out

    def _fit(self, rows: list[tuple[str, list[Text]]]) -> list[Column]:
        """The columns that fit the table's width, leaving out droppable ones, the highest ``drop`` first
        (the rightmost of equals); all of them before the table has a size."""
        width = self.scrollable_content_region.width
        if width <= 0:
            return list(self._column_spec)
        needed = {}
        for i, column in enumerate(self._column_spec):
            natural = max([len(column.label), *(cells[i].cell_len for _, cells in rows)])
            needed[column.key] = min(natural, column.max_width or natural) + _PADDING
        shown = list(self._column_spec)
        while sum(needed[c.key] for c in shown) > width:
            droppable = [(c.drop, i, c) for i, c in enumerate(shown) if c.drop > 0]
            if not droppable:
                break
            shown.remove(max(droppable)[2])
        return shown

    def move_to_key(self, key: str) -> None:
        """Put the cursor on the row with that key (no-op if it is not shown)."""
        if key in self._keys:
            self.cursor_coordinate = Coordinate(self._keys.index(key), 0)
