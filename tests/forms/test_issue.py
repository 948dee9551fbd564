"""forms.issue / forms.contexts / forms.templates: documents issued from real tickets.

Rendering goes through a plain template made here that prints every catalog field
as ``name=value``, so these tests check what each context says, independent of
the bundled layouts (tests/forms/test_templates.py checks those).
"""
from __future__ import annotations

import datetime as dt
import errno
import io
import os
from pathlib import Path

import apsw

import docx
import pytest

from core import attachments, clock
from core.dispatch import sending as dispatch
from core.dispatch import handling
from core.mediation import cases as mediation
from core.dispatch import supervision
from core.errors import PermissionDenied, StorageError, ValidationError
from core.files import FileNotWritten
from core.dispatch.handling import FeedbackInput
from core.dispatch.supervision import SupervisionInput
from db.models import DocumentCounter, IssuedDocument, TicketEvent
from forms import issue, templates
from forms.catalog import SPECS, DocumentKind
from forms.contexts import MissingData
from forms.render import TemplateProblem
from forms.templates import Template
from tests.core.dispatch.test_dispatch import register, send, units  # noqa: F401 - fixture
from tests.core.mediation.test_mediation import parties, session


def plain_template(kind: DocumentKind, extra: str = "") -> bytes:
    """Every field of ``kind`` as ``name=value``; lists as one row per item."""
    d = docx.Document()
    for f in SPECS[kind].fields:
        if f.is_list:
            d.add_paragraph(f"{{%p for row in {f.name} %}}")
            d.add_paragraph(f"{f.name}[]=" + "|".join(f"{{{{ row.{i.name} }}}}" for i in f.items))
            d.add_paragraph("{%p endfor %}")
        else:
            d.add_paragraph(f"{f.name}={{{{ {f.name} }}}}")
    if extra:
        d.add_paragraph(extra)
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


def fields_of(data: bytes) -> dict[str, str]:
    """``name=value`` lines back; a paragraph break inside a value continues it."""
    found: dict[str, str] = {}
    last = None
    for p in docx.Document(io.BytesIO(data)).paragraphs:
        name, sep, value = p.text.partition("=")
        if sep and name.replace("[]", "").isidentifier():
            last = name
            found[name] = found[name] + "\n" + value if name in found else value
        elif last:
            found[last] += "\n" + p.text
    return found


def plain(kind: DocumentKind) -> Template:
    content = plain_template(kind)
    return Template(kind, "测试", content, "0" * 64)


def closed_consult(operator, **extra) -> int:
    return register(operator, category="consult", disposition="direct_answer", reply="按政策可以办理，请携带身份证。",
                    reported_unit="", **extra)


def test_archive_form_of_a_consult_answered_on_the_spot(operator, dispatcher):
    ticket = closed_consult(operator)
    done = issue.issue(dispatcher, DocumentKind.ARCHIVE_CONSULT, ticket, template=plain(DocumentKind.ARCHIVE_CONSULT))
    f = fields_of(done.content)
    assert (f["caller_name"], f["receiver"], f["accepted"]) == ("张先生", "王小丽", "受理")
    assert f["handling"] == "按政策可以办理，请携带身份证。"
    assert f["forwarding"] == "当场答复，未转办"
    assert f["replier"] == "王小丽" and f["replied_at"]
    assert f["doc_number"] == "" and done.number == ""  # the ticket number identifies an archive form
    row = IssuedDocument.get_by_id(done.id)
    assert (row.kind, row.template, row.sha256, row.masked) == ("archive_consult", "测试", done.sha256, False)
    assert attachments.blob_path(done.sha256).read_bytes() == done.content
    event = TicketEvent.select().where(TicketEvent.ticket == ticket).order_by(TicketEvent.id.desc()).first()
    assert (event.kind, event.summary) == ("document_issued", "出具咨询处理归档表")


