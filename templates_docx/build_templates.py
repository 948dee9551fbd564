"""The bundled Word templates of ``forms.catalog``, built with python-docx.

    python templates_docx/build_templates.py

regenerates them (``templates_docx/<kind>.docx``, one per ``forms.catalog.SPECS``
entry), byte for byte the same on every run: fixed document properties, zip entries
in python-docx's order with a fixed time stamp, no thumbnail. Edit this script, not
the .docx files, and commit both; ``tests/forms/test_templates.py`` checks that the
committed files are what the script builds and that each passes the catalog.

Layout (GB/T 9704 党政机关公文格式 where one of its rules applies):

- A4, left 2.8 cm, right 2.6 cm (text width 15.6 cm). Letters (调解书, 终止调解书)
  take GB/T 9704's top 3.7 cm and bottom 3.5 cm; the notices and forms, mostly
  table, take 2.5 cm top and bottom so that a usual ticket fits on one page.
- Page number in the footer as a PAGE field: "— 1 —" (宋体 四号) on letters and
  notices; "第 1 页 共 2 页" (宋体 五号, PAGE and NUMPAGES) on the forms, with the
  form's 制表日期 at the right of the same line.
- Fonts by their English family names, SimSun (宋体), FangSong (仿宋) and SimHei
  (黑体): Word and WPS find them on Windows under either name, and LibreOffice on
  Linux substitutes SimSun with Noto Serif CJK SC (FangSong and SimHei become Noto
  Sans CJK SC). Latin letters and digits in Times New Roman. Every style, run and the
  document defaults name the East Asian font with the language zh-CN; the font table
  gives the Chinese names, GB2312 charset and panose for Word's own substitution.
- Titles 宋体 bold: 二号 (22 pt) on letters and notices, 小二 (18 pt) on forms.
  Letter text 仿宋 三号 (16 pt) on a fixed 28 pt line (22 lines a page, GB/T 9704
  7.1), section headings 黑体 三号; notice text 仿宋 小三 (15 pt) on 26 pt.
  Tables: labels 黑体 小四 (12 pt), entries 宋体 小四, on a fixed 16 pt line.
- Tables: fixed layout, columns adding up to the text width, single 0.5 pt borders.
  The rows of a list (``{%tr for %}``) sit under a header row that repeats on each
  page and are kept whole unless taller than a page; the other rows may split, so a
  long text flows on to the next page.
- The closing (签字, 落款, date) is chained to the text before it with "keep with
  next", so it never stands alone on a page; in the notices every paragraph of the
  table keeps with the next too (see ``Builder.table``), and the forms end with their
  table, their date being in the footer.

Template tags are always whole runs (one ``add_run`` a tag), so Word never splits
them. A value with line breaks becomes several paragraphs of the style it sits in
(``forms.render``), which is why long values stand in paragraphs of their own.
"""
from __future__ import annotations

import io
import itertools
import sys
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Emu, Pt
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph
from lxml import etree

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:
    sys.path.insert(0, str(HERE.parent))

from forms.catalog import SPECS, DocumentKind

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
SONG, FANGSONG, HEI, LATIN = "SimSun", "FangSong", "SimHei", "Times New Roman"
FONT_TABLE = (  # name, Chinese name, panose, family
    (SONG, "宋体", "02010600030101010101", "auto"),
    (FANGSONG, "仿宋", "02010609060101010101", "modern"),
    (HEI, "黑体", "02010609060101010101", "modern"),
)
FIXED_TIME = datetime(2026, 1, 1, tzinfo=UTC)
ZIP_TIME = (2026, 1, 1, 0, 0, 0)

LEFT_CM, RIGHT_CM = 2.8, 2.6
TEXT_W_CM = 21.0 - LEFT_CM - RIGHT_CM  # 15.6
CELL_PT, CELL_LINE_PT = 12, 16  # Word's single spacing of 12 pt SimSun is 15.6 pt
TAB_ALIGN = {"left": WD_TAB_ALIGNMENT.LEFT, "center": WD_TAB_ALIGNMENT.CENTER, "right": WD_TAB_ALIGNMENT.RIGHT}


@dataclass(frozen=True)
class Layout:
    top_cm: float
    bottom_cm: float
    footer_cm: float  # from the page's bottom edge
    title_pt: float
    default_font: str  # docDefaults and Normal
    default_pt: float
    text_pt: float  # 仿宋 text outside tables
    text_line_pt: float  # its exact line height
    page_of: bool  # 第 1 页 共 2 页 instead of — 1 —


LETTER = Layout(3.7, 3.5, 2.5, 22, FANGSONG, 16, 16, 28, False)
NOTICE = Layout(2.5, 2.5, 1.5, 22, FANGSONG, 15, 15, 26, False)
FORM = Layout(2.5, 2.5, 1.5, 18, SONG, CELL_PT, 15, 26, True)


# --- XML helpers ------------------------------------------------------------------

def _set(parent, tag: str, **attrs: str):
    """The child ``w:tag`` of ``parent`` (made if missing) with these ``w:`` attributes."""
    el = parent.find(qn(tag))
    if el is None:
        el = OxmlElement(tag)
        parent.append(el)
    for k, v in attrs.items():
        el.set(qn(f"w:{k}"), v)
    return el


