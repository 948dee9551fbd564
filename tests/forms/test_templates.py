"""The bundled templates (templates_docx/, built by its build_templates.py): each passes
the catalog's check, fills with full, empty and long samples, shows exactly the
standards' boxes, and prints through LibreOffice as papers a clerk would sign.

Without soffice or poppler-utils the PDF tests skip, except in CI (HOTLINE_DESK_CI=1),
where a missing tool fails them.
"""
from __future__ import annotations

import importlib.util
import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import docx
import pytest
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml.ns import qn

from forms.catalog import SPECS, DocumentKind
from forms.render import check_template, render
from tests.forms import samples

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates_docx"
STANDARDS = ROOT.parent / "shared" / "standards"
KINDS = list(SPECS)
LETTERS = (DocumentKind.MEDIATION_LETTER, DocumentKind.TERMINATION_LETTER)
ARCHIVES = (DocumentKind.ARCHIVE_CONSULT, DocumentKind.ARCHIVE_COMPLAINT, DocumentKind.ARCHIVE_REPORT)
NOTICES = (DocumentKind.DISPATCH_NOTICE, DocumentKind.SUPERVISION_NOTICE)

# Catalog fields a bundled template leaves off its paper, on purpose.
OFF_THE_PAPER = {
    **{k: {"hotline", "ticket_number"} for k in LETTERS},  # the letter has its own number
    **{k: {"hotline", "doc_number"} for k in (*ARCHIVES, DocumentKind.WORK_ORDER)},  # not numbered
    **{k: set() for k in NOTICES},
}
PARTY_OFF_THE_PAPER = {"kind"}  # 个人/单位 shows in the name and the ID's form

# 12365 appendices C, D, E and 12345 表 D: the boxes, in the standards' order and words.
STANDARD_BOXES = {
    DocumentKind.ARCHIVE_CONSULT: ["咨询时间", "姓名", "工作单位", "联系方式", "接待人员", "咨询内容",
                                   "是否受理", "转发情况", "处理情况", "答复时间", "答复人员"],
    DocumentKind.ARCHIVE_COMPLAINT: ["投诉时间", "姓名", "工作单位", "联系方式", "接待人员", "投诉内容",
                                     "是否受理", "移送情况", "是否调解", "调解情况",
                                     "是否出具调解书或终止调解书", "审批情况", "答复时间", "答复人员"],
    DocumentKind.ARCHIVE_REPORT: ["举报时间", "姓名", "工作单位", "联系方式", "接待人员", "举报内容",
                                  "受理情况（是否受理）", "移送情况", "答复时间", "答复人员", "办理结果"],
    DocumentKind.WORK_ORDER: ["工单编号", "诉求提出时间", "诉求来源（电话/网络）", "受理单位", "来电人", "来电号码",
                              "联系方式", "是否保密", "来电人地址", "问题分类", "工单分类", "发生地址", "事发时间",
                              "被反映单位", "工单标题", "主要内容：", "派单人员", "派单时间", "派单处理意见：", "截止时间",
                              "办理时限", "承办单位", "办理情况："],
}
# Boxes the standard asks for elsewhere than in its drawn form: 12345 5.1.4.1 lists 是否保密 and
# the time the matter happened among what a work order holds; 表 D draws no box for them.
BEYOND_THE_DRAWING = {DocumentKind.WORK_ORDER: ("是否保密", "事发时间")}
STANDARD_TEXT = {  # (file, where the form starts, where it ends)
    DocumentKind.ARCHIVE_CONSULT: ("12365-hotline-service-spec.txt", "咨询处理归档表", "附录 D"),
    DocumentKind.ARCHIVE_COMPLAINT: ("12365-hotline-service-spec.txt", "投诉处理归档表", "附录 E"),
    DocumentKind.ARCHIVE_REPORT: ("12365-hotline-service-spec.txt", "举报处理归档表", None),
    DocumentKind.WORK_ORDER: ("12345-hotline-service-and-management-spec.txt", "表 D 诉求工单样式", None),
}
LABEL_STYLES = ("表格标签", "表格标签（左）")
LIST_HEADS = {"sessions": ["时间", "地点", "调解人员", "调解记录"], "handling_rows": ["时间", "单位", "内容"],
              "earlier": ["时间", "方式", "内容"]}


