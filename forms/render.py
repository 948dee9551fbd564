"""docxtpl rendering in a sandbox, and the check a template passes before it is used.

Templates may come from an admin, so Jinja runs sandboxed (no attribute walks
to Python internals), autoescaped (a caller's ``<`` or ``&`` must not break the
XML), and every value is made printable first: ``None`` becomes a blank, control
characters that XML cannot hold are dropped, and a line break in a long text
starts a new paragraph with the paragraph's own style (docxtpl's ``\\a``), so
long texts flow across pages as ordinary paragraphs.
"""
from __future__ import annotations

import difflib
import io
import re
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from docx.opc.exceptions import PackageNotFoundError
from docxtpl import DocxTemplate
from jinja2 import ChainableUndefined, TemplateError, TemplateSyntaxError, nodes
from jinja2.sandbox import SandboxedEnvironment, SecurityError
from lxml import etree

from core.errors import ValidationError
from forms.catalog import FormSpec

# XML 1.0 cannot hold C0 controls other than tab, newline, carriage return.
_XML_BAD = re.compile("[\x00-\x08\x0b-\x1f\x7f\ufffe\uffff]")
_TAG = re.compile(r"(\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\})", re.DOTALL)
_XML_TAGS = re.compile(r"<[^>]+>")


class TemplateProblem(ValidationError):
    """A template that cannot be used: each problem names the tag and where it is."""

    title = "模板有误"

    def __init__(self, problems: list[str]) -> None:
        super().__init__({f"template.{i}": p for i, p in enumerate(problems)})
        self.problems = list(problems)


def _blank(value: Any) -> Any:
    return "" if value is None else value


MAX_PRODUCT = 100_000  # ``'x' * n`` or ``[..] * n`` in an admin's template: no more characters or items than this


class _Sandbox(SandboxedEnvironment):
    """Jinja's sandbox, without ``safe`` (citizen text must never become Word markup) and with
    repetition bounded (a template must not fill the memory)."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**":
            raise SecurityError("模板中不能使用乘方运算（**）")
        for seq, n in ((left, right), (right, left)):
            if isinstance(seq, (str, list, tuple)) and isinstance(n, int) and len(seq) * n > MAX_PRODUCT:
                raise SecurityError(f"模板中的重复运算（*）结果太大（超过 {MAX_PRODUCT} 项）")
        return super().call_binop(context, operator, left, right)


def environment() -> SandboxedEnvironment:
    env = _Sandbox(autoescape=True, finalize=_blank, undefined=ChainableUndefined)
    del env.filters["safe"]
    return env


def printable(value: Any) -> Any:
    """What a template may receive: strings (paragraph breaks as ``\\a``), lists, dicts."""
    if value is None:
        return ""
    if isinstance(value, str):
        text = _XML_BAD.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
        return text.strip("\n").replace("\n", "\a")
    if isinstance(value, Mapping):
        return {k: printable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [printable(v) for v in value]
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def _open(template: Path | bytes) -> DocxTemplate:
    name = "模板" if isinstance(template, bytes) else f"模板“{Path(template).name}”"
    source: Any = io.BytesIO(template) if isinstance(template, bytes) else template
    if not isinstance(template, bytes) and not Path(template).is_file():
        raise TemplateProblem([f"{name}不存在：{template}。请恢复默认模板或重新选择模板文件。"])
    try:
        tpl = DocxTemplate(source)
        tpl.init_docx()
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, etree.LxmlError) as exc:
        raise TemplateProblem([f"{name}不是有效的 Word (.docx) 文件（{exc}）。请用 Word 或 WPS 另存为 .docx 后再试。"]) from exc
    return tpl


def render(template: Path | bytes, context: Mapping[str, Any]) -> bytes:
    """The filled document as .docx bytes; a template error becomes a TemplateProblem."""
    tpl = _open(template)
    try:
        tpl.render(printable(context), jinja_env=environment(), autoescape=True)
    except TemplateError as exc:
        raise TemplateProblem([_describe(exc, _paragraphs(tpl))]) from exc
    except (TypeError, ValueError, ArithmeticError, LookupError, etree.LxmlError) as exc:
        # a filter given the wrong thing, {% include %} (no loader: templates may not read files), 1/0 …
        raise TemplateProblem([f"模板无法填写：{_chinese(str(exc)) or type(exc).__name__}。"
                               "请检查模板中的运算、过滤器和标签。"]) from exc
    out = io.BytesIO()
    tpl.save(out)
    return out.getvalue()


# --- checking a template before it is accepted ---------------------------------

def _template_xml(tpl: DocxTemplate) -> str:
    """The Jinja source docxtpl renders: body, headers and footers, paragraph per line."""
    doc = tpl.docx
    parts = [tpl.xml_to_string(doc._element.body)]
    for uri in (tpl.HEADER_URI, tpl.FOOTER_URI):
        for rel in doc._part.rels.values():
            if rel.reltype == uri and rel.target_part.blob:
                parts.append(rel.target_part.blob.decode("utf-8", "replace"))
    xml = "".join(tpl.patch_xml(p) for p in parts)
    return re.sub(r"<w:p([ >])", r"\n<w:p\1", xml)


def _paragraphs(tpl: DocxTemplate) -> list[str]:
    try:
        return [_XML_TAGS.sub("", line) for line in _template_xml(tpl).splitlines()]
    except Exception:  # noqa: BLE001 - only used to point at a place; never hide the real error
        return []


def _where(lines: list[str], index: int) -> str:
    """``段落“投诉人：{{ name }}”``: text a person can find with Word's search (paragraph
    numbers would mislead: docxtpl's ``{%p %}`` tags remove their paragraphs)."""
    if not 0 <= index < len(lines) or not lines[index].strip():
        return "模板中"
    text = lines[index].strip()
    snippet = text if len(text) <= 40 else text[:40] + "…"
    return f"段落“{snippet}”中"