# Schema order of the children this script writes (Word rejects a document otherwise).
_ORDER = {
    "rPr": ("rStyle", "rFonts", "b", "bCs", "i", "iCs", "color", "spacing", "kern", "sz", "szCs", "u", "lang"),
    "pPr": ("pStyle", "keepNext", "keepLines", "pageBreakBefore", "widowControl", "tabs", "spacing", "ind", "jc",
            "rPr"),
    "tblPr": ("tblStyle", "tblW", "jc", "tblInd", "tblBorders", "tblLayout", "tblCellMar", "tblLook"),
    "trPr": ("cantSplit", "trHeight", "tblHeader"),
}


def _reorder(el) -> None:
    order = _ORDER[etree.QName(el).localname]
    for child in sorted(el, key=lambda c: order.index(etree.QName(c).localname)):
        el.append(child)


def _fonts(rpr, east: str, latin: str = LATIN, size: float | None = None, bold: bool = False) -> None:
    """rFonts naming every script (a theme font would win over them), size, zh-CN."""
    old = rpr.find(qn("w:rFonts"))
    if old is not None:
        rpr.remove(old)
    fonts = _set(rpr, "w:rFonts")
    for k, v in (("ascii", latin), ("hAnsi", latin), ("eastAsia", east), ("cs", latin), ("hint", "eastAsia")):
        fonts.set(qn(f"w:{k}"), v)
    if bold:
        _set(rpr, "w:b")
        _set(rpr, "w:bCs")
    if size is not None:
        _set(rpr, "w:sz", val=str(round(size * 2)))
        _set(rpr, "w:szCs", val=str(round(size * 2)))
    _set(rpr, "w:lang", val="en-US", eastAsia="zh-CN", bidi="ar-SA")
    _reorder(rpr)


# --- styles -----------------------------------------------------------------------

@dataclass(frozen=True)
class Style:
    style_id: str
    name: str  # what Word shows in its style list
    font: str
    size: float
    line: float | None  # exact line height in pt; None: single
    align: str = "both"
    indent: bool = False  # first line indented two characters
    right_indent: bool = False  # two characters from the right margin (落款)
    bold: bool = False
    before: float = 0
    after: float = 0
    keep_next: bool = False
    latin: str = LATIN


def _styles(layout: Layout) -> list[Style]:
    ts, tl = layout.text_pt, layout.text_line_pt
    return [
        Style("HdTitle", "文书标题", SONG, layout.title_pt, None, "center", bold=True, keep_next=True),
        Style("HdNumber", "文书编号", FANGSONG, ts, tl, "center", after=ts * 0.75, keep_next=True),
        Style("HdBody", "文书正文", FANGSONG, ts, tl, indent=True),
        Style("HdBodyFlush", "文书正文（顶格）", FANGSONG, ts, tl),
        # Left, not justified: a long ID or phone number would stretch the line before it.
        Style("HdBodyLeft", "文书正文（左对齐）", FANGSONG, ts, tl, "left", indent=True),
        Style("HdHeading", "文书小标题", HEI, ts, tl, indent=True, keep_next=True),
        Style("HdSignLine", "签字栏", FANGSONG, ts, 34, "left", keep_next=True),
        Style("HdSpacer", "空行", FANGSONG, ts, 14, keep_next=True),
        Style("HdClosing", "落款", FANGSONG, ts, tl, "right", right_indent=True, keep_next=True),
        Style("HdClosingDate", "落款日期", FANGSONG, ts, tl, "right", right_indent=True),
        Style("HdLabel", "表格标签", HEI, CELL_PT, CELL_LINE_PT, "center"),
        Style("HdLabelLeft", "表格标签（左）", HEI, CELL_PT, CELL_LINE_PT, "left"),
        Style("HdCell", "表格内容", SONG, CELL_PT, CELL_LINE_PT, "left"),
        Style("HdCellCenter", "表格内容（居中）", SONG, CELL_PT, CELL_LINE_PT, "center"),
        Style("HdCaption", "表格标题", HEI, CELL_PT, CELL_LINE_PT, "left", before=8, after=4, keep_next=True),
        Style("HdRefLine", "编号栏", SONG, 10.5, None, "left", after=4, keep_next=True),
        # Word wants a paragraph after a table that ends the document; at 1 pt it never
        # makes a page of its own.
        Style("HdEnd", "表后", SONG, 1, 1, "left"),
        Style("HdPageNumber", "页码", SONG, 14, None, "center", latin=SONG),
        Style("HdPageNumberSmall", "页码（小）", SONG, 10.5, None, "center"),
    ]