def template(kind: DocumentKind) -> Path:
    return TEMPLATES / SPECS[kind].template


@pytest.fixture(scope="module")
def rendered() -> dict[tuple[DocumentKind, str], bytes]:
    """Every kind filled with every sample, once for the module."""
    return {(kind, name): render(template(kind), make(kind))
            for kind in KINDS for name, make in samples.SAMPLES.items()}


def _doc(data: bytes):
    return docx.Document(io.BytesIO(data))


def _paragraphs(document) -> list[str]:
    """The text of every paragraph, in table cells too, in document order."""
    return ["".join(t.text or "" for t in p.iter(qn("w:t"))) for p in document.element.body.iter(qn("w:p"))]


def _all_text(data: bytes) -> str:
    """The text of the whole package, footers included (for leftovers of template syntax)."""
    document = _doc(data)
    parts = _paragraphs(document)
    for section in document.sections:
        parts += [p.text for p in section.footer.paragraphs]
    return "\n".join(parts)


def _tables(document) -> list:
    return list(document.element.body.iter(qn("w:tbl")))


def _row_texts(tr) -> list[str]:
    return ["".join(t.text or "" for t in tc.iter(qn("w:t"))) for tc in tr.iter(qn("w:tc"))]


def _list_table(document, field: str):
    """The table whose header row is the list's column labels, or None."""
    return next((tbl for tbl in _tables(document)
                 if _row_texts(tbl.find(qn("w:tr"))) == LIST_HEADS[field]), None)


def _squeeze(text: str) -> str:
    return "".join(text.split())


# --- the templates themselves -----------------------------------------------------

@pytest.mark.parametrize("kind", KINDS, ids=str)
def test_bundled_template_passes_the_catalog_check(kind):
    assert check_template(template(kind), SPECS[kind]) == []


def test_committed_templates_are_what_the_script_builds(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("build_templates", TEMPLATES / "build_templates.py")
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)  # its dataclasses look themselves up there
    spec.loader.exec_module(module)
    for kind in KINDS:
        built = module.build(kind, tmp_path)
        assert built.read_bytes() == template(kind).read_bytes(), (
            f"{template(kind).name} differs from what the script builds: run python templates_docx/build_templates.py")


@pytest.mark.parametrize("kind", KINDS, ids=str)
def test_every_catalog_field_is_on_the_paper_but_the_named_few(kind):
    text = _all_text(template(kind).read_bytes())
    tags = " ".join(re.findall(r"\{\{.*?\}\}|\{%.*?%\}", text))
    used = {f.name for f in SPECS[kind].fields if re.search(rf"(?<![\w.]){f.name}(?!\w)", tags)}
    assert SPECS[kind].names - used == OFF_THE_PAPER[kind]
    for field in (f for f in SPECS[kind].fields if f.is_list):
        row_used = {i.name for i in field.items if re.search(rf"\.{i.name}(?!\w)", tags)}
        assert {i.name for i in field.items} - row_used == (PARTY_OFF_THE_PAPER if field.name in (
            "complainants", "respondents") else set()), field.name


@pytest.mark.parametrize("kind", list(STANDARD_BOXES), ids=str)
def test_forms_have_exactly_the_standards_boxes(kind):
    document = _doc(template(kind).read_bytes())
    first = _tables(document)[0]
    labels = []
    for p in first.iter(qn("w:p")):
        style = p.find(qn("w:pPr")).find(qn("w:pStyle")).get(qn("w:val"))
        if document.styles.get_by_id(style, WD_STYLE_TYPE.PARAGRAPH).name in LABEL_STYLES:
            labels.append("".join(t.text for t in p.iter(qn("w:t"))))
    assert labels == STANDARD_BOXES[kind]