def _describe(exc: TemplateError, lines: list[str]) -> str:
    lineno = getattr(exc, "lineno", None)
    where = _where(lines, lineno - 1) if lineno else "模板中"
    tags = _TAG.findall(lines[lineno - 1]) if lineno and 0 < lineno <= len(lines) else []
    tag = f"标签 {tags[-1]} " if tags else ""
    detail = _chinese(exc.message or type(exc).__name__)
    if isinstance(exc, TemplateSyntaxError):
        return f"{where}{tag}有语法错误：{detail}"
    return f"{where}{tag}无法填写：{detail}"


_JINJA_WORDS = [
    (re.compile(r"Unexpected end of template.*?'(\w+)'\.?$", re.S), r"标签没有结束：缺少与“\1”配对的结束标签"),
    (re.compile(r"Encountered unknown tag '(\w+)'.*", re.S), r"未知的标签“\1”"),
    (re.compile(r"unexpected '(.+?)'"), r"多出或错放了“\1”"),
    (re.compile(r"expected token '(.+?)', got '(.+?)'"), r"这里应是“\1”，实际是“\2”"),
    (re.compile(r"unexpected char '(.+?)'.*"), r"不能使用的字符“\1”"),
]


def _chinese(message: str) -> str:
    for pattern, chinese in _JINJA_WORDS:
        match = pattern.search(message)
        if match:
            return match.expand(chinese)
    return message


def _locate(lines: list[str], needle: str) -> str:
    pattern = re.compile(r"(?<![\w.])" + r"\s*\.\s*".join(map(re.escape, needle.split("."))) + r"(?![\w])")
    for i, line in enumerate(lines):
        for tag in _TAG.findall(line):
            if pattern.search(tag):
                return _where(lines, i)
    return "模板中"