def _add_style(doc: DocxDocument, spec: Style) -> None:
    assert spec.style_id not in {s.style_id for s in doc.styles}, f"{spec.style_id} is taken"
    style = doc.styles.add_style(spec.name, WD_STYLE_TYPE.PARAGRAPH)
    style.style_id = spec.style_id
    style.base_style = doc.styles["Normal"]
    style.quick_style = True
    ppr = style.element.get_or_add_pPr()
    if spec.keep_next:
        _set(ppr, "w:keepNext")
    _set(ppr, "w:widowControl")
    spacing = {"before": str(round(spec.before * 20)), "after": str(round(spec.after * 20))}
    if spec.line is None:
        spacing.update(line="240", lineRule="auto")
    else:
        spacing.update(line=str(round(spec.line * 20)), lineRule="exact")
    _set(ppr, "w:spacing", **spacing)
    two_chars = str(round(spec.size * 2 * 20))
    if spec.indent:
        _set(ppr, "w:ind", firstLine=two_chars)
    if spec.right_indent:
        _set(ppr, "w:ind", right=two_chars)
    _set(ppr, "w:jc", val=spec.align)
    _reorder(ppr)
    _fonts(style.element.get_or_add_rPr(), spec.font, spec.latin, spec.size, spec.bold)


def _prepare(doc: DocxDocument, layout: Layout) -> None:
    """Defaults, styles, font table and settings of python-docx's blank document, made Chinese."""
    styles = doc.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    _fonts(defaults.find(qn("w:rPrDefault")).find(qn("w:rPr")), layout.default_font, size=layout.default_pt)
    _set(defaults.find(qn("w:pPrDefault")).find(qn("w:pPr")), "w:spacing", after="0", line="240", lineRule="auto")
    _fonts(doc.styles["Normal"].element.get_or_add_rPr(), layout.default_font, size=layout.default_pt)
    for spec in _styles(layout):
        _add_style(doc, spec)

    part = doc.part.part_related_by(RT.FONT_TABLE)
    root = etree.fromstring(part.blob)
    for name, alt, panose, family in FONT_TABLE:
        font = etree.SubElement(root, f"{{{W_NS}}}font", {f"{{{W_NS}}}name": name})
        for tag, val in (("altName", alt), ("panose1", panose), ("charset", "86"), ("family", family),
                         ("pitch", "variable")):
            etree.SubElement(font, f"{{{W_NS}}}{tag}", {f"{{{W_NS}}}val": val})
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)

    settings = doc.settings.element
    for tag, attr, val in (("w:themeFontLang", "eastAsia", "zh-CN"),
                           ("w:characterSpacingControl", "val", "compressPunctuation"),
                           ("w:defaultTabStop", "val", "420")):
        el = settings.find(qn(tag))
        if el is not None:
            el.set(qn(f"w:{attr}"), val)
    zoom = settings.find(qn("w:zoom"))
    if zoom is not None:
        zoom.attrib.clear()
        zoom.set(qn("w:percent"), "100")


# --- the document builder ---------------------------------------------------------

@dataclass(frozen=True)
class Tab:
    """A tab in a paragraph; underlined, it is a line to sign on."""

    underline: bool = False


Runs = Sequence["str | Tab"]


