"""The smaller steps of the handling, one dialog each: 签收, 退单 and its review, 办理进展,
延期申请 and its approval, 反馈审核, 督办 and its answer, 决定受理 (12365), 集中大话务量.

Each gathers its fields, calls one service on the writer and reports what happened;
a refused save keeps the dialog open with everything typed (desktop.widgets.forms).
"""
from __future__ import annotations

import datetime as dt
import html

from PySide6.QtWidgets import QWidget

from core import clock
from core.deadlines import clocks as deadlines
from core.dispatch import sending as dispatch
from core.dispatch import handling
from core.dispatch import supervision
from core.dispatch.reads import AssignmentView, ExtensionView, Handling
from core.roles import Actor
from core.dispatch.supervision import SupervisionInput, SupervisionRow
from core.vocab import AssignmentRole, SupervisionKind
from desktop.widgets.forms import ActionDialog, DayEdit, TimeEdit, choices, coded, due_html, line, text_box
from desktop.worker import Runner


def _unit(a: AssignmentView) -> str:
    return f"<b>{html.escape(a.unit)}</b>（{a.role_label}）"


def _due(a: AssignmentView) -> str:
    mark = a.feedback_due
    return f"现反馈时限：{due_html(mark)}" if mark and not mark.met_at else ""


class SignOffDialog(ActionDialog):
    def __init__(self, actor: Actor, runner: Runner, a: AssignmentView, parent: QWidget | None = None) -> None:
        due = f"签收时限：{due_html(a.sign_off)}" if a.sign_off else ""
        super().__init__(runner, f"签收 · {a.unit}", f"登记{_unit(a)}签收工单（12345 5.2.2.2.1）。{due}", "签收", parent)
        self.actor, self.a = actor, a
        self.person = self.add("person", "签收人", line("承办单位签收人，如 刘科长"))
        self.signed_at = self.add("signed_at", "签收时间", TimeEdit(), "不改即为现在")
        self.finish_layout()
        self.person.setFocus()

    def save(self) -> None:
        actor, aid, person, at = self.actor, self.a.id, self.person.text(), self.signed_at.given()
        self.submit(lambda: dispatch.sign_off(actor, aid, person, at), f"已登记{self.a.unit}签收（签收人：{person.strip()}）")


class ReturnDialog(ActionDialog):
    def __init__(self, actor: Actor, runner: Runner, a: AssignmentView, parent: QWidget | None = None) -> None:
        super().__init__(runner, f"退单 · {a.unit}", f"登记{_unit(a)}申请退单：认为不属于本单位职责。"
                         "退单经审核同意后，工单回到待派单。", "登记退单", parent)
        self.actor, self.a = actor, a
        self.reason = self.add("reason", "退单理由", text_box("承办单位说明的理由，如：该路段属新街口街道管辖"))
        self.returned_at = self.add("returned_at", "退单时间", TimeEdit(), "不改即为现在")
        self.finish_layout()
        self.reason.setFocus()

    def save(self) -> None:
        actor, aid, reason, at = self.actor, self.a.id, self.reason.toPlainText(), self.returned_at.given()
        self.submit(lambda: dispatch.ask_return(actor, aid, reason, at), f"已登记{self.a.unit}申请退单，待审核")


class ReturnReviewDialog(ActionDialog):
    def __init__(self, actor: Actor, runner: Runner, a: AssignmentView, parent: QWidget | None = None) -> None:
        reason = html.escape(a.return_reason) or "（未写明）"
        super().__init__(runner, f"退单审核 · {a.unit}", f"{_unit(a)}申请退单，理由：{reason}", "确定", parent)
        self.actor, self.a = actor, a
        self.decision = self.add("decision", "审核意见", choices([
            ("同意退单：该单位退出，工单待重新派单", True), ("不同意退单：仍由该单位办理", False)]))
        self.note = self.add("note", "说明", text_box("不同意时必填，将告知承办单位"))
        self.finish_layout()
        self.decision.setFocus()

    def save(self) -> None:
        actor, aid, ok, text = self.actor, self.a.id, self.decision.currentData(), self.note.toPlainText()
        message = f"已同意{self.a.unit}退单，工单待重新派单" if ok else f"未同意{self.a.unit}退单，仍由其办理"
        self.submit(lambda: dispatch.decide_return(actor, aid, ok, text), message)


class ProgressDialog(ActionDialog):
    def __init__(self, actor: Actor, runner: Runner, a: AssignmentView, parent: QWidget | None = None) -> None:
        super().__init__(runner, f"办理进展 · {a.unit}", f"登记{_unit(a)}报来的办理进展（12345 5.2.2.2.4）。", "保存", parent)
        self.actor, self.a = actor, a
        self.note = self.add("note", "进展情况", text_box("如：已到现场核实，正在协调产权单位"))
        self.at = self.add("at", "进展时间", TimeEdit(), "不改即为现在")
        self.finish_layout()
        self.note.setFocus()

    def save(self) -> None:
        actor, aid, text, at = self.actor, self.a.id, self.note.toPlainText(), self.at.given()
        self.submit(lambda: handling.add_progress(actor, aid, text, at), f"已登记{self.a.unit}的办理进展")