def _suggest(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    return f"，是不是“{close[0]}”？" if close else "。"


class _Walker:
    """Names and ``row.field`` uses a template makes, checked against the catalog."""

    def __init__(self, spec: FormSpec) -> None:
        self.spec = spec
        self.unknown: list[tuple[str, str]] = []  # (tag as written, suggestion)

    def visit(self, node: nodes.Node, rows: dict[str, str], local: set[str]) -> None:
        if isinstance(node, nodes.For):
            self.visit(node.iter, rows, local)
            inner_rows, inner_local = dict(rows), set(local) | {"loop"}
            for target in node.target.find_all(nodes.Name) if not isinstance(node.target, nodes.Name) else [node.target]:
                inner_local.add(target.name)
            if isinstance(node.target, nodes.Name) and isinstance(node.iter, nodes.Name):
                inner_rows[node.target.name] = node.iter.name
            for child in node.body + node.else_:
                self.visit(child, inner_rows, inner_local)
            if node.test is not None:
                self.visit(node.test, inner_rows, inner_local)
            return
        if isinstance(node, (nodes.Assign, nodes.AssignBlock)):
            for target in node.target.find_all(nodes.Name):
                local.add(target.name)
        if isinstance(node, nodes.Getattr) and isinstance(node.node, nodes.Name):
            base = node.node.name
            if base in rows:
                field = self.spec.field(rows[base])
                known = [f.name for f in field.items] if field else []
                if node.attr not in known:
                    self.unknown.append((f"{base}.{node.attr}", _suggest(node.attr, known)))
                return
            if base not in local and base in self.spec.names:
                self.unknown.append((f"{base}.{node.attr}", f"：“{base}”是一项文字，没有“{node.attr}”。"))
                return
        if isinstance(node, nodes.Name) and node.ctx == "load" and node.name not in local:
            if node.name not in self.spec.names:
                self.unknown.append((node.name, _suggest(node.name, sorted(self.spec.names))))
            return
        for child in node.iter_child_nodes():
            self.visit(child, rows, local)


def check_template(template: Path | bytes, spec: FormSpec) -> list[str]:
    """Every problem with a template for ``spec``, in Chinese; empty when it can be used."""
    try:
        tpl = _open(template)
        xml = _template_xml(tpl)
    except TemplateProblem as exc:
        return exc.problems
    lines = [_XML_TAGS.sub("", line) for line in xml.splitlines()]
    try:
        ast = environment().parse(xml)
    except TemplateSyntaxError as exc:
        return [_describe(exc, lines)]
    walker = _Walker(spec)
    walker.visit(ast, {}, set())
    problems, seen = _forbidden(ast, tpl), set()
    for tag, hint in walker.unknown:
        if tag in seen:
            continue
        seen.add(tag)
        problems.append(f"{_locate(lines, tag)}的占位符“{tag}”不是{spec.kind.label}可用的字段{hint}")
    if not problems:
        problems.extend(_trial(template, spec))
    return problems


def _forbidden(ast: nodes.Template, tpl: DocxTemplate) -> list[str]:
    """Tags that would read files, turn escaping off, or put text outside Word's text runs."""
    problems = []
    if any(True for _ in ast.find_all((nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends))):
        problems.append("模板中有 include / import / extends 标签：模板不能引用其他文件，请把内容直接写在模板里。")
    if any(True for _ in ast.find_all((nodes.EvalContextModifier, nodes.MarkSafe, nodes.MarkSafeIfAutoescape))):
        problems.append("模板中有 autoescape 标签：本程序始终转义填入的文字，请删去该标签。")
    text = _XML_TAGS.sub("", tpl.get_xml())
    for tag in sorted(set(re.findall(r"\{\{\s*[rp]\s[^}]*\}\}", text))):
        problems.append(f"标签 {tag} 是 docxtpl 的富文本/子文档标签，本程序的字段都是纯文字，请改为 {{{{ … }}}}。")
    return problems


def _trial(template: Path | bytes, spec: FormSpec) -> list[str]:
    """Render with every field filled and with every field empty: catches what only a render shows
    (bad filters, loops over text) and layouts that break when a value is blank."""
    full = {f.name: ([{i.name: i.label for i in f.items}] if f.is_list else f.label) for f in spec.fields}
    empty = {f.name: ([] if f.is_list else "") for f in spec.fields}
    for sample in (full, empty):
        try:
            out = render(template, sample)
            _strict_xml(out)
        except TemplateProblem as exc:
            return exc.problems
    return []


def _strict_xml(docx_bytes: bytes) -> None:
    """docxtpl repairs broken XML silently (tables lost); a template that needs repairs is refused."""
    with zipfile.ZipFile(io.BytesIO(docx_bytes)) as z:
        for name in z.namelist():
            if name.startswith("word/") and name.endswith(".xml"):
                try:
                    etree.fromstring(z.read(name))
                except etree.XMLSyntaxError as exc:
                    raise TemplateProblem([f"模板填写后 Word 文件结构损坏（{name}：{exc}）。常见原因：{{% if %}} 与 "
                                           "{% endif %} 不在同一段落或同一表格单元格中。"]) from exc


def require_usable(template: Path | bytes, spec: FormSpec) -> None:
    problems = check_template(template, spec)
    if problems:
        raise TemplateProblem(problems)