class Builder:
    def __init__(self, kind: DocumentKind, layout: Layout) -> None:
        self.kind = kind
        self.layout = layout
        self.doc = Document()
        _prepare(self.doc, layout)
        self._page()
        self._properties()

    def _page(self) -> None:
        section = self.doc.sections[0]
        section.page_width, section.page_height = Cm(21.0), Cm(29.7)
        section.top_margin, section.bottom_margin = Cm(self.layout.top_cm), Cm(self.layout.bottom_cm)
        section.left_margin, section.right_margin = Cm(LEFT_CM), Cm(RIGHT_CM)
        section.header_distance, section.footer_distance = Cm(1.5), Cm(self.layout.footer_cm)
        footer = section.footer
        footer.is_linked_to_previous = False
        p = footer.paragraphs[0]
        if self.layout.page_of:  # the form's date on every page: nothing trails its table
            self.p("页码（小）", Tab(), "第 ", into=p, tabs=((TEXT_W_CM / 2, "center"), (TEXT_W_CM, "right")))
            p.alignment = WD_ALIGN_PARAGRAPH.LEFT
            self._field(p, "PAGE")
            p.add_run(" 页  共 ")
            self._field(p, "NUMPAGES")
            self.p("页码（小）", " 页", Tab(), "制表日期：", "{{ issued_on }}", into=p)
        else:
            p.style = self.doc.styles["页码"]
            p.add_run("— ")
            self._field(p, "PAGE")
            p.add_run(" —")

    @staticmethod
    def _field(p: Paragraph, instr: str) -> None:
        p.add_run()._r.append(OxmlElement("w:fldChar", {qn("w:fldCharType"): "begin"}))
        code = OxmlElement("w:instrText", {qn("xml:space"): "preserve"})
        code.text = f" {instr} "
        p.add_run()._r.append(code)
        p.add_run()._r.append(OxmlElement("w:fldChar", {qn("w:fldCharType"): "separate"}))
        p.add_run("1")
        p.add_run()._r.append(OxmlElement("w:fldChar", {qn("w:fldCharType"): "end"}))

    def _properties(self) -> None:
        props = self.doc.core_properties
        props.title = self.kind.label
        props.subject = SPECS[self.kind].clause
        props.author = props.last_modified_by = "热线工作台"
        props.comments = "python templates_docx/build_templates.py regenerates this template."
        props.keywords = self.kind.value
        props.category = "热线工作台文书模板"
        props.created = props.modified = FIXED_TIME
        props.revision = 1

    def p(self, style: str, *runs: str | Tab, keep_next: bool | None = None,
          tabs: Sequence[tuple[float, str]] = (), into: Paragraph | None = None) -> Paragraph:
        """A paragraph in ``style`` (its Chinese name); each string is one run, so a tag is whole."""
        para = self.doc.add_paragraph(style=style) if into is None else into
        if into is not None:
            para.style = self.doc.styles[style]
        for stop_cm, align in tabs:
            para.paragraph_format.tab_stops.add_tab_stop(Cm(stop_cm), TAB_ALIGN[align])
        if keep_next is not None:
            para.paragraph_format.keep_with_next = keep_next
        for item in runs:
            if isinstance(item, str):
                para.add_run(item)
                continue
            r = para.add_run()
            r._r.append(OxmlElement("w:tab"))
            if item.underline:
                _set(r._r.get_or_add_rPr(), "w:u", val="single")
        return para

    def tag(self, tag: str, style: str = "文书正文") -> None:
        """A paragraph holding only a ``{%p … %}`` tag, which docxtpl removes with it."""
        self.p(style, tag)

    def title(self, *lines: Runs) -> None:
        for line in lines:
            self.p("文书标题", *line)

    def number_line(self) -> None:
        self.p("文书编号", "{{ doc_number }}")

    def table(self, widths_cm: Sequence[float], row_cm: float | None = None, side_twips: int = 85,
              keep_next: bool = False) -> TableBuilder:
        """A table of these columns (cm, adding up to the text width); ``row_cm`` is the
        least height of a row (room to write by hand on a blank form); ``side_twips`` the
        space between a cell's border and its text, left and right (85: 0.15 cm).

        ``keep_next``: every paragraph keeps with the next, so the table's end stays on
        the page of what follows it. LibreOffice honours that only when every paragraph of
        the table has it (it then keeps the last row with the next paragraph); Word then
        breaks the table only inside a row's text, which the long-text rows allow."""
        assert abs(sum(widths_cm) - TEXT_W_CM) < 0.001, (self.kind, sum(widths_cm))
        return TableBuilder(self, widths_cm, row_cm, side_twips, keep_next)

    def save(self, path: Path) -> None:
        buf = io.BytesIO()
        self.doc.save(buf)
        path.write_bytes(_deterministic(buf.getvalue()))


# --- tables -----------------------------------------------------------------------

@dataclass(frozen=True)
class C:
    """A table cell: paragraphs as (style, runs), its grid span or width, vertical alignment."""

    paras: Sequence[tuple[str, Runs]]
    span: int = 1
    valign: str = "center"
    width: float | None = None  # cm; the span is then the grid columns adding up to it


def _tag(name: str) -> str:
    return "{{ " + name + " }}"


def label(text: str, span: int = 1, *, w: float | None = None) -> C:
    """A label; a "\n" in it is a line break where the standard breaks it."""
    return C((("表格标签", (text,)),), span, width=w)


def value(name: str, span: int = 1, *, center: bool = False, w: float | None = None) -> C:
    return C((("表格内容（居中）" if center else "表格内容", (_tag(name),)),), span, width=w)


def text_box(name: str, span: int = 1, *, w: float | None = None) -> C:
    """A long text: top-aligned; the row grows and may split over pages."""
    return C((("表格内容", (_tag(name),)),), span, "top", w)


def boxed(title: str, name: str, span: int) -> C:
    """A wide box with its label on the first line ("主要内容：") and the text under it."""
    return C((("表格标签（左）", (title,)), ("表格内容", (_tag(name),))), span, "top")


BLANK = C((("表格内容", ()),))


def grid(*rows: Sequence[float]) -> list[float]:
    """The grid columns (cm) on which rows of these cell widths all fit: the union of their edges."""
    edges = sorted({round(sum(r[:i]), 3) for r in rows for i in range(len(r) + 1)})
    return [round(b - a, 3) for a, b in itertools.pairwise(edges)]