@pytest.mark.parametrize("kind", list(STANDARD_TEXT), ids=str)
def test_the_boxes_are_the_standards_own_words_in_its_order(kind):
    """The lists above, read against the standard's text (its table, whitespace removed)."""
    name, start, end = STANDARD_TEXT[kind]
    if not (STANDARDS / name).is_file():
        pytest.skip(f"{name} is not beside the repository")
    text = (STANDARDS / name).read_text(encoding="utf-8")
    form = text[text.index(start) + len(start):text.index(end, text.index(start)) if end else None]
    form, at = _squeeze(form), 0
    for box in (b for b in STANDARD_BOXES[kind] if b not in BEYOND_THE_DRAWING.get(kind, ())):
        found = form.find(box, at)
        assert found >= 0, f"“{box}” is not in the standard after the boxes before it"
        at = found + len(box)


# --- filled in ----------------------------------------------------------------------

@pytest.mark.parametrize("sample", list(samples.SAMPLES))
@pytest.mark.parametrize("kind", KINDS, ids=str)
def test_no_template_syntax_or_none_is_left(rendered, kind, sample):
    text = _all_text(rendered[kind, sample])
    for leftover in ("{{", "}}", "{%", "%}", "{#", "None", "\a"):
        assert leftover not in text


@pytest.mark.parametrize("kind", KINDS, ids=str)
def test_full_shows_every_value(rendered, kind):
    text = _all_text(rendered[kind, "full"])
    context = samples.full(kind)
    for field in SPECS[kind].fields:
        if field.name in OFF_THE_PAPER[kind]:
            continue
        values = context[field.name]
        if field.is_list:
            values = [row[i.name] for row in values for i in field.items if i.name not in PARTY_OFF_THE_PAPER]
        for v in values if isinstance(values, list) else [values]:
            for line in filter(None, v.split("\n")):
                assert line in text, f"{field.name}: “{line}” is not in the document"


def test_letters_give_each_party_its_paragraph_and_signature_line(rendered):
    for kind in LETTERS:
        paras = _paragraphs(_doc(rendered[kind, "full"]))
        assert [p for p in paras if p.startswith("投诉人：")] == [
            ("投诉人：张建国，男，证件号码：320102198703152318，住所：南京市玄武区珠江路88号3幢502室，"
             "联系电话：13905171234。"),
            ("投诉人：李秀英，女，证件号码：320102199011204526，住所：南京市玄武区珠江路88号3幢502室，"
             "联系电话：13851789012。")]
        # a party without a gender (a company) shows none; a representative's line only where there is one
        assert any(p.startswith("被投诉人：南京玄武A&B<优选>家电销售有限公司，证件号码：") for p in paras)
        assert [p for p in paras if re.match("(委托代理人|法定代表人)：", p)] == [
            "委托代理人：王律师（江苏金陵律师事务所）。", "法定代表人：陈志强。"]
        assert sum(p.startswith("投诉人（签字）：") for p in paras) == 2
        assert sum(p.startswith("被投诉人（签字/盖章）：") for p in paras) == 1
        assert "调解员（签字）：刘敏、周涛\u3000" in paras
        assert paras[-2:] == ["南京市玄武区12345政务服务便民热线（盖章）", "2026年11月22日"]
    full = "".join(_paragraphs(_doc(rendered[DocumentKind.MEDIATION_LETTER, "full"])))
    assert "双方当事人于2026年11月18日自愿达成如下协议" in full and "签字（盖章）" in full
    ended = "".join(_paragraphs(_doc(rendered[DocumentKind.TERMINATION_LETTER, "full"])))
    assert "本中心于2026年11月18日决定终止本次调解" in ended and "申请仲裁或者向人民法院提起诉讼" in ended


def test_letters_without_parties_leave_lines_to_fill_in(rendered):
    for kind in LETTERS:
        paras = _paragraphs(_doc(rendered[kind, "empty"]))
        assert "投诉人：" in paras and "被投诉人：" in paras
        assert sum(p.startswith("投诉人（签字）：") for p in paras) == 1
        assert sum(p.startswith("被投诉人（签字/盖章）：") for p in paras) == 1
        assert "（盖章）" in paras  # the seal's place, under a blank center name
    ended = "".join(_paragraphs(_doc(rendered[DocumentKind.TERMINATION_LETTER, "empty"])))
    assert "本中心决定终止本次调解。" in ended


