"""知识库 articles: write, check (校核), publish, retire, flag; every version kept.

12345 6.3.1-6.3.4: the hotline database is kept current, and what units send is
checked (校核) before it is entered. 12365 6.1.4: hard questions met in calls
become articles. An edit to a published article sends it back to 校核, so
nothing unchecked is ever shown to an operator as the current answer.
"""
from __future__ import annotations

import datetime as dt
import difflib
import re
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

from peewee import fn

from core import attachments, clock, limits
from core.kb import answers as kb_answers
from core.errors import Conflict, NotFound, ValidationError
from core.roles import Actor, Permission
from core.service import existing, local_origin, require, write
from core.vocab import ArticleStatus, FeedbackKind
from db.models import Article, ArticleFeedback, ArticleFile, ArticleVersion, KbCategory, User

MAX_TITLE = 100
MAX_BODY = 50_000
MAX_KEYWORDS = 500
MAX_CATEGORY_NAME = 20
VERSIONED_FIELDS = ("title", "body", "keywords", "category_id", "source_unit", "effective_on", "review_on",
                    "expires_on")
FIELD_LABELS = {"title": "标题", "body": "正文", "keywords": "关键词", "category_id": "分类", "source_unit": "提供单位",
                "effective_on": "生效日期", "review_on": "复核日期", "expires_on": "失效日期"}


@dataclass
class ArticleInput:
    title: str = ""
    body: str = ""  # Markdown: headings (#), lists (- or 1.), paragraphs
    keywords: str = ""  # words and synonyms the editor adds, separated by spaces or commas
    category_id: int | None = None
    source_unit: str = ""  # 提供单位 (12345 6.3.4)
    effective_on: str = ""  # YYYY-MM-DD
    review_on: str = ""
    expires_on: str = ""
    source_ref: str = ""  # key of an imported article, so a re-import updates it
    category_path: str = ""  # "一级/二级": when set, the category is found or made by name


def _date(value: str, field: str, errors: dict[str, str]) -> dt.date | None:
    value = value.strip()
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        errors[field] = f"{FIELD_LABELS[field]}“{value}”不是日期，请写成 2026-01-31 这样"
        return None


def validate(data: ArticleInput) -> ArticleInput:
    """Cleaned input, or ValidationError naming each bad field."""
    errors: dict[str, str] = {}
    clean = ArticleInput(**{**data.__dict__})
    clean.title = " ".join(data.title.split())
    clean.body = data.body.strip().replace("\r\n", "\n")
    clean.keywords = " ".join(data.keywords.replace("，", " ").replace(",", " ").replace("、", " ").split())
    clean.source_unit = data.source_unit.strip()
    if not clean.title:
        errors["title"] = "请填写标题"
    elif len(clean.title) > MAX_TITLE:
        errors["title"] = f"标题不能超过 {MAX_TITLE} 字（现在 {len(clean.title)} 字）"
    if not clean.body:
        errors["body"] = "请填写正文"
    elif len(clean.body) > MAX_BODY:
        errors["body"] = f"正文不能超过 {MAX_BODY:,} 字（现在 {len(clean.body):,} 字），请拆成几篇"
    if len(clean.keywords) > MAX_KEYWORDS:
        errors["keywords"] = f"关键词不能超过 {MAX_KEYWORDS} 字"
    if len(clean.source_unit) > limits.LINE:
        errors["source_unit"] = f"{FIELD_LABELS['source_unit']}不能超过 {limits.LINE} 字"
    effective = _date(data.effective_on, "effective_on", errors)
    review = _date(data.review_on, "review_on", errors)
    expires = _date(data.expires_on, "expires_on", errors)
    if effective and expires and expires <= effective:
        errors["expires_on"] = "失效日期应晚于生效日期"
    if effective and review and review < effective:
        errors["review_on"] = "复核日期不应早于生效日期"
    if errors:
        raise ValidationError(errors)
    for name, value in (("effective_on", effective), ("review_on", review), ("expires_on", expires)):
        setattr(clean, name, value.isoformat() if value else "")
    return clean


def _article(article_id: int) -> Article:
    article = existing(Article, article_id, "这篇知识已不存在，请刷新后重试。")
    return article