class TableBuilder:
    def __init__(self, builder: Builder, widths_cm: Sequence[float], row_cm: float | None, side_twips: int,
                 keep_next: bool) -> None:
        self.b, self.cm, self.row_cm, self.keep_next = builder, list(widths_cm), row_cm, keep_next
        self.table: Table = builder.doc.add_table(rows=0, cols=len(widths_cm))
        tbl = self.table._tbl
        for col, w in zip(tbl.tblGrid.gridCol_lst, widths_cm):
            col.w = Cm(w)
        tblPr = tbl.tblPr
        for el in list(tblPr):
            tblPr.remove(el)  # python-docx's "Table Grid" style and autofit width
        _set(tblPr, "w:tblW", w=str(Cm(TEXT_W_CM).twips), type="dxa")
        _set(tblPr, "w:jc", val="center")
        borders = _set(tblPr, "w:tblBorders")
        for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
            _set(borders, f"w:{side}", val="single", sz="4", space="0", color="000000")  # 0.5 pt
        _set(tblPr, "w:tblLayout", type="fixed")
        margins = _set(tblPr, "w:tblCellMar")
        for side, twips in (("top", 45), ("left", side_twips), ("bottom", 45), ("right", side_twips)):
            _set(margins, f"w:{side}", w=str(twips), type="dxa")
        _set(tblPr, "w:tblLook", val="0000", firstRow="0", lastRow="0", firstColumn="0", lastColumn="0",
             noHBand="1", noVBand="1")
        _reorder(tblPr)

    def _spans(self, cells: Sequence[C]) -> list[int]:
        spans, col = [], 0
        for c in cells:
            span, total = c.span, None
            if c.width is not None:
                span, total = 0, 0.0
                while total < c.width - 0.001:
                    total += self.cm[col + span]
                    span += 1
                assert abs(total - c.width) < 0.001, (self.b.kind, c, "does not end on a grid line")
            spans.append(span)
            col += span
        assert col == len(self.cm), (self.b.kind, cells)
        return spans

    def row(self, cells: Sequence[C], *, height_cm: float | None = None, header: bool = False,
            whole: bool = False) -> None:
        """One row. ``header``: repeated atop each page; ``whole``: not cut at a page end
        unless taller than a page."""
        spans = self._spans(cells)
        tr = self.table._tbl.add_tr()
        trPr = tr.get_or_add_trPr()
        if whole:
            _set(trPr, "w:cantSplit")
        height_cm = height_cm or self.row_cm
        if height_cm:
            _set(trPr, "w:trHeight", val=str(Cm(height_cm).twips), hRule="atLeast")
        if header:
            _set(trPr, "w:tblHeader")
        _reorder(trPr)
        col = 0
        for c, span in zip(cells, spans):
            tc = tr.add_tc()
            tc.width = Emu(sum(Cm(w) for w in self.cm[col:col + span]))
            if span > 1:
                tc.get_or_add_tcPr().grid_span = span
            _set(tc.get_or_add_tcPr(), "w:vAlign", val=c.valign)
            cell = _Cell(tc, self.table)
            for i, (style, runs) in enumerate(c.paras):
                into = cell.paragraphs[0] if i == 0 else cell.add_paragraph()
                self.b.p(style, *runs, into=into, keep_next=self.keep_next or None)
            col += span

    def tag_row(self, tag: str) -> None:
        """A row holding only a ``{%tr … %}`` tag, which docxtpl removes with it."""
        self.row([C((("表格内容", (tag,)),), len(self.cm))])


