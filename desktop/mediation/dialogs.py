"""The dialogs of a mediation (12365 6.3.5.2.2): one party, one session, the end, the head's close.

A party is edited here and kept in the case editor's table until 保存 saves the case;
the others call their service on the writer and keep everything typed when it refuses
(desktop.widgets.forms.ActionDialog).
"""
from __future__ import annotations

from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QLabel, QRadioButton, QWidget

from core import clock
from core.mediation import cases as mediation
from core.mediation.cases import PartyInput, SessionInput
from core.roles import Actor
from core.vocab import MediationOutcome, PartyKind, PartySide, RepresentativeRole
from desktop.widgets.forms import ActionDialog, TimeEdit, choices, coded, line, text_box
from desktop.worker import Runner

GENDERS = [("（不填）", ""), ("男", "男"), ("女", "女")]
ROLES = [("（无代理人）", "")] + [(r.label, r.value) for r in RepresentativeRole if r.value]
PARTY_FIELDS = ("side", "kind", "name", "gender", "id_number", "phone", "address", "representative",
                "representative_role")


class PartyDialog(ActionDialog):
    """当事人: who, which side, how to reach them, who speaks for them."""

    def __init__(self, runner: Runner, party: PartyInput | None = None, problems: dict[str, str] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(runner, "修改当事人" if party else "添加当事人",
                         "确定后列入调解页的当事人表格；在调解页按“保存”（Ctrl+S）后才存入。", "确定", parent)
        party = party or PartyInput(PartySide.COMPLAINANT.value, PartyKind.PERSON.value, "")
        self.side = self.add("side", "当事人", coded(PartySide, party.side))
        self.kind = self.add("kind", "类型", coded(PartyKind, party.kind))
        self.name = self.add("name", "姓名或名称", line("个人填姓名，单位填全称", party.name))
        self.gender = self.add("gender", "性别", choices(GENDERS, party.gender))
        self.id_number = self.add("id_number", "身份证号码", line("", party.id_number), "可不填；填写的会核对校验位")
        self.phone = self.add("phone", "联系电话", line("手机或座机", party.phone))
        self.address = self.add("address", "住所或地址", line("", party.address))
        self.representative = self.add("representative", "代理人", line("委托代理人、法定代表人或负责人的姓名",
                                                                       party.representative))
        self.role = self.add("representative_role", "代理人身份", choices(ROLES, party.representative_role))
        self.finish_layout()
        self.kind.currentIndexChanged.connect(lambda _i: self._kind_changed())
        self._kind_changed()
        self.party: PartyInput | None = None
        self.name.setFocus()
        if problems:
            self.show_problems(problems)  # and the focus goes to the first field named
            self.status.setText("请按提示修改，确定后再保存调解。")

    def _kind_changed(self) -> None:
        person = self.kind.currentData() == PartyKind.PERSON.value
        label = self.form.labelForField(self.rows["id_number"])
        if label is not None:
            label.setText("身份证号码：" if person else "统一社会信用代码：")
        self.id_number.setPlaceholderText("18 位身份证号码" if person else "18 位统一社会信用代码")
        self.show_row("gender", person)

    def value(self) -> PartyInput:
        person = self.kind.currentData() == PartyKind.PERSON.value
        return PartyInput(self.side.currentData(), self.kind.currentData(), self.name.text(),
                          self.gender.currentData() if person else "", self.id_number.text(), self.phone.text(),
                          self.address.text(), self.representative.text(), self.role.currentData())

    def save(self) -> None:
        self.party = self.value()
        self.accept()


class SessionDialog(ActionDialog):
    """登记调解: one session, recorded after it took place."""

    def __init__(self, actor: Actor, runner: Runner, case_id: int, parent: QWidget | None = None) -> None:
        super().__init__(runner, "登记调解", "记下这次调解：在哪里、谁主持、双方说了什么、谈到哪一步。", "登记", parent)
        self.actor, self.case_id = actor, case_id
        self.at = self.add("at", "调解时间", TimeEdit(), "不改即为现在")
        self.place = self.add("place", "调解地点", line("如 中心调解室、现场、电话调解"))
        self.mediators = self.add("mediators", "调解人员", line("多人用顿号分隔", actor.display_name))
        self.record = self.add("record", "调解记录", text_box("双方的意见、调解的经过和结果", lines=7))
        self.finish_layout()
        self.place.setFocus()

    def save(self) -> None:
        data = SessionInput(self.at.given() or clock.now(), self.place.text(), self.mediators.text(),
                            self.record.toPlainText())
        actor, case_id = self.actor, self.case_id
        self.submit(lambda: mediation.add_session(actor, case_id, data), f"已登记调解（{data.place.strip()}）")


class ConcludeDialog(ActionDialog):
    """结束调解: 调解成功 with the agreement, or 调解失败 / 终止调解 with the reason."""

    def __init__(self, actor: Actor, runner: Runner, case_id: int, parent: QWidget | None = None) -> None:
        super().__init__(runner, "结束调解", "调解成功的出具调解书，调解失败或终止调解的出具终止调解书"
                         "（12365 6.3.5.2.2）。结束后不能再修改调解。", "结束调解", parent)
        self.actor, self.case_id = actor, case_id
        holder = QWidget()
        row = QHBoxLayout(holder)
        row.setContentsMargins(0, 0, 0, 0)
        self.outcomes = QButtonGroup(self)
        self.radios: dict[str, QRadioButton] = {}
        for n, outcome in enumerate(MediationOutcome, start=1):
            radio = QRadioButton(f"{outcome.label} (Alt+{n})")
            radio.setObjectName(f"outcome_{outcome.value}")
            self.outcomes.addButton(radio)
            self.radios[outcome.value] = radio
            row.addWidget(radio)
            QShortcut(QKeySequence(f"Alt+{n}"), self, activated=radio.click)
            radio.toggled.connect(lambda on, o=outcome.value: on and self._outcome_changed(o))
        row.addStretch(1)
        self.add("outcome", "调解结果", holder)
        self.text = self.add("text", "调解协议内容", text_box(lines=7))
        self.finish_layout()
        self.radios[MediationOutcome.SUCCESS.value].setChecked(True)
        self.radios[MediationOutcome.SUCCESS.value].setFocus()

    def outcome(self) -> str:
        return next((code for code, radio in self.radios.items() if radio.isChecked()), "")

    def _outcome_changed(self, outcome: str) -> None:
        success = outcome == MediationOutcome.SUCCESS.value
        label = self.form.labelForField(self.rows["text"])
        if isinstance(label, QLabel):
            label.setText("调解协议内容：" if success else "理由：")
        self.text.setPlaceholderText("双方达成的协议：谁在何时做什么、赔偿多少、如何履行" if success
                                     else "调解失败或终止调解的理由，如 被投诉方拒绝调解、投诉人撤回投诉")

    def save(self) -> None:
        actor, case_id, outcome, text = self.actor, self.case_id, self.outcome(), self.text.toPlainText()
        self.submit(lambda: mediation.conclude(actor, case_id, outcome, text),
                    f"调解已结束：{MediationOutcome.label_of(outcome)}")


class CloseDialog(ActionDialog):
    """审核结案: the head closes a complaint the center mediated itself (12365 6.3.5.2.3)."""

    def __init__(self, actor: Actor, runner: Runner, case_id: int, outcome: str, parent: QWidget | None = None) -> None:
        super().__init__(runner, "审核结案", f"调解结果：{MediationOutcome.label_of(outcome)}。"
                         "审核同意后工单办结（12365 6.3.5.2.3 受理方负责人审核结案）。", "审核结案", parent)
        self.actor, self.case_id = actor, case_id
        self.note = self.add("note", "审核意见", text_box("如 调解成功，双方已履行，同意结案", lines=3))
        self.finish_layout()
        self.note.setFocus()

    def save(self) -> None:
        actor, case_id, note = self.actor, self.case_id, self.note.toPlainText()
        self.submit(lambda: mediation.close_complaint(actor, case_id, note), "已审核结案，工单办结")