def _snapshot(article_id: int, version: int, status: str, fields: dict, actor: Actor | None, note: str) -> None:
    ArticleVersion.create(article=article_id, version=version, status=status, changed_at=clock.stamp(),
                          changed_by=actor.user_id if actor else None, note=note, **fields)


def working(article: Article) -> Article | ArticleVersion:
    """Where an article's newest text is: its row, or the edit of it that awaits 校核."""
    if article.pending_version is None:
        return article
    return ArticleVersion.get(ArticleVersion.article == article.id, ArticleVersion.version == article.pending_version)


def _open_feedback(article_id: int) -> int:
    return ArticleFeedback.select().where(ArticleFeedback.article == article_id,
                                          ArticleFeedback.resolved_at == "").count()


def _latest_version(article_id: int) -> int:
    return ArticleVersion.select(fn.MAX(ArticleVersion.version)).where(ArticleVersion.article == article_id).scalar() or 0


def save_article(actor: Actor, article_id: int | None, data: ArticleInput, note: str = "",
                 answers: list[int] | None = None) -> int:
    """A new draft, or a new version of an article.

    An edit to a published article is kept beside it as 待校核 (pending_version):
    operators go on finding the checked text until a reviewer publishes the
    edit (12345 6.3.4), so fixing a typo never takes an answer off the line.
    ``answers``: open questions (ticket ids) the article is written for, linked
    in the same transaction (12365 6.1.4).
    """
    clean = validate(data)
    action = "kb.add" if article_id is None else "kb.edit"
    with write(actor, Permission.KB_EDIT, action, "kb_article") as tx:
        now = clock.stamp()
        fields = {name: getattr(clean, name) for name in VERSIONED_FIELDS}
        if clean.category_path.strip():
            fields["category_id"] = category_for_path(clean.category_path)
        if article_id is None:
            article = Article.create(uid=str(uuid.uuid4()), origin=local_origin(), updated_at=now,
                                     status=ArticleStatus.DRAFT.value, source_ref=clean.source_ref,
                                     created_by=actor.user_id, updated_by=actor.user_id, **fields)
            _snapshot(article.id, 1, article.status, fields, actor, note)
            version = 1
        else:
            article = _article(article_id)
            if article.status == ArticleStatus.RETIRED:
                raise Conflict("这篇知识已停用；请先重新启用再修改。")
            current = working(article)
            if all(getattr(current, n) == v for n, v in fields.items()):
                if answers:
                    kb_answers.link_inside(article.id, answers)
                return article.id  # nothing changed: no new version
            version = _latest_version(article.id) + 1
            if article.status == ArticleStatus.PUBLISHED:
                Article.update(pending_version=version, rev=Article.rev + 1, updated_at=now,
                               updated_by=actor.user_id).where(Article.id == article.id).execute()
                _snapshot(article.id, version, ArticleStatus.PENDING.value, fields, actor, note)
            else:
                Article.update(version=version, rev=Article.rev + 1, updated_at=now, updated_by=actor.user_id,
                               **fields).where(Article.id == article.id).execute()
                _snapshot(article.id, version, article.status, fields, actor, note)
        if answers:
            kb_answers.link_inside(article.id, answers)
        tx.object_uid = article.uid
        tx.detail = {"version": version, "title": clean.title, **({"answers": sorted(answers)} if answers else {})}
    return article.id


_MOVES: dict[str, tuple[set[ArticleStatus], ArticleStatus, Permission]] = {
    "submit": ({ArticleStatus.DRAFT}, ArticleStatus.PENDING, Permission.KB_EDIT),
    "publish": ({ArticleStatus.PENDING, ArticleStatus.DRAFT}, ArticleStatus.PUBLISHED, Permission.KB_REVIEW),
    "send_back": ({ArticleStatus.PENDING}, ArticleStatus.DRAFT, Permission.KB_REVIEW),
    "retire": ({ArticleStatus.DRAFT, ArticleStatus.PENDING, ArticleStatus.PUBLISHED}, ArticleStatus.RETIRED,
               Permission.KB_REVIEW),
    "restore": ({ArticleStatus.RETIRED}, ArticleStatus.PENDING, Permission.KB_REVIEW),
}