def _deterministic(data: bytes) -> bytes:
    """The same bytes every run: fixed entry times; no thumbnail of python-docx's own template."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename == "docProps/thumbnail.jpeg":
                continue
            blob = src.read(info.filename)
            if info.filename == "_rels/.rels":
                root = etree.fromstring(blob)
                for rel in [r for r in root if r.get("Target", "").endswith("thumbnail.jpeg")]:
                    root.remove(rel)
                blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
            entry = zipfile.ZipInfo(info.filename, ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, blob)
    return out.getvalue()


# --- 调解书 and 终止调解书 (12365 6.3.5.2.2) ------------------------------------------

_PARTY: tuple[str, ...] = (
    "{{ p.name }}",
    "{% if p.gender %}", "，", "{{ p.gender }}", "{% endif %}",
    "{% if p.id_number %}", "，证件号码：", "{{ p.id_number }}", "{% endif %}",
    "{% if p.address %}", "，住所：", "{{ p.address }}", "{% endif %}",
    "{% if p.phone %}", "，联系电话：", "{{ p.phone }}", "{% endif %}", "。",
)


def _parties(b: Builder, role: str, items: str) -> None:
    """"投诉人：张三，男，证件号码：…。" a party, its representative's line when it has one,
    and a bare "投诉人：" line to fill in by hand when there is no party."""
    b.tag("{%p for p in " + items + " %}")
    b.p("文书正文（左对齐）", f"{role}：", *_PARTY)
    b.tag("{%p if p.representative %}")
    b.p("文书正文（左对齐）", "{% if p.representative_role %}", "{{ p.representative_role }}", "{% else %}",
        "委托代理人", "{% endif %}", "：", "{{ p.representative }}", "。")
    b.tag("{%p endif %}")
    b.tag("{%p else %}")
    b.p("文书正文（左对齐）", f"{role}：")
    b.tag("{%p endfor %}")


_SIGN_TABS = ((9.6, "left"), (10.1, "left"), (TEXT_W_CM, "left"))


def _sign_lines(b: Builder, who: str, items: str) -> None:
    """A line to sign and date for each party (one when there is none)."""
    runs = (who, Tab(underline=True), Tab(), "日期：", Tab(underline=True))
    b.tag("{%p for p in " + items + " %}", "签字栏")
    b.p("签字栏", *runs, tabs=_SIGN_TABS)
    b.tag("{%p else %}", "签字栏")
    b.p("签字栏", *runs, tabs=_SIGN_TABS)
    b.tag("{%p endfor %}", "签字栏")


def _letter(kind: DocumentKind) -> Builder:
    b = Builder(kind, LETTER)
    b.title(["{{ center_name }}"], [kind.label])
    b.number_line()
    _parties(b, "投诉人", "complainants")
    _parties(b, "被投诉人", "respondents")

    b.p("文书小标题", "一、投诉请求")
    b.p("文书正文", "{{ request }}")
    b.p("文书小标题", "二、争议事实")
    b.p("文书正文", "{{ facts }}")
    b.p("文书小标题", "三、调解经过")
    t = b.table([3.2, 3.0, 2.6, 6.8])
    t.row([label("时间"), label("地点"), label("调解人员"), label("调解记录")], header=True, height_cm=0.8)
    t.tag_row("{%tr for s in sessions %}")
    t.row([value("s.at", center=True), value("s.place"), value("s.mediators", center=True), value("s.record")],
          whole=True)
    t.tag_row("{%tr else %}")
    t.row([BLANK] * 4, height_cm=1.6)
    t.tag_row("{%tr endfor %}")

    if kind is DocumentKind.MEDIATION_LETTER:
        b.p("文书小标题", "四、调解协议")
        b.p("文书正文", "经本中心主持调解，双方当事人", "{% if concluded_on %}", "于", "{{ concluded_on }}",
            "{% endif %}", "自愿达成如下协议：", keep_next=True)
        b.p("文书正文", "{{ agreement }}")
        closing = (("本调解书经双方当事人签字（盖章）、调解员签字并加盖本中心印章后生效，双方当事人应当自觉履行。"
                    "本调解书一式三份，双方当事人各执一份，本中心存档一份。"),)
    else:
        b.p("文书小标题", "四、终止调解理由")
        b.p("文书正文", "{{ termination_reason }}")
        closing = ("本中心", "{% if concluded_on %}", "于", "{{ concluded_on }}", "{% endif %}",
                   "决定终止本次调解。当事人可以依法申请仲裁或者向人民法院提起诉讼。")
    # From here to the date every paragraph keeps with the next: the signatures never
    # stand on a page without the sentence they sign.
    b.p("文书正文", *closing, keep_next=True)
    b.p("空行")
    _sign_lines(b, "投诉人（签字）：", "complainants")
    _sign_lines(b, "被投诉人（签字/盖章）：", "respondents")
    b.p("签字栏", "调解员（签字）：", "{{ mediators }}", "\u3000", Tab(underline=True), tabs=_SIGN_TABS)
    b.p("空行")
    b.p("落款", "{{ center_name }}", "（盖章）")
    b.p("落款日期", "{{ issued_on }}")
    return b


# --- 归档表 (12365 appendices C, D, E) and 诉求工单 (12345 appendix D) ------------------

def _form_head(b: Builder, *right: str) -> None:
    """Title, then a small line: the center on the left, a reference on the right."""
    b.title([b.kind.label])
    b.p("编号栏", "{{ center_name }}", Tab(), *right, tabs=((TEXT_W_CM, "right"),))


def _form_end(b: Builder) -> None:
    b.p("表后")


@dataclass(frozen=True)
class Box:
    """A box of a band: its label over its value, ``width`` cm wide. ``entry``: "center"
    for a word, a date or a name; "left" for a line or two; "text" for a longer text."""

    label: str
    name: str
    width: float
    entry: str = "center"

    def cell(self) -> C:
        if self.entry == "text":
            return text_box(self.name, w=self.width)
        return value(self.name, center=self.entry == "center", w=self.width)


@dataclass(frozen=True)
class Band:
    """A row of labels over a row of values; ``height``: the least height of the values."""

    boxes: tuple[Box, ...]
    height: float = 1.6


@dataclass(frozen=True)
class Big:
    """A row of its own: the label on the left, a large box for a long text."""

    label: str
    name: str
    label_width: float
    height: float


# The standard draws each band of boxes on its own; these widths give the longer texts
# (转发情况, 处理情况, 移送情况, 审批情况) room, and a date and time two lines at most.
_WHO = (2.8, 2.2, 4.8, 3.4, 2.4)  # widths of the first band: 时间 姓名 工作单位 联系方式 接待人员


def _first_band(word: str) -> Band:
    return Band((Box(f"{word}时间", "received_at", _WHO[0]), Box("姓名", "caller_name", _WHO[1]),
                 Box("工作单位", "caller_org", _WHO[2], "left"), Box("联系方式", "caller_contact", _WHO[3]),
                 Box("接待人员", "receiver", _WHO[4])))


ARCHIVE_FORMS: dict[DocumentKind, tuple[Band | Big, ...]] = {
    DocumentKind.ARCHIVE_CONSULT: (
        _first_band("咨询"),
        Big("咨询内容", "content", 2.2, 13.0),
        Band((Box("是否受理", "accepted", 2.2), Box("转发情况", "forwarding", 3.6, "text"),
              Box("处理情况", "handling", 4.8, "text"), Box("答复时间", "replied_at", 2.8),
              Box("答复人员", "replier", 2.2)), height=2.4),
    ),
    DocumentKind.ARCHIVE_COMPLAINT: (
        _first_band("投诉"),
        Big("投诉内容", "content", 2.2, 6.5),
        Band((Box("是否受理", "accepted", 2.2), Box("移送情况", "transfer", 11.2, "left"),
              Box("是否调解", "mediated", 2.2))),
        Big("调解情况", "mediation", 2.2, 6.5),
        Band((Box("是否出具调解书或\n终止调解书", "letter_issued", 3.8), Box("审批情况", "approval", 6.8, "left"),
              Box("答复时间", "replied_at", 2.8), Box("答复人员", "replier", 2.2))),
    ),
    DocumentKind.ARCHIVE_REPORT: (
        _first_band("举报"),
        Big("举报内容", "content", 3.0, 9.0),
        Band((Box("受理情况\n（是否受理）", "accepted", 3.0), Box("移送情况", "transfer", 7.6, "left"),
              Box("答复时间", "replied_at", 2.8), Box("答复人员", "replier", 2.2))),
        Big("办理结果", "result", 3.0, 5.5),
    ),
}


def _archive(kind: DocumentKind) -> Builder:
    """The archive form: exactly the standard's boxes, in its order and words."""
    b = Builder(kind, FORM)
    _form_head(b, "工单编号：", "{{ ticket_number }}")
    bands = ARCHIVE_FORMS[kind]
    t = b.table(grid(*([x.width for x in band.boxes] if isinstance(band, Band)
                       else [band.label_width, TEXT_W_CM - band.label_width] for band in bands)))
    for band in bands:
        if isinstance(band, Big):
            t.row([label(band.label, w=band.label_width), text_box(band.name, w=TEXT_W_CM - band.label_width)],
                  height_cm=band.height)
        else:
            t.row([label(x.label, w=x.width) for x in band.boxes], height_cm=1.0)
            t.row([x.cell() for x in band.boxes], height_cm=band.height)
    _form_end(b)
    return b