def test_archive_forms_need_a_finished_ticket_of_their_category(operator, dispatcher):
    open_complaint = register(operator)
    with pytest.raises(MissingData, match="尚未办结，没有答复时间和答复人员"):
        issue.issue(dispatcher, DocumentKind.ARCHIVE_COMPLAINT, open_complaint)
    with pytest.raises(MissingData, match="它是“投诉”，不是举报"):
        issue.issue(dispatcher, DocumentKind.ARCHIVE_REPORT, open_complaint)
    with pytest.raises(MissingData, match="尚未派单"):
        issue.issue(dispatcher, DocumentKind.DISPATCH_NOTICE, open_complaint)
    assert not IssuedDocument.select().exists()


def test_a_supervision_notice_needs_a_supervision(operator, supervisor):
    with pytest.raises(MissingData, match="还没有督办记录"):
        issue.issue(supervisor, DocumentKind.SUPERVISION_NOTICE, register(operator))


def dispatched_and_closed(operator, dispatcher, lead: int, **fields) -> tuple[int, int]:
    ticket = register(operator, hours_ago=50, **fields)
    at = clock.now() - dt.timedelta(hours=48)
    [assignment] = dispatch.dispatch(dispatcher, dispatch.DispatchInput(ticket, lead, [], opinion="请核实处理。",
                                                                        dispatched_at=at)).assignment_ids
    dispatch.sign_off(dispatcher, assignment, "刘科长", at + dt.timedelta(hours=1))
    handling.record_feedback(dispatcher, FeedbackInput(assignment, "resolved", {
        "measures": "已责令工地夜间停工。", "caller_told": "已电话告知张先生。"}, at + dt.timedelta(hours=20), "电话"))
    handling.review_feedback(dispatcher, assignment, True, "反馈属实，同意办结。")
    return ticket, assignment


def test_complaint_archive_form_tells_transfer_mediation_and_approval(operator, dispatcher, mediator, units):
    ticket, _ = dispatched_and_closed(operator, dispatcher, units["区城市管理局"])
    f = fields_of(issue.issue(dispatcher, DocumentKind.ARCHIVE_COMPLAINT, ticket,
                              template=plain(DocumentKind.ARCHIVE_COMPLAINT)).content)
    assert "派至区城市管理局（牵头）" in f["transfer"] and "签收" in f["transfer"]
    assert (f["mediated"], f["letter_issued"]) == ("否", "否")
    assert "反馈属实，同意办结。" in f["approval"]
    assert f["replier"] == "李派单"


def test_mediation_letter_numbers_run_per_year_and_kind(operator, mediator, manager):
    ticket = register(operator, hours_ago=30)
    case_id = mediation.open_case(mediator, ticket)
    mediation.save_case(mediator, case_id, "工地夜间施工。", "停止夜间施工。", parties())
    mediation.add_session(mediator, case_id, session(2))
    with pytest.raises(MissingData, match="调解尚未结束"):
        issue.issue(mediator, DocumentKind.MEDIATION_LETTER, ticket)
    mediation.conclude(mediator, case_id, "success", "工地22时后停止施工。\n赔偿500元。")
    with pytest.raises(MissingData, match="应出具调解书"):
        issue.issue(mediator, DocumentKind.TERMINATION_LETTER, ticket)
    tpl = plain(DocumentKind.MEDIATION_LETTER)
    first = issue.issue(mediator, DocumentKind.MEDIATION_LETTER, ticket, template=tpl)
    second = issue.issue(mediator, DocumentKind.MEDIATION_LETTER, ticket, template=tpl)
    year = clock.now().year
    assert (first.number, second.number) == (f"调字〔{year}〕第1号", f"调字〔{year}〕第2号")
    f = fields_of(first.content)
    assert f["doc_number"] == first.number
    assert f["complainants[]"].startswith("个人|张先生|男|11010519491231002X|13812345678|")
    assert f["respondents[]"].endswith("|李经理|委托代理人")
    assert f["agreement"] == "工地22时后停止施工。\n赔偿500元。"  # a line break is a new paragraph
    assert f["mediators"] == "杨调解、陈主任"
    assert f["issued_on"] == f"{year}年{clock.now().month}月{clock.now().day}日"
    assert first.file_name == f"{first.ticket_number}-调解书-调字〔{year}〕第1号.docx"
    # The complaint's archive form then tells the mediation and the letters.
    mediation.close_complaint(manager, case_id, "调解成功，同意结案。")
    a = fields_of(issue.issue(mediator, DocumentKind.ARCHIVE_COMPLAINT, ticket,
                              template=plain(DocumentKind.ARCHIVE_COMPLAINT)).content)
    assert a["mediated"] == "是" and "调解成功：工地22时后停止施工。" in a["mediation"]
    assert a["letter_issued"] == f"是：调解书（{first.number}）、调解书（{second.number}）"
    assert "调解后审核结案" in a["approval"]


