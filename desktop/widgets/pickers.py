"""Pickers that filter as you type, by text, code or pinyin initials (``zs`` → 噪声)."""
from __future__ import annotations

from PySide6.QtCore import QAbstractProxyModel, QEvent, QModelIndex, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QApplication, QComboBox, QCompleter, QWidget

from desktop.widgets.inputs import ComboBox

Prepared = list[tuple[str, object, str]]  # (label, value, search key)


def prepare(items: list[tuple[str, object]], extra_keys: dict[object, str] | None = None) -> Prepared:
    """Search keys for a picker's items; pure Python, safe to run on a worker thread.

    The initials come through core.pinyin's cache file, so pypinyin is only
    imported when a label is new.
    """
    from core.pinyin import initials_of

    extra = extra_keys or {}
    keys = initials_of(label for label, _value in items)
    return [(label, value, f"{label.lower()} {keys[label]} {extra.get(value, '')}".strip()) for label, value in items]

SEARCH_ROLE = Qt.ItemDataRole.UserRole + 1
VALUE_ROLE = Qt.ItemDataRole.UserRole + 2


class _Completer(QCompleter):
    """Matches on the hidden search key but puts the display text in the box."""

    def pathFromIndex(self, index: QModelIndex) -> str:  # noqa: N802 (Qt name)
        return str(index.data(Qt.ItemDataRole.DisplayRole) or "")

    def splitPath(self, path: str) -> list[str]:  # noqa: N802
        return [path.strip().lower()]


class PinyinPicker(ComboBox):
    """An editable combo box of (label, value) pairs; ``value()`` is the chosen value or None."""

    value_changed = Signal()
    entered = Signal()  # Enter, with the highlighted (or first) suggestion taken

    def __init__(self, parent: QWidget | None = None, placeholder: str = "输入文字、代码或拼音首字母") -> None:
        super().__init__(parent)
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        # Long lists (regions, topics) must not dictate the form's column widths.
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(8)
        self.lineEdit().setPlaceholderText(placeholder)
        self._model = QStandardItemModel(self)
        self._wanted: object | None = None
        self.setModel(self._model)
        completer = _Completer(self._model, self)
        completer.setCompletionRole(SEARCH_ROLE)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        completer.setMaxVisibleItems(12)
        self.setCompleter(completer)
        completer.activated[QModelIndex].connect(self._on_completed)
        completer.popup().installEventFilter(self)
        QApplication.instance().focusChanged.connect(self._focus_changed)
        self.currentIndexChanged.connect(lambda _i: self.value_changed.emit())
        self.lineEdit().returnPressed.connect(self._entered)

    def set_items(self, items: list[tuple[str, object]], extra_keys: dict[object, str] | None = None) -> None:
        self.set_prepared(prepare(items, extra_keys))

    def set_prepared(self, rows: Prepared) -> None:
        """Fill the list; a value asked for before the items arrived is then chosen."""
        wanted = self._wanted if self._model.rowCount() == 0 else self.value()
        self.blockSignals(True)
        self._model.clear()
        for label, value, key in rows:
            item = QStandardItem(label)
            item.setData(key, SEARCH_ROLE)
            item.setData(value, VALUE_ROLE)
            self._model.appendRow(item)
        self.setCurrentIndex(-1)
        self.blockSignals(False)
        if wanted is not None:
            self.set_value(wanted)

    @property
    def loaded(self) -> bool:
        return self._model.rowCount() > 0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        """Tab or Enter in the suggestion list takes the highlighted (or first) suggestion;
        Tab moves on, Enter stays (and says so: ``entered``)."""
        keys = (Qt.Key.Key_Tab, Qt.Key.Key_Backtab, Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if (
            watched is self.completer().popup()
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in keys
        ):
            popup = self.completer().popup()
            index = popup.currentIndex()
            if not index.isValid():
                index = self.completer().completionModel().index(0, 0)
            if index.isValid():
                self._on_completed(index)
            popup.hide()
            if event.key() in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab):
                self.focusNextPrevChild(event.key() == Qt.Key.Key_Tab)
            else:
                self.entered.emit()
            return True
        return super().eventFilter(watched, event)

    def _entered(self) -> None:
        """Enter with the list closed: the typed text's match, as on leaving the box."""
        self._settle()
        self.entered.emit()

    def _focus_changed(self, old: QWidget | None, new: QWidget | None) -> None:
        # Not focusOutEvent: while the suggestion list is open Qt routes focus
        # through the popup, and the combo never sees its own focus-out.
        inside = lambda w: w is not None and (w is self or self.isAncestorOf(w))  # noqa: E731
        if inside(old) and not inside(new) and new is not self.completer().popup():
            # An Alt+key jump leaves with the suggestions open: they close, the typed match is taken.
            if self.completer().popup().isVisible():
                self.completer().popup().hide()
            self._settle()

    def _on_completed(self, index: QModelIndex) -> None:
        proxy = self.completer().completionModel()
        assert isinstance(proxy, QAbstractProxyModel)
        source = proxy.mapToSource(index)
        self.setCurrentIndex(source.row())

    def _settle(self) -> None:
        """On leaving the box: keep a valid choice, or take the single match typed."""
        text = self.currentText().strip()
        if not text:
            self.setCurrentIndex(-1)
            return
        exact = self.findText(text, Qt.MatchFlag.MatchFixedString)
        if exact >= 0:
            self.setCurrentIndex(exact)
            return
        key = text.lower()
        hits = [r for r in range(self._model.rowCount()) if key in str(self._model.item(r).data(SEARCH_ROLE))]
        if len(hits) >= 1:
            self.setCurrentIndex(hits[0])

    def value(self) -> object | None:
        if self._model.rowCount() == 0:
            return self._wanted  # items still being prepared: the value set meanwhile
        index = self.currentIndex()
        if index < 0 or self.currentText().strip() != self.itemText(index):
            return None
        return self._model.item(index).data(VALUE_ROLE)

    def set_value(self, value: object | None) -> None:
        self._wanted = value
        for row in range(self._model.rowCount()):
            if self._model.item(row).data(VALUE_ROLE) == value:
                self.setCurrentIndex(row)
                return
        self.setCurrentIndex(-1)
        self.setEditText("")