def _work_order(kind: DocumentKind) -> Builder:
    """表 D 诉求工单样式: its labels in its order, then the handling records as a list; with
    是否保密 and 事发时间, which 12345 5.1.4.1 asks the work order to hold and 表 D has no box for."""
    b = Builder(kind, FORM)
    _form_head(b, "紧急程度：", "{{ urgency }}", "\u3000\u3000工单状态：", "{{ status }}")
    # Narrow cell padding and wider left values: a ticket number (20 characters) stays on
    # one line even where LibreOffice has only DejaVu Serif for Times New Roman.
    t = b.table([2.9, 5.4, 2.9, 4.4], row_cm=0.9, side_twips=57)
    t.row([label("工单编号"), value("ticket_number"), label("诉求提出时间"), value("received_at")])
    t.row([label("诉求来源\n（电话/网络）"), value("channel"), label("受理单位"), value("accepting_unit")])
    t.row([label("来电人"), value("caller_name"), label("来电号码"), value("caller_phone")])
    t.row([label("联系方式"), value("caller_contact"), label("是否保密"), value("confidential")])
    t.row([label("来电人地址"), value("caller_address", 3)])
    t.row([label("问题分类"), value("topic", 3)])
    t.row([label("工单分类"), value("category"), label("发生地址"), value("address")])
    t.row([label("事发时间"), value("occurred_at", 3)])
    t.row([label("被反映单位"), value("reported_unit", 3)])
    t.row([label("工单标题"), value("title", 3)])
    t.row([boxed("主要内容：", "content", 4)], height_cm=4.5)
    t.row([label("派单人员"), value("dispatcher"), label("派单时间"), value("dispatched_at")])
    t.row([boxed("派单处理意见：", "dispatch_opinion", 4)], height_cm=2.4)
    t.row([label("截止时间"), value("due_at"), label("办理时限"), value("time_limit")])
    t.row([label("承办单位"), value("units", 3)])
    t.row([boxed("办理情况：", "handling", 4)], height_cm=3.0)

    b.tag("{%p if handling_rows %}", "表格标题")
    b.p("表格标题", "办理记录")
    h = b.table([4.2, 3.4, 8.0])
    h.row([label("时间"), label("单位"), label("内容")], header=True, height_cm=0.8)
    h.tag_row("{%tr for r in handling_rows %}")
    h.row([value("r.at", center=True), value("r.unit"), value("r.text")], whole=True)
    h.tag_row("{%tr endfor %}")
    b.tag("{%p endif %}", "表格标题")
    _form_end(b)
    return b


# --- 派单通知单 and 督办通知单 -----------------------------------------------------------

NOTICE_COLS = [2.9, 4.9, 2.9, 4.9]
_CENTER = ("{% if center_name %}", "{{ center_name }}", "{% else %}", "本中心", "{% endif %}")
_CONTACT = ("{% if hotline %}", "（联系电话：", "{{ hotline }}", "）", "{% endif %}")


def _notice_head(b: Builder, *text: str) -> None:
    """Title, number, "玄武区市场监督管理局：" when the unit is known, what it is to do, and
    the ticket's number on a small line over the table."""
    b.title([b.kind.label])
    b.number_line()
    b.tag("{%p if unit %}", "文书正文（顶格）")
    b.p("文书正文（顶格）", "{{ unit }}", "：")
    b.tag("{%p endif %}", "文书正文（顶格）")
    b.p("文书正文（左对齐）", *text)
    reference = b.p("编号栏", Tab(), "工单编号：", "{{ ticket_number }}", tabs=((TEXT_W_CM, "right"),))
    reference.paragraph_format.space_before = Pt(4)