def test_a_failed_render_takes_no_number_and_records_nothing(operator, mediator):
    ticket = register(operator)
    case_id = mediation.open_case(mediator, ticket)
    mediation.add_session(mediator, case_id, session(0.5))
    mediation.conclude(mediator, case_id, "terminated", "投诉人撤回调解申请。")
    broken = Template(DocumentKind.TERMINATION_LETTER, "坏", plain_template(
        DocumentKind.TERMINATION_LETTER, "{{ facts | nosuchfilter }}"), "1" * 64)
    with pytest.raises(TemplateProblem, match="nosuchfilter"):
        issue.issue(mediator, DocumentKind.TERMINATION_LETTER, ticket, template=broken)
    assert not IssuedDocument.select().exists() and not DocumentCounter.select().exists()
    done = issue.issue(mediator, DocumentKind.TERMINATION_LETTER, ticket, template=plain(DocumentKind.TERMINATION_LETTER))
    assert done.number.endswith("第1号") and fields_of(done.content)["termination_reason"] == "投诉人撤回调解申请。"


def _terminated(operator, mediator) -> int:
    ticket = register(operator)
    case_id = mediation.open_case(mediator, ticket)
    mediation.add_session(mediator, case_id, session(0.5))
    mediation.conclude(mediator, case_id, "terminated", "投诉人撤回调解申请。")
    return ticket


def _nothing_recorded() -> bool:
    return not (IssuedDocument.select().exists() or DocumentCounter.select().exists()
                or TicketEvent.select().where(TicketEvent.kind == "document_issued").exists())


def test_a_letter_that_cannot_be_written_where_asked_takes_no_number(operator, mediator, tmp_path, monkeypatch):
    """A full folder (its directory has no room for the new entry) fails the issue as a whole."""
    ticket = _terminated(operator, mediator)
    folder = tmp_path / "U盘"
    folder.mkdir()
    real_replace = os.replace

    def no_room_in_folder(src, dst, *args, **kwargs):
        if Path(dst).parent == folder:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", no_room_in_folder)
    with pytest.raises(FileNotWritten, match="磁盘空间不足"):
        issue.issue(mediator, DocumentKind.TERMINATION_LETTER, ticket, template=plain(DocumentKind.TERMINATION_LETTER),
                    target=folder.joinpath)
    assert _nothing_recorded() and os.listdir(folder) == []
    monkeypatch.setattr(os, "replace", real_replace)
    done = issue.issue(mediator, DocumentKind.TERMINATION_LETTER, ticket,
                       template=plain(DocumentKind.TERMINATION_LETTER), target=folder.joinpath)
    assert done.number.endswith("第1号") and os.listdir(folder) == [done.file_name]