class ExtensionDialog(ActionDialog):
    def __init__(self, actor: Actor, runner: Runner, a: AssignmentView, parent: QWidget | None = None) -> None:
        super().__init__(runner, f"延期申请 · {a.unit}", f"登记{_unit(a)}的延期申请，由中心负责人审批。{_due(a)}",
                         "登记申请", parent)
        self.actor, self.a = actor, a
        base = clock.parse_stamp(a.feedback_due.due_at).date() if a.feedback_due else clock.now().date()
        self.until = self.add("until", "申请延期至", DayEdit(max(base, clock.now().date()) + dt.timedelta(days=7)))
        self.reason = self.add("reason", "延期理由", text_box("如：需协调产权单位，现场整改需要时间"))
        self.at = self.add("at", "申请时间", TimeEdit(), "不改即为现在")
        self.finish_layout()
        self.reason.setFocus()

    def save(self) -> None:
        actor, aid, text, until, at = self.actor, self.a.id, self.reason.toPlainText(), self.until.value(), self.at.given()
        self.submit(lambda: handling.ask_extension(actor, aid, text, until, at),
                    f"已登记{self.a.unit}的延期申请（至 {until:%Y-%m-%d}），待中心负责人审批")


class ExtensionDecisionDialog(ActionDialog):
    def __init__(self, actor: Actor, runner: Runner, a: AssignmentView, request: ExtensionView,
                 parent: QWidget | None = None) -> None:
        super().__init__(runner, f"延期审批 · {a.unit}",
                         f"{_unit(a)}于 {request.asked_at} 申请延期至 <b>{request.until}</b>，"
                         f"理由：{html.escape(request.reason)}<br>{_due(a)}", "确定", parent)
        self.actor, self.a, self.request = actor, a, request
        self.decision = self.add("decision", "审批意见", choices([
            (f"批准：反馈时限改为 {request.until} 23:59", True), ("不批准：仍按原时限", False)]))
        self.note = self.add("note", "说明", text_box("不批准时必填"))
        self.finish_layout()
        self.decision.setFocus()

    def save(self) -> None:
        actor, rid, ok, text = self.actor, self.request.id, self.decision.currentData(), self.note.toPlainText()
        message = f"已批准{self.a.unit}延期至 {self.request.until}" if ok else f"未批准{self.a.unit}的延期申请"
        self.submit(lambda: handling.decide_extension(actor, rid, ok, text), message)

    def field_for(self, name: str) -> str | None:
        return "decision" if name == "until" else super().field_for(name)


class FeedbackReviewDialog(ActionDialog):
    def __init__(self, actor: Actor, runner: Runner, a: AssignmentView, parent: QWidget | None = None) -> None:
        lines = "".join(f"<br>{html.escape(label)}：{html.escape(text)}" for label, text in a.feedback)
        super().__init__(runner, f"反馈审核 · {a.unit}",
                         f"{_unit(a)}反馈（{a.feedback_at}）：<b>{html.escape(a.feedback_result)}</b>{lines}", "确定", parent)
        self.actor, self.a = actor, a
        lead = a.role == AssignmentRole.LEAD.value
        self.decision = self.add("decision", "审核意见", choices([
            ("审核通过" + ("，工单办结" if lead else ""), True), ("退回重办：重新计算反馈时限", False)]))
        self.note = self.add("note", "说明", text_box("退回时必填：需要补充或重新办理的内容"))
        self.finish_layout()
        self.decision.setFocus()

    def save(self) -> None:
        actor, aid, ok, text = self.actor, self.a.id, self.decision.currentData(), self.note.toPlainText()
        closes = ok and self.a.role == AssignmentRole.LEAD.value
        message = (f"{self.a.unit}的反馈审核通过" + ("，工单已办结" if closes else "")) if ok \
            else f"已将{self.a.unit}的反馈退回重办"
        self.submit(lambda: handling.review_feedback(actor, aid, ok, text), message)