def _notice_end(b: Builder) -> None:
    b.p("落款", "{{ center_name }}").paragraph_format.space_before = Pt(8)
    b.p("落款日期", "{{ issued_on }}")


def _dispatch_notice(kind: DocumentKind) -> Builder:
    """12345 5.2.2.1: what the unit is to do and by when, then the ticket."""
    b = Builder(kind, NOTICE)
    _notice_head(b, "现将下列诉求转交你单位办理。请及时签收，按派单意见依法依规办理，",
                 "{% if due_at %}", "于", "{{ due_at }}", "前", "{% else %}", "在办理时限内", "{% endif %}",
                 "将办理结果反馈", *_CENTER, *_CONTACT, "；不属于你单位职责的，请说明理由及时退回。")
    t = b.table(NOTICE_COLS, row_cm=0.75, keep_next=True)
    t.row([label("牵头承办单位"), value("unit", 3)])
    t.row([label("协办单位"), value("co_units", 3)])
    t.row([label("诉求提出时间"), value("received_at"), label("诉求来源"), value("channel")])
    t.row([label("诉求分类"), value("category"), label("紧急程度"), value("urgency")])
    t.row([label("紧急类型"), value("emergency_type", 3)])
    t.row([label("诉求人"), value("caller_name"), label("联系电话"), value("caller_phone")])
    t.row([label("诉求人地址"), value("caller_address", 3)])
    t.row([label("发生地址"), value("address", 3)])
    t.row([label("工单标题"), value("title", 3)])
    t.row([label("诉求内容"), text_box("content", 3)], height_cm=3.0)
    t.tag_row("{%tr if alerts %}")
    t.row([label("紧急处置说明"), text_box("alerts", 3)])
    t.tag_row("{%tr endif %}")
    t.row([label("派单意见"), text_box("dispatch_opinion", 3)], height_cm=1.2)
    t.row([label("派单方式"), value("method"), label("办理时限"), value("time_limit")])
    t.row([label("派单人员"), value("dispatcher"), label("派单时间"), value("dispatched_at")])
    t.row([label("反馈截止时间"), value("due_at", 3)])
    _notice_end(b)
    return b


def _supervision_notice(kind: DocumentKind) -> Builder:
    """12345 5.2.3: the ticket and the supervision; what was done before as an annex."""
    b = Builder(kind, NOTICE)
    _notice_head(b, "你单位承办的下列工单", "{% if overdue %}", "（", "{{ overdue }}", "）", "{% endif %}",
                 "，现予督办。请高度重视，按照督办意见抓紧办理，并将办理情况和结果书面反馈", *_CENTER, *_CONTACT, "。")
    t = b.table(NOTICE_COLS, row_cm=0.75, keep_next=True)
    t.row([label("被督办单位"), value("unit"), label("督办方式"), value("supervision_kind")])
    t.row([label("工单标题"), value("title", 3)])
    t.row([label("诉求内容"), text_box("content", 3)], height_cm=3.0)
    t.row([label("派单时间"), value("dispatched_at"), label("办理截止时间"), value("due_at")])
    t.row([label("超期情况"), value("overdue", 3)])
    t.row([label("督办意见"), text_box("supervision_content", 3)], height_cm=2.0)
    t.row([label("督办人员"), value("supervisor"), label("督办时间"), value("supervised_at")])
    _notice_end(b)

    # After the closing: a long list never pushes the closing onto a page of its own.
    b.tag("{%p if earlier %}", "表格标题")
    b.p("表格标题", "附：此前催办、督办情况").paragraph_format.space_before = Pt(12)
    e = b.table([4.2, 2.4, 9.0])
    e.row([label("时间"), label("方式"), label("内容")], header=True)
    e.tag_row("{%tr for r in earlier %}")
    e.row([value("r.at", center=True), value("r.kind", center=True), value("r.content")], whole=True)
    e.tag_row("{%tr endfor %}")
    b.tag("{%p endif %}", "表格标题")
    return b


BUILDERS: dict[DocumentKind, Callable[[DocumentKind], Builder]] = {
    DocumentKind.MEDIATION_LETTER: _letter,
    DocumentKind.TERMINATION_LETTER: _letter,
    DocumentKind.ARCHIVE_CONSULT: _archive,
    DocumentKind.ARCHIVE_COMPLAINT: _archive,
    DocumentKind.ARCHIVE_REPORT: _archive,
    DocumentKind.WORK_ORDER: _work_order,
    DocumentKind.DISPATCH_NOTICE: _dispatch_notice,
    DocumentKind.SUPERVISION_NOTICE: _supervision_notice,
}


def build(kind: DocumentKind, out_dir: Path = HERE) -> Path:
    """Write the bundled template of ``kind`` into ``out_dir``; returns its path."""
    path = out_dir / SPECS[kind].template
    BUILDERS[kind](kind).save(path)
    return path


def main() -> None:
    for kind in SPECS:
        print(build(kind))


if __name__ == "__main__":
    main()