def test_a_letter_whose_record_fails_to_commit_leaves_no_file(operator, mediator, tmp_path, monkeypatch):
    from core import service

    ticket = _terminated(operator, mediator)

    def database_full(**fields):
        raise apsw.FullError("database or disk is full")

    monkeypatch.setattr(service.Audit, "create", database_full)
    with pytest.raises(StorageError):
        issue.issue(mediator, DocumentKind.TERMINATION_LETTER, ticket, template=plain(DocumentKind.TERMINATION_LETTER),
                    target=tmp_path.joinpath)
    assert _nothing_recorded() and not list(tmp_path.glob("*.docx")) and not list(tmp_path.glob("*.tmp"))


def test_an_earlier_file_of_the_same_name_stays_when_the_record_fails_to_commit(operator, mediator, tmp_path,
                                                                              monkeypatch):
    """docs render --out onto last week's copy: replaced only once the new one is on record."""
    from core import service

    ticket = _terminated(operator, mediator)
    folder = tmp_path / "文书"
    folder.mkdir()
    out = folder / "终止调解书.docx"  # the name the clerk gave, as with docs render --out
    out.write_bytes(b"last week's copy")
    monkeypatch.setattr(service.Audit, "create", lambda **_f: (_ for _ in ()).throw(apsw.FullError("disk is full")))
    with pytest.raises(StorageError):
        issue.issue(mediator, DocumentKind.TERMINATION_LETTER, ticket, template=plain(DocumentKind.TERMINATION_LETTER),
                    target=lambda _name: out)
    assert _nothing_recorded() and list(folder.iterdir()) == [out]
    assert out.read_bytes() == b"last week's copy"


def test_confidential_callers_are_masked_by_right_and_always_on_notices(operator, dispatcher, mediator, manager, units):
    ticket, assignment = dispatched_and_closed(operator, dispatcher, units["区城市管理局"], confidential=True,
                                               caller_address="玄武区某小区3栋")
    tpl = plain(DocumentKind.ARCHIVE_COMPLAINT)
    by_dispatcher = issue.issue(dispatcher, DocumentKind.ARCHIVE_COMPLAINT, ticket, template=tpl)
    by_mediator = issue.issue(mediator, DocumentKind.ARCHIVE_COMPLAINT, ticket, template=tpl)
    assert fields_of(by_dispatcher.content)["caller_name"] == "张**" and by_dispatcher.masked
    assert "138****5678" in fields_of(by_dispatcher.content)["caller_contact"]
    assert fields_of(by_mediator.content)["caller_name"] == "张先生" and not by_mediator.masked
    # The mediator's unmasked copy is not handed to the dispatcher, not even as a reprint.
    with pytest.raises(PermissionDenied, match="未遮蔽保密诉求人的身份"):
        issue.stored_content(dispatcher, by_mediator.id)
    with pytest.raises(PermissionDenied, match="未遮蔽保密诉求人的身份"):
        issue.reissue(dispatcher, by_mediator.id)
    assert issue.stored_content(dispatcher, by_dispatcher.id) == by_dispatcher.content
    notice = issue.issue(manager, DocumentKind.DISPATCH_NOTICE, ticket, assignment_id=assignment,
                         template=plain(DocumentKind.DISPATCH_NOTICE))
    f = fields_of(notice.content)
    assert (f["caller_name"], f["caller_phone"], f["caller_address"]) == ("张**", "138****5678", "（保密）")
    assert f["unit"] == "区城市管理局" and f["dispatch_opinion"] == "请核实处理。"
    assert notice.number == f"派字〔{clock.now().year}〕第1号"


def test_supervision_notice_lists_what_came_before(operator, dispatcher, supervisor, units):
    ticket = register(operator, hours_ago=400)
    lead = units["区城市管理局"]
    send(dispatcher, ticket, lead, dispatched_at=clock.now() - dt.timedelta(hours=399))
    for hours, content in ((30, "电话催办，要求尽快反馈。"), (2, "发督办函，限三日内办结。")):
        supervision.supervise(supervisor, SupervisionInput(ticket, "document", content, lead,
                                                           clock.now() - dt.timedelta(hours=hours)))
    f = fields_of(issue.issue(supervisor, DocumentKind.SUPERVISION_NOTICE, ticket,
                              template=plain(DocumentKind.SUPERVISION_NOTICE)).content)
    assert f["supervision_content"] == "发督办函，限三日内办结。" and f["supervisor"] == "赵督办"
    assert f["earlier[]"].endswith("|文件督办|电话催办，要求尽快反馈。")
    assert f["overdue"].startswith("截至督办时已超期")
    with pytest.raises(PermissionDenied):
        issue.issue(dispatcher, DocumentKind.SUPERVISION_NOTICE, ticket)


