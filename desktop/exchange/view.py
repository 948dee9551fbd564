"""数据交换: the district's 上报 or the province's 导入批次 and 区县与回执, and 密钥 for both."""
from __future__ import annotations

from PySide6.QtWidgets import QTabWidget, QWidget

from core.roles import Actor, Permission
from desktop.worker import Runner


def exchange_permitted(actor: Actor, province: bool) -> bool:
    wanted = Permission.SYNC_IMPORT if province else Permission.SYNC_EXPORT
    return actor.can(wanted) or actor.can(Permission.SYNC_KEYS)


class ExchangeView(QTabWidget):
    def __init__(self, actor: Actor, runner: Runner, province: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("exchangeTabs")
        if province and actor.can(Permission.SYNC_IMPORT):
            from desktop.exchange.importing import DistrictsPanel, ImportPanel

            self.import_panel = ImportPanel(actor, runner)
            self.districts_panel = DistrictsPanel(actor, runner)
            self.addTab(self.import_panel, "导入批次")
            self.addTab(self.districts_panel, "区县与回执")
            # a batch imported changes what the districts tab shows
            self.currentChanged.connect(lambda i: self.widget(i) is self.districts_panel
                                        and self.districts_panel.refresh())
        if not province and actor.can(Permission.SYNC_EXPORT):
            from desktop.exchange.exporting import ExportPanel

            self.export_panel = ExportPanel(actor, runner)
            self.addTab(self.export_panel, "上报")
            self.currentChanged.connect(lambda i: self.widget(i) is self.export_panel and self.export_panel.refresh())
        if actor.can(Permission.SYNC_KEYS):
            from desktop.exchange.keys import KeysPanel

            self.keys_panel = KeysPanel(actor, runner)
            self.addTab(self.keys_panel, "密钥")