class SupervisionDialog(ActionDialog):
    def __init__(self, actor: Actor, runner: Runner, h: Handling, unit_id: int | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(runner, f"督办 · {h.number}", f"记录对工单 <b>{html.escape(h.number)}</b> 的督办"
                         "（12345 5.2.3）：督办了谁、怎么督办、要求什么。", "记录督办", parent)
        self.actor, self.ticket_id = actor, h.ticket_id
        self.kind = self.add("kind", "督办方式", coded(SupervisionKind))
        units = [(f"{a.unit}（{a.role_label}）", a.unit_id) for a in h.assignments]
        self.unit = self.add("unit_id", "督办单位", choices([("（不指定单位）", None)] + units, unit_id))
        self.content = self.add("content", "督办内容", text_box("如：电话督促城管局今日 17 时前签收并反馈", lines=4))
        self.at = self.add("at", "督办时间", TimeEdit(), "不改即为现在")
        self.finish_layout()
        self.kind.setFocus()

    def save(self) -> None:
        data = SupervisionInput(self.ticket_id, self.kind.currentData(), self.content.toPlainText(),
                                self.unit.currentData(), self.at.given())
        actor = self.actor
        self.submit(lambda: supervision.supervise(actor, data), f"已记录{SupervisionKind.label_of(data.kind)}")


class SupervisionAnswerDialog(ActionDialog):
    def __init__(self, actor: Actor, runner: Runner, row: SupervisionRow, parent: QWidget | None = None) -> None:
        unit = f"（{html.escape(row.unit)}）" if row.unit else ""
        super().__init__(runner, "督办答复", f"{clock.display(row.at)} {row.kind_label}{unit}：{html.escape(row.content)}",
                         "保存答复", parent)
        self.actor, self.row = actor, row
        self.answer = self.add("answer", "答复内容", text_box("承办单位对督办的答复", lines=4))
        self.answered_at = self.add("answered_at", "答复时间", TimeEdit(), "不改即为现在")
        self.finish_layout()
        self.answer.setFocus()

    def save(self) -> None:
        actor, sid, text, at = self.actor, self.row.id, self.answer.toPlainText(), self.answered_at.given()
        self.submit(lambda: supervision.record_answer(actor, sid, text, at), "已登记督办答复")


class AcceptDialog(ActionDialog):
    """12365 决定受理 (6.3.2.2, 6.4.2.2): the transfer and completion clocks start from it."""

    def __init__(self, actor: Actor, runner: Runner, h: Handling, parent: QWidget | None = None) -> None:
        super().__init__(runner, f"决定受理 · {h.number}", f"12365 投诉、举报先决定受理再移送（6.3.3、6.4.4）。"
                         f"决定受理后开始计算移送和办结时限。<br><b>{html.escape(h.title)}</b>", "决定受理", parent)
        self.actor, self.ticket_id, self.number = actor, h.ticket_id, h.number
        self.note = self.add("note", "受理意见", line("可不填，默认记为“决定受理”"))
        self.accepted_at = self.add("accepted_at", "受理时间", TimeEdit(), "不改即为现在")
        self.finish_layout()
        self.note.setFocus()

    def save(self) -> None:
        actor, tid, at, text = self.actor, self.ticket_id, self.accepted_at.given(), self.note.text()
        self.submit(lambda: dispatch.accept(actor, tid, at, text), f"工单 {self.number} 已决定受理，可以移送")


class SurgeDialog(ActionDialog):
    """集中大话务量 (12345 5.2.2.1.2): ordinary tickets registered within it get 48 hours to dispatch."""

    def __init__(self, actor: Actor, runner: Runner, parent: QWidget | None = None) -> None:
        super().__init__(runner, "宣布集中大话务量", "宣布后，其间登记的一般诉求派单时限由 24 小时放宽为 48 小时"
                         "（12345 5.2.2.1.2）。紧急诉求不受影响。", "宣布", parent)
        self.actor = actor
        self.starts = self.add("starts", "开始时间", TimeEdit())
        self.ends = self.add("ends", "结束时间", TimeEdit(), "一次最长 31 天")
        self.ends.set_value(clock.now() + dt.timedelta(days=1))
        self.reason = self.add("reason", "原因", text_box("如：寒潮导致供暖、供水诉求激增"))
        self.finish_layout()
        self.reason.setFocus()

    def save(self) -> None:
        actor, starts, ends, reason = self.actor, self.starts.value(), self.ends.value(), self.reason.toPlainText()
        self.submit(lambda: deadlines.declare_surge(actor, starts, ends, reason),
                    f"已宣布集中大话务量：{starts:%m-%d %H:%M} 至 {ends:%m-%d %H:%M}")


UNIT_DIALOGS: dict[str, type[ActionDialog]] = {
    "sign_off": SignOffDialog, "return": ReturnDialog, "progress": ProgressDialog, "extension": ExtensionDialog,
    "decide_return": ReturnReviewDialog, "review_feedback": FeedbackReviewDialog,
}


def dialog_for(key: str, actor: Actor, runner: Runner, h: Handling, a: AssignmentView | None,
               row: SupervisionRow | None, parent: QWidget | None = None) -> ActionDialog | None:
    """The dialog of a step on the panel's ticket, its selected unit or supervision; None if it has none."""
    from desktop.dispatch.dialogs import DispatchDialog, FeedbackDialog

    if key == "dispatch":
        return DispatchDialog(actor, runner, h.ticket_id, parent)
    if key == "accept":
        return AcceptDialog(actor, runner, h, parent)
    if key == "supervise":
        return SupervisionDialog(actor, runner, h, a.unit_id if a else None, parent)
    if key == "answer_supervision":
        return SupervisionAnswerDialog(actor, runner, row, parent) if row is not None and not row.answer else None
    if a is None:
        return None
    if key == "feedback":
        return FeedbackDialog(actor, runner, a, h.category, parent)
    if key == "decide_extension":
        waiting = a.waiting_extension
        return ExtensionDecisionDialog(actor, runner, a, waiting, parent) if waiting is not None else None
    return UNIT_DIALOGS[key](actor, runner, a, parent)  # type: ignore[call-arg]
