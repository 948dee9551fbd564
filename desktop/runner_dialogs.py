"""Dialogs shown before the main window exists."""
from __future__ import annotations

from PySide6.QtWidgets import QDialog

from desktop.setup_dialog import SetupDialog
from desktop.worker import Runner


def first_launch() -> bool:
    """Offer the center's setup or a demo center; False if the user quit."""
    runner = Runner()
    dialog = SetupDialog(runner)
    return dialog.exec() == QDialog.DialogCode.Accepted
