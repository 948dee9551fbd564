"""Qt's own texts in Chinese: the buttons of standard message boxes (确定/取消/是/否), file
dialogs, the context menu of every text field (撤销/复制/粘贴), calendar pop-ups.

The catalog is Qt's ``qtbase_zh_CN.qm``, which the PySide6 wheel ships under
``PySide6/Qt/translations`` (``QLibraryInfo``'s TranslationsPath). ``qt_zh_CN.qm`` there
is only a meta-catalog that loads qtbase and the other modules' files, so qtbase is
loaded directly.

build.spec (PyInstaller): its PySide6 hooks collect ``qtbase_*.qm`` into
``PySide6/Qt/translations`` but not the ``qt_*.qm`` meta-catalogs (pyinstaller/pyinstaller#7682);
if a future spec trims translations, keep ``qtbase_zh_CN.qm``, and ``_folders`` below also
looks beside the PySide6 package, where the bundle puts it.
"""
from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator
from PySide6.QtWidgets import QApplication

log = logging.getLogger("hotline.desktop")

CATALOG = "qtbase_zh_CN"


def _folders() -> list[Path]:
    import PySide6

    return [Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)),
            Path(PySide6.__file__).resolve().parent / "Qt" / "translations"]


def install(app: QApplication) -> bool:
    """Load Qt's Chinese catalog into ``app`` (kept alive as the app's child); False if not found."""
    # Dates in calendar pop-ups and Qt's own number formats follow the locale, not the machine's.
    QLocale.setDefault(QLocale(QLocale.Language.Chinese, QLocale.Country.China))
    translator = QTranslator(app)
    for folder in _folders():
        if translator.load(CATALOG, str(folder)):
            app.installTranslator(translator)
            return True
    log.warning("Qt's Chinese catalog %s.qm not found in %s; standard buttons stay in English",
                CATALOG, ", ".join(map(str, _folders())))
    translator.deleteLater()
    return False