def move(actor: Actor, article_id: int, step: str, note: str = "") -> None:
    """submit (→待校核), publish (校核通过), send_back (退回修改), retire (停用), restore.

    On a published article with an edit awaiting 校核, publish puts the edit in
    its place and send_back drops it (it stays in the version history).
    """
    allowed, target, permission = _MOVES[step]
    with write(actor, permission, f"kb.{step}", "kb_article") as tx:
        article = _article(article_id)
        edit = article.pending_version
        published = article.status == ArticleStatus.PUBLISHED
        on_edit = edit is not None and published and step in ("publish", "send_back")
        # 校核 of a published article someone reported: publishing again confirms it and closes the reports.
        rechecked = published and step == "publish" and edit is None and _open_feedback(article.id) > 0
        if ArticleStatus(article.status) not in allowed and not on_edit and not rechecked:
            raise Conflict(f"这篇知识现在是“{ArticleStatus.label_of(article.status)}”，不能{_STEP_LABELS[step]}。")
        changes: dict = {"status": target.value, "pending_version": None}
        if on_edit and step == "publish":
            version = working(article)
            changes |= {name: getattr(version, name) for name in VERSIONED_FIELDS} | {"version": edit}
        elif on_edit:  # send_back: the checked text stays; the edit is kept in the history only
            changes["status"] = article.status
        Article.update(rev=Article.rev + 1, updated_at=clock.stamp(), updated_by=actor.user_id,
                       **changes).where(Article.id == article.id).execute()
        if target == ArticleStatus.PUBLISHED:  # checked again: the flags raised so far are dealt with
            ArticleFeedback.update(resolved_at=clock.stamp()).where(
                ArticleFeedback.article == article.id, ArticleFeedback.resolved_at == "").execute()
        tx.object_uid = article.uid
        tx.detail = {"version": edit if on_edit else article.version, "from": article.status,
                     "to": changes["status"], "note": note}


_STEP_LABELS = {"submit": "提交校核", "publish": "发布", "send_back": "退回修改", "retire": "停用", "restore": "重新启用"}


def flag(actor: Actor, article_id: int, kind: FeedbackKind, note: str = "") -> None:
    """An operator reports an answer as wrong or outdated: it goes back to 校核.

    The article stays on the operators' screens, flagged with the open report
    (one operator's click must not take an answer off every line); it is on the
    reviewer's 待校核 list until it is checked and published again.
    """
    with write(actor, Permission.KB_USE, "kb.flag", "kb_article") as tx:
        article = _article(article_id)
        ArticleFeedback.create(article=article.id, version=article.version, kind=kind.value, note=note.strip(),
                               given_by=actor.user_id, given_at=clock.stamp())
        tx.object_uid = article.uid
        tx.detail = {"version": article.version, "kind": kind.value, "note": note.strip()}


@dataclass(frozen=True)
class VersionInfo:
    version: int
    status: str
    changed_by: str
    changed_at: str
    note: str


def history(actor: Actor, article_id: int) -> list[VersionInfo]:
    require(actor, Permission.KB_USE)
    names = {u.id: u.display_name for u in User.select(User.id, User.display_name)}
    rows = ArticleVersion.select().where(ArticleVersion.article == article_id).order_by(ArticleVersion.version)
    return [VersionInfo(v.version, v.status, names.get(v.changed_by_id, ""), clock.display(v.changed_at), v.note)
            for v in rows]


def diff(actor: Actor, article_id: int, old: int, new: int) -> list[tuple[str, str, str]]:
    """What changed between two versions, field by field: (field label, sign, line).

    Lines of text are compared; sign is "-" for removed, "+" for added. Chinese
    has no spaces, so a changed line is shown whole, old then new.
    """
    require(actor, Permission.KB_USE)
    versions = {v.version: v for v in ArticleVersion.select().where(
        ArticleVersion.article == article_id, ArticleVersion.version.in_([old, new]))}
    if old not in versions or new not in versions:
        raise NotFound(f"没有第 {old} 版或第 {new} 版。")
    out: list[tuple[str, str, str]] = []
    for name in VERSIONED_FIELDS:
        before, after = str(getattr(versions[old], name) or ""), str(getattr(versions[new], name) or "")
        if before == after:
            continue
        for line in difflib.ndiff(before.splitlines(), after.splitlines()):
            if line[:1] in "+-":
                out.append((FIELD_LABELS[name], line[0], line[2:]))
    return out