def test_reissue_hands_out_the_same_file_and_refuses_an_altered_one(operator, dispatcher):
    ticket = closed_consult(operator)
    done = issue.issue(dispatcher, DocumentKind.ARCHIVE_CONSULT, ticket, template=plain(DocumentKind.ARCHIVE_CONSULT))
    again = issue.reissue(dispatcher, done.id)
    assert again.content == done.content and again.number == done.number
    kinds = [e.kind for e in TicketEvent.select().where(TicketEvent.ticket == ticket)]
    assert kinds[-2:] == ["document_issued", "document_reissued"]
    path = attachments.blob_path(done.sha256)
    path.write_bytes(done.content + b"x")
    with pytest.raises(StorageError, match="SHA-256 不符"):
        issue.reissue(dispatcher, done.id)
    path.unlink()
    with pytest.raises(StorageError, match="不在存储文件夹中"):
        issue.reissue(dispatcher, done.id)
    assert [d.id for d in issue.documents_of(ticket)] == [done.id]


def test_an_admins_template_is_checked_versioned_and_used(center_db, operator, dispatcher, tmp_path: Path):
    admin = center_db
    kind = DocumentKind.ARCHIVE_CONSULT
    bad = tmp_path / "mine.docx"
    bad.write_bytes(plain_template(kind, "咨询人：{{ caller_nmae }}"))
    with pytest.raises(TemplateProblem) as err:
        templates.install(admin, kind, bad)
    assert err.value.problems == ["段落“咨询人：{{ caller_nmae }}”中的占位符“caller_nmae”不是咨询处理归档表可用的字段，"
                                  "是不是“caller_name”？"]
    good = tmp_path / "ours.docx"
    good.write_bytes(plain_template(kind, "本中心自制"))
    assert templates.install(admin, kind, good, "加了页眉") == 1
    assert templates.active(kind).label == "自定义 第 1 版"
    done = issue.issue(dispatcher, kind, closed_consult(operator))
    assert "本中心自制" in [p.text for p in docx.Document(io.BytesIO(done.content)).paragraphs]
    assert IssuedDocument.get_by_id(done.id).template == "自定义 第 1 版"
    with pytest.raises(PermissionDenied):
        templates.install(dispatcher, kind, good)
    templates.restore_builtin(admin, kind)
    assert templates.active(kind).label == "内置"
    assert [(v.version, v.active, v.note) for v in templates.versions(kind)] == [(1, False, "加了页眉")]
    old_word = tmp_path / "x.doc"
    old_word.write_bytes(b"x")
    with pytest.raises(ValidationError, match="不是 .docx"):
        templates.install(admin, kind, old_word)


def test_a_missing_bundled_template_is_named_and_nothing_is_recorded(operator, dispatcher, monkeypatch, tmp_path):
    from core import paths

    monkeypatch.setattr(paths, "install_root", lambda: tmp_path / "坏的安装")
    ticket = closed_consult(operator)
    with pytest.raises(TemplateProblem, match="内置的咨询处理归档表模板文件缺失.*请重新安装程序"):
        issue.issue(dispatcher, DocumentKind.ARCHIVE_CONSULT, ticket)
    assert not IssuedDocument.select().exists()


