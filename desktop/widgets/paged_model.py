"""One table model paged from SQL (分页读取), for every list that may be long.

It holds only the rows fetched so far; the next page is read off the UI thread
(``Runner.read``) when the view scrolls to the end (canFetchMore / fetchMore) and
appended when it arrives. A new filter starts a new generation, and late pages of
an old one are dropped: reads run on two threads and can finish out of order.

A subclass says only what differs: its columns and ``cell`` (``data`` per role),
the read of a page (``page_reader``: a ``(cursor, size) -> rows`` callable for the
filter of now) and where the page after some rows starts (``cursor_after``: the
last row's ``sort_key`` for keyset paging, or the number of rows for limit/offset).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal

from desktop.worker import Runner

Index = QModelIndex | QPersistentModelIndex
R = TypeVar("R")
PageReader = Callable[[Any, int], list]  # (cursor, size) -> rows; runs on a reader thread


class PagedModel(QAbstractTableModel, Generic[R]):
    """Rows of type R a page at a time; ``rows`` is what is held, ``more`` whether the list goes on."""

    loaded = Signal(int, bool)  # rows held, whether more can be fetched
    failed = Signal(object)

    # After a failed read the list ends until it is read again, so a view does not
    # keep asking; a subclass may keep ``more`` instead (scrolling tries again).
    stops_on_failure = True
    columns: Sequence[Any] = ()  # a subclass's own; only their number matters here

    def __init__(self, runner: Runner, page_size: int) -> None:
        super().__init__()
        self.runner = runner
        self.page_size = page_size
        self.rows: list[R] = []
        self.more = False
        self._loading = False
        self._generation = 0

    # What a subclass says ------------------------------------------------

    def page_reader(self) -> PageReader:
        """The read of a page under the filter of now; called on the UI thread, run on a reader."""
        raise NotImplementedError

    def cursor_after(self, rows: list[R]) -> Any:
        """Where the page after ``rows`` starts (``rows`` empty: the start). Keyset paging by default."""
        return rows[-1].sort_key if rows else None  # type: ignore[attr-defined]

    def cell(self, row: R, column: int, role: int) -> Any:
        """``data`` for a row that is held."""
        return None

    def header(self, section: int) -> Any:
        return self.columns[section]

    def same_rows(self, rows: list[R]) -> bool:
        """Whether a list read again is the held one (then repainted in place, not reset)."""
        return False

    # Qt model API ----------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        return self.cell(self.rows[index.row()], index.column(), role)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole \
                and 0 <= section < len(self.columns):
            return self.header(section)
        return None

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: N802
        return not parent.isValid() and self.more and not self._loading

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: N802
        if self.canFetchMore(parent):
            self._request(self.cursor_after(self.rows), self.page_size, append=True)

    # Our API ------------------------------------------------------------

    @property
    def page(self) -> int:
        """The dispatch and mediation screens' name for ``page_size``."""
        return self.page_size

    @page.setter
    def page(self, size: int) -> None:
        self.page_size = size

    @property
    def loading(self) -> bool:
        return self._loading

    def clear(self) -> None:
        """No rows now, and a page still on its way is dropped when it comes."""
        self._generation += 1
        self.beginResetModel()
        self.rows, self.more, self._loading = [], False, False
        self.endResetModel()

    def restart(self) -> None:
        """Another filter or sort: the rows go now, and the first page is appended when it comes."""
        self.clear()
        self._request(self.cursor_after([]), self.page_size, append=True)

    def reread(self, size: int) -> None:
        """Read the first ``size`` rows again; the held rows stay shown until these replace them."""
        self._generation += 1
        self._request(self.cursor_after([]), size, append=False)

    def refresh(self) -> None:
        """Read again as many rows as are held (at least a page), so the place in the list is kept."""
        self.reread(max(self.page_size, len(self.rows)))

    # The read --------------------------------------------------------------

    def _request(self, cursor: Any, size: int, append: bool) -> None:
        self._loading = True
        generation, read = self._generation, self.page_reader()  # the filter as it is now
        self.runner.read(lambda: read(cursor, size), lambda rows: self._arrived(generation, rows, size, append),
                         lambda exc: self._failed(generation, exc), owner=self)

    def _arrived(self, generation: int, rows: list[R], size: int, append: bool) -> None:
        if generation != self._generation:
            return  # a page of a filter since replaced
        if append:
            if rows:
                start = len(self.rows)
                self.beginInsertRows(QModelIndex(), start, start + len(rows) - 1)
                self.rows.extend(rows)
                self.endInsertRows()
        elif self.same_rows(rows):
            self.rows = rows
            if rows:
                self.dataChanged.emit(self.index(0, 0), self.index(len(rows) - 1, len(self.columns) - 1))
        else:
            self.beginResetModel()
            self.rows = rows
            self.endResetModel()
        # Only now may the next page be asked for: a fetchMore while the rows go in (the model
        # tester's, a view's) would read again from the cursor before them.
        self._loading = False
        self.more = len(rows) >= size  # a short page is the last one
        self.loaded.emit(len(self.rows), self.more)

    def _failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation:
            return
        self._loading = False
        if self.stops_on_failure:
            self.more = False
        self.failed.emit(exc)