# Reading ----------------------------------------------------------------------

@dataclass(frozen=True)
class ArticleRow:
    id: int
    title: str
    status: str
    version: int
    category: str
    source_unit: str
    updated_at: str
    use_count: int
    open_feedback: int
    pending_version: int | None  # an edit awaiting 校核 beside the published text


def category_paths() -> dict[int, str]:
    """Every category as "一级/二级", by id."""
    rows = {c.id: c for c in KbCategory.select()}

    def path(c: KbCategory | None) -> str:
        names: list[str] = []
        seen: set[int] = set()
        while c is not None and c.id not in seen:  # a stored cycle (a district's, before import refused them) ends here
            seen.add(c.id)
            names.append(c.name)
            c = rows.get(c.parent_id) if c.parent_id else None
        return "/".join(reversed(names))

    return {i: path(c) for i, c in rows.items()}


def category_for_path(path: str) -> int | None:
    """The category named by "一级/二级", made if missing; inside a write transaction."""
    parent: int | None = None
    for name in [p.strip() for p in path.replace("／", "/").split("/") if p.strip()]:
        if len(name) > MAX_CATEGORY_NAME:
            raise ValidationError.single("category_id", f"分类名“{name[:10]}…”太长，不超过 {MAX_CATEGORY_NAME} 字")
        found = KbCategory.get_or_none(KbCategory.parent == parent, KbCategory.name == name)
        if found is None:
            found = KbCategory.create(uid=str(uuid.uuid4()), parent=parent, name=name, origin=local_origin(),
                                      updated_at=clock.stamp())
        parent = found.id
    return parent


def list_articles(actor: Actor, status: str | None = None, limit: int = 1000) -> list[ArticleRow]:
    """Articles newest change first; retired ones only when asked for by status."""
    actor = require(actor, Permission.KB_USE)
    query = Article.select().order_by(Article.updated_at.desc()).limit(limit)
    if status == ArticleStatus.PENDING:  # what waits for 校核, new articles and edits alike
        reported = ArticleFeedback.select(ArticleFeedback.article).where(ArticleFeedback.resolved_at == "")
        query = query.where((Article.status == status) | Article.pending_version.is_null(False)
                            | Article.id.in_(reported))
    elif status:
        query = query.where(Article.status == status)
    else:
        query = query.where(Article.status != ArticleStatus.RETIRED.value)
    if not actor.can(Permission.KB_EDIT):
        query = query.where(Article.status == ArticleStatus.PUBLISHED.value)
    paths = category_paths()
    feedback = dict(ArticleFeedback.select(ArticleFeedback.article, fn.COUNT(ArticleFeedback.id))
                    .where(ArticleFeedback.resolved_at == "").group_by(ArticleFeedback.article).tuples())
    return [ArticleRow(a.id, a.title, a.status, a.version, paths.get(a.category_id, ""), a.source_unit,
                       clock.display(a.updated_at), a.use_count, feedback.get(a.id, 0), a.pending_version)
            for a in query]


@dataclass(frozen=True)
class ArticleView:
    """An article as operators see it: its published (or, before that, only) version.

    A plain value, so a screen holds a copy of what was read, never a live database row."""
    id: int
    version: int
    status: str
    title: str
    body: str
    keywords: str
    source_unit: str
    effective_on: str
    review_on: str
    expires_on: str
    use_count: int
    pending_version: int | None  # an edit of the published text awaiting 校核

    @classmethod
    def of(cls, row: Article) -> ArticleView:
        return cls(row.id, row.version, row.status, row.title, row.body, row.keywords, row.source_unit,
                   row.effective_on, row.review_on, row.expires_on, row.use_count, row.pending_version)


def load_article(actor: Actor, article_id: int) -> tuple[ArticleView, ArticleInput, str]:
    """(the article as operators see it, the newest text for the editor, its category path)."""
    actor = require(actor, Permission.KB_USE)
    article = _article(article_id)
    if article.status != ArticleStatus.PUBLISHED and not actor.can(Permission.KB_EDIT):
        raise NotFound("这篇知识尚未发布。")
    newest = working(article) if actor.can(Permission.KB_EDIT) else article
    data = ArticleInput(**{n: getattr(newest, n) or "" for n in VERSIONED_FIELDS if n != "category_id"},
                        category_id=newest.category_id, source_ref=article.source_ref)
    return ArticleView.of(article), data, category_paths().get(newest.category_id, "")


