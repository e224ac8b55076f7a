"""A DataTable that is refilled on every refresh without losing the user's place."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.coordinate import Coordinate
from textual.widgets import DataTable

__all__ = ["Cell", "LiveTable", "Row"]

Cell = str | Text
"""What a cell shows: plain text, or Rich ``Text`` for colour (status, alignment)."""

Row = tuple[str, Sequence[Cell]]
"""A row: its stable key (a topic name, ``"topic/3"`` ...) and its cells, one per column."""


class LiveTable(DataTable[Cell]):
    """A row-cursor table whose rows are replaced wholesale on each snapshot.

    Cells are shown verbatim (never as markup), since names, keys and values come from the cluster.

    The cursor stays on the same *row key* across refreshes (not the same index), so a list that
    reorders or grows under the user does not jump to another topic. When only values change, cells
    are updated in place and the scroll position is untouched.

    Example::

        table = LiveTable(columns=[("name", "Topic"), ("lag", "Lag")])
        table.set_rows([("tweets", ["tweets", "12"]), ("scores", ["scores", "0"])])
        table.cursor_key  # "tweets"
    """

    def __init__(self, columns: Sequence[tuple[str, str]], *, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes, cursor_type="row", zebra_stripes=True)
        self._column_spec = list(columns)
        self._keys: list[str] = []

    def on_mount(self) -> None:
        for key, label in self._column_spec:
            self.add_column(label, key=key)

    @property
    def row_keys(self) -> list[str]:
        """The keys of the rows shown, top to bottom."""
        return list(self._keys)

    @property
    def cursor_key(self) -> str | None:
        """The key of the row under the cursor, or ``None`` when the table is empty."""
        if not self._keys:
            return None
        return self._keys[min(self.cursor_row, len(self._keys) - 1)]

    def cells(self, key: str) -> list[str]:
        """The plain text of one row's cells (what a user reads), by row key."""
        return [str(c) for c in self.get_row(key)]

    def column_text(self, column: str) -> list[str]:
        """The plain text of one column, top to bottom."""
        return [str(c) for c in self.get_column(column)]

    def set_rows(self, rows: Sequence[Row]) -> None:
        """Show these rows, keeping the cursor on the same key where it still exists."""
        # Plain strings would be parsed as Textual markup: a group called "[b]x" must show as typed.
        # A repeated key (a cluster answering twice for one name) keeps its first row: DataTable
        # refuses duplicates, and a refresh must never take the dashboard down.
        unique = {key: [Text(c) if isinstance(c, str) else c for c in cells] for key, cells in reversed(rows)}
        rows = [(key, unique[key]) for key in dict.fromkeys(key for key, _ in rows)]
        keys = [key for key, _ in rows]
        if keys == self._keys:
            for key, cells in rows:
                for (column, _), value in zip(self._column_spec, cells, strict=True):
                    if self.get_cell(key, column) != value:
                        self.update_cell(key, column, value, update_width=True)
            return
        previous, scroll_y = self.cursor_key, self.scroll_y
        self.clear()
        for key, cells in rows:
            self.add_row(*cells, key=key)
        self._keys = keys
        if previous in keys:
            self.move_cursor(row=keys.index(previous), animate=False)
            self.scroll_to(y=scroll_y, animate=False)

    def move_to_key(self, key: str) -> None:
        """Put the cursor on the row with that key (no-op if it is not shown)."""
        if key in self._keys:
            self.cursor_coordinate = Coordinate(self._keys.index(key), 0)