@pytest.mark.parametrize("kind", KINDS, ids=str)
def test_empty_values_leave_blanks_not_broken_sentences(rendered, kind):
    for p in _paragraphs(_doc(rendered[kind, "empty"])):
        assert not re.fullmatch(r"[\s：，。、；（）]+", p), f"a paragraph of punctuation only: “{p}”"
        for broken in ("（）", "于前", "，，", "：，", "反馈；", "反馈。", "反馈（"):
            assert broken not in p, f"“{broken}” in “{p}”"


@pytest.mark.parametrize("kind", KINDS, ids=str)
def test_lists_grow_one_row_an_item_under_a_repeating_header(rendered, kind):
    for field in (f for f in SPECS[kind].fields if f.name in LIST_HEADS):
        for sample, rows in (("full", 3), ("long", samples.LONG_ROWS)):
            trs = _list_table(_doc(rendered[kind, sample]), field.name).findall(qn("w:tr"))
            assert len(trs) == 1 + rows, (field.name, sample)
            assert trs[0].find(qn("w:trPr")).find(qn("w:tblHeader")) is not None
        last = _list_table(_doc(rendered[kind, "long"]), field.name).findall(qn("w:tr"))[-1]
        assert f"（第{samples.LONG_ROWS}条）" in "".join(_row_texts(last))
        empty = _list_table(_doc(rendered[kind, "empty"]), field.name)
        if field.name == "sessions":  # the letter keeps a blank row to write in
            assert [_row_texts(tr) for tr in empty.findall(qn("w:tr"))][1:] == [["", "", "", ""]]
        else:  # the work order and the notice leave the list out
            assert empty is None


@pytest.mark.parametrize("kind", KINDS, ids=str)
def test_long_texts_flow_as_paragraphs(rendered, kind):
    paras = _paragraphs(_doc(rendered[kind, "long"]))
    for name in samples.LONG_FIELDS & SPECS[kind].names:
        label = SPECS[kind].field(name).label
        marked = [p for p in paras if p.startswith(f"【{label}-第")]
        assert len(marked) == 13 and marked[-1].startswith(f"【{label}-第13段】"), name


def test_the_number_sits_under_the_title_of_numbered_kinds(rendered):
    for kind in (*LETTERS, *NOTICES):
        paras = [p for p in _paragraphs(_doc(rendered[kind, "full"])) if p]
        assert paras[paras.index(kind.label) + 1] == samples.doc_number(kind) != ""


def test_forms_name_the_center_and_ticket_above_the_table_and_the_date_in_the_footer(rendered):
    for kind in (*ARCHIVES, DocumentKind.WORK_ORDER):
        document = _doc(rendered[kind, "full"])
        paras = _paragraphs(document)
        reference = ("工单编号：320102-20261103-0042" if kind in ARCHIVES else "紧急程度：一般\u3000\u3000工单状态：已办结")
        assert paras[:2] == [kind.label, "南京市玄武区12345政务服务便民热线" + reference]
        assert document.sections[0].footer.paragraphs[0].text.endswith("\t制表日期：2026年11月22日")
        assert paras[-1] == ""  # the 1 pt paragraph Word wants after a closing table


# --- printed ------------------------------------------------------------------------

def _missing(what: str) -> None:
    if os.environ.get("HOTLINE_DESK_CI") == "1":
        pytest.fail(f"{what} is missing, and CI must run the PDF tests (HOTLINE_DESK_CI=1)")
    pytest.skip(f"{what} is not installed")


def _run(*args: str) -> str:
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module")
def pdfs(rendered, tmp_path_factory) -> dict[tuple[DocumentKind, str], Path]:
    """Every rendered document as PDF, converted in one LibreOffice run."""
    from forms import pdf

    if pdf.find_office() is None:
        _missing("LibreOffice (soffice)")
    for tool in ("pdftotext", "pdfinfo", "pdffonts", "pdftohtml"):
        if shutil.which(tool) is None:
            _missing(f"poppler-utils ({tool})")
    folder = tmp_path_factory.mktemp("docx")
    sources = {}
    for (kind, sample), data in rendered.items():
        path = folder / f"{kind.value}-{sample}.docx"
        path.write_bytes(data)
        sources[kind, sample] = path
    out = pdf.to_pdf_many(list(sources.values()), tmp_path_factory.mktemp("pdf"))
    return {key: out[path] for key, path in sources.items()}