def test_masked_papers_mask_the_caller_in_free_text_too(operator, dispatcher, manager, units):
    ticket, assignment = dispatched_and_closed(operator, dispatcher, units["区城市管理局"], confidential=True,
                                               content="张先生反映：夜间施工噪声，联系电话13812345678。")
    for actor, kind, extra in ((dispatcher, DocumentKind.WORK_ORDER, {}),
                               (manager, DocumentKind.DISPATCH_NOTICE, {"assignment_id": assignment})):
        done = issue.issue(actor, kind, ticket, template=plain(kind), **extra)
        text = "\n".join(fields_of(done.content).values())
        assert done.masked and "张先生" not in text and "13812345678" not in text, kind
        assert "张**反映" in text and "138****5678" in text
    assert "已电话告知张**。" in fields_of(issue.issue(dispatcher, DocumentKind.WORK_ORDER, ticket,
                                                       template=plain(DocumentKind.WORK_ORDER)).content)["handling"]


@pytest.mark.parametrize("tag, problem", [
    ("{{ content|safe }}", "safe"),
    ("{% autoescape false %}{{ content }}{% endautoescape %}", "autoescape"),
    ("{% include 'C:/Windows/win.ini' %}", "不能引用其他文件"),
    ("{{ 'x' * 30000000 }}", "结果太大"),
    ("{{ content + 1 }}", "模板无法填写"),
    ("{{r content }}", "富文本/子文档标签"),
])
def test_templates_cannot_unescape_read_files_or_blow_up(center_db, tag, problem):
    from forms.render import check_template

    problems = check_template(plain_template(DocumentKind.WORK_ORDER, tag), SPECS[DocumentKind.WORK_ORDER])
    assert any(problem in p for p in problems), problems


def test_the_work_order_says_confidential_when_it_happened_and_the_time_limit_as_a_span(operator, dispatcher,
                                                                                         units):
    """12345 5.1.4.1: 是否保密 and the time of the matter are on the work order; 办理时限 is the span
    the dispatch gave (5.2.2.1.3; 5.2.2.3.2: 7 days for an ordinary request), 截止时间 its date."""
    ticket, _ = dispatched_and_closed(operator, dispatcher, units["区城市管理局"], confidential=True)
    f = fields_of(issue.issue(dispatcher, DocumentKind.WORK_ORDER, ticket, template=plain(DocumentKind.WORK_ORDER)).content)
    assert (f["confidential"], f["occurred_at"]) == ("是", "昨晚23点起")
    assert f["time_limit"] == "7 天"
    assert f["due_at"].startswith(f"{(clock.now() - dt.timedelta(hours=48) + dt.timedelta(days=7)):%Y-%m-%d}")
    other = register(operator, urgency="urgent", emergency_type="utilities", confidential=False)
    dispatch.dispatch(dispatcher, dispatch.DispatchInput(other, units["区城市管理局"], [], opinion="请立即处理。",
                                                         phoned_person="值班员", phoned_at=clock.now(),
                                                         emergency_told=True))
    f = fields_of(issue.issue(dispatcher, DocumentKind.WORK_ORDER, other, template=plain(DocumentKind.WORK_ORDER)).content)
    assert (f["confidential"], f["time_limit"]) == ("否", "24 小时")  # 水电气热: 24 hours
    notice = fields_of(issue.issue(dispatcher, DocumentKind.DISPATCH_NOTICE, other,
                                   template=plain(DocumentKind.DISPATCH_NOTICE)).content)
    assert notice["time_limit"] == "24 小时"


def test_a_time_limit_the_center_set_is_its_days(operator, dispatcher, units):
    ticket = register(operator)
    until = clock.today() + dt.timedelta(days=10)
    dispatch.dispatch(dispatcher, dispatch.DispatchInput(ticket, units["区城市管理局"], [], opinion="请核实。",
                                                         feedback_due=until))
    f = fields_of(issue.issue(dispatcher, DocumentKind.WORK_ORDER, ticket, template=plain(DocumentKind.WORK_ORDER)).content)
    assert f["time_limit"] == "10 天（中心指定）" and f["due_at"].startswith(f"{until:%Y-%m-%d}")