@dataclass(frozen=True)
class FeedbackRow:
    version: int
    kind: str
    note: str
    given_by: str
    given_at: str
    resolved: bool  # the article was checked and published again since


def feedback_of(actor: Actor, article_id: int) -> list[FeedbackRow]:
    require(actor, Permission.KB_USE)
    names = {u.id: u.display_name for u in User.select(User.id, User.display_name)}
    rows = ArticleFeedback.select().where(ArticleFeedback.article == article_id).order_by(ArticleFeedback.id.desc())
    return [FeedbackRow(f.version, FeedbackKind.label_of(f.kind), f.note, names.get(f.given_by_id, ""),
                        clock.display(f.given_at), bool(f.resolved_at)) for f in rows]


# The policy file itself ---------------------------------------------------------

@dataclass(frozen=True)
class FileRow:
    sha256: str
    name: str
    size: int


MAX_FILES = 20


def attach_files(actor: Actor, article_id: int, sources: list[str]) -> list[FileRow]:
    """Keep policy files with an article (12345 6.3.4: the unit's own document).

    Files are copied into the hash-named store before the transaction (a copy
    left by a failed save is harmless). A file is not part of the answer read
    out, so attaching one makes no new version and needs no new 校核.
    """
    stored = [attachments.store_file(s) for s in sources]
    with write(actor, Permission.KB_EDIT, "kb.attach", "kb_article") as tx:
        article = _article(article_id)
        have = {f.sha256 for f in ArticleFile.select().where(ArticleFile.article == article.id)}
        new = [f for f in {f.sha256: f for f in stored}.values() if f.sha256 not in have]
        if len(have) + len(new) > MAX_FILES:
            raise ValidationError.single("attachments", f"每篇知识最多 {MAX_FILES} 个附件")
        for f in new:
            ArticleFile.create(article=article.id, sha256=f.sha256, name=f.name, size=f.size)
        tx.object_uid = article.uid
        tx.detail = {"files": [f.name for f in new]}
    return files_of(actor, article_id)


def detach_file(actor: Actor, article_id: int, sha256: str) -> None:
    with write(actor, Permission.KB_EDIT, "kb.detach", "kb_article") as tx:
        article = _article(article_id)
        row = ArticleFile.get_or_none(ArticleFile.article == article.id, ArticleFile.sha256 == sha256)
        if row is None:
            raise NotFound("这个附件已被移除，请刷新后重试。")
        tx.object_uid = article.uid
        tx.detail = {"file": row.name}
        row.delete_instance()


def files_of(actor: Actor, article_id: int) -> list[FileRow]:
    require(actor, Permission.KB_USE)
    rows = ArticleFile.select().where(ArticleFile.article == article_id).order_by(ArticleFile.name)
    return [FileRow(f.sha256, f.name, f.size) for f in rows]


def file_copy(sha256: str, name: str, folder: Path) -> Path:
    """A copy under its own name (the store names files by hash) for the system to open."""
    source = attachments.blob_path(sha256)
    if not source.is_file():
        raise NotFound(f"附件“{name}”的文件已不在附件目录中（{source.parent}），请重新添加。")
    safe = "".join("_" if c in '<>:"/\\|?*' else c for c in name).strip() or sha256
    target = folder / sha256[:8] / safe
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():  # a copy someone edited must not pass for the policy file
        target.chmod(0o600)
        target.unlink()
    shutil.copyfile(source, target)
    target.chmod(0o444)
    return target


_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+")
_BULLET = re.compile(r"^(\s*)[-*+]\s+")


def answer_text(body: str) -> str:
    """An article's Markdown as the plain reply kept on the ticket: headings as
    lines, bullets as •, numbered items as they are, paragraphs apart."""
    lines = [_BULLET.sub(lambda m: m.group(1) + "• ", _HEADING.sub("", line)).rstrip() for line in body.splitlines()]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()