def _pages(path: Path) -> int:
    return int(next(line.split()[-1] for line in _run("pdfinfo", str(path)).splitlines() if line.startswith("Pages:")))


@pytest.mark.parametrize("kind", KINDS, ids=str)
def test_pages(pdfs, kind):
    full, empty, long = (_pages(pdfs[kind, s]) for s in ("full", "empty", "long"))
    if kind in LETTERS:
        assert 1 <= full <= 3 and 1 <= empty <= 2
    else:
        assert 1 <= full <= 2 and empty == 1
    assert long > max(full, 1)


@pytest.mark.parametrize("kind", KINDS, ids=str)
def test_printed_text(pdfs, kind):
    full = _squeeze(_run("pdftotext", str(pdfs[kind, "full"]), "-"))
    context = samples.full(kind)
    assert kind.label in full
    assert "南京市玄武区12345政务服务便民热线" in full
    assert ("—1—" if kind in (*LETTERS, *NOTICES) else "第1页共") in full
    if kind not in LETTERS:
        assert context["ticket_number"] in full and "A&B<优选>" in full
    if SPECS[kind].number_word:
        assert context["doc_number"] in full
    long = _squeeze(_run("pdftotext", str(pdfs[kind, "long"]), "-"))
    for name in samples.LONG_FIELDS & SPECS[kind].names:
        assert f"【{SPECS[kind].field(name).label}-第13段】" in long
    if any(f.name in LIST_HEADS for f in SPECS[kind].fields):
        assert f"（第{samples.LONG_ROWS}条）" in long


@pytest.mark.parametrize("kind", KINDS, ids=str)
def test_printed_with_embedded_chinese_fonts(pdfs, kind):
    rows = _run("pdffonts", str(pdfs[kind, "full"])).splitlines()[2:]
    assert rows and all(" yes " in row for row in rows), rows  # every font embedded
    cjk = re.compile(r"CJK|Sim(Sun|Hei)|FangSong|SourceHan|WenQuanYi|Droid|Song|Hei", re.IGNORECASE)
    assert any(cjk.search(row.split()[0]) for row in rows), rows


def _font_of(pdf_file: Path, text: str) -> str:
    """The font of the printed run that holds ``text`` (poppler's pdftohtml -xml: each text run
    with its fontspec)."""
    root = ElementTree.fromstring(_run("pdftohtml", "-xml", "-i", "-stdout", str(pdf_file)))
    families = {spec.get("id"): spec.get("family") for spec in root.iter("fontspec")}
    for run in root.iter("text"):
        if text in "".join(run.itertext()):
            return families[run.get("font")]
    raise AssertionError(f"“{text}” is not printed in {pdf_file.name}")


@pytest.mark.parametrize(("kind", "text"), [
    (DocumentKind.MEDIATION_LETTER, samples.TEXTS["request"][:12]),  # a paragraph of the letter, 仿宋
    (DocumentKind.WORK_ORDER, samples.TEXTS["title"]),  # a value in the form's table, 仿宋
    (DocumentKind.DISPATCH_NOTICE, samples.TEXTS["dispatch_opinion"][:10]),
], ids=str)
def test_fangsong_text_prints_in_a_song_face_where_windows_fonts_are_missing(pdfs, kind, text):
    """The body is set in 仿宋; without the Windows fonts it must print in a Song (serif) face, not
    in the sans face fontconfig falls back to (forms.pdf: the replacement is made always)."""
    from forms import pdf

    families = pdf.installed_families()
    font = _font_of(pdfs[kind, "full"], text)
    if families is None or "FangSong" in families:  # Windows, or the Windows fonts copied here
        assert "FangSong" in font, font  # the real font is there: nothing replaces it
        return
    assert "NotoSerifCJK" in font and "Sans" not in font, font
    rows = _run("pdffonts", str(pdfs[kind, "full"])).splitlines()[2:]
    assert any(font in row and " yes " in row for row in rows), rows  # and embedded
