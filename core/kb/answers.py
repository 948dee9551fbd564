"""What the knowledge base answered, and what it could not.

A consult answered from an article is closed at once as 直接答复 with the
article and the version read out (12345 5.2.1, 12365 6.2.3.1); the use is
counted for statistics. A consult the knowledge base could not answer joins
the queue of open questions that staff write articles from (12365 6.1.4);
the article written links back to the tickets it answers.
"""
from __future__ import annotations

from dataclasses import dataclass

from core import clock
from core.errors import Conflict, ValidationError
from core.roles import Actor, Permission
from core.service import existing, require, write
from core.vocab import ArticleStatus, Category, Disposition
from db.models import Article, ArticleUse, OpenQuestion, Ticket

QUESTION_OPEN = "open"
QUESTION_ANSWERED = "answered"
QUESTION_DISMISSED = "dismissed"


@dataclass(frozen=True)
class AnswerRef:
    """The article (and version) an answer came from, for the ticket's timeline."""

    article_id: int
    version: int
    uid: str
    title: str


def answer_ref(article_id: int, version: int | None) -> AnswerRef:
    """The article an operator answered from; checked inside the registering transaction.

    Only a published article answers a caller, and the version named must be
    one that was published (the one read out, perhaps replaced since).
    """
    article = Article.get_or_none(Article.id == article_id)
    if article is None:
        raise ValidationError.single("reply", "答复所用的知识已被删除，请重新选择或自行填写答复。")
    if article.status != ArticleStatus.PUBLISHED:
        label = ArticleStatus.label_of(article.status)
        raise ValidationError.single("reply", f"答复所用的知识“{article.title}”现在是“{label}”，不能作为答复依据，请重新选择。")
    version = version or article.version
    if not 1 <= version <= article.version:
        raise ValidationError.single("reply", f"知识“{article.title}”没有已发布的第 {version} 版，请重新选择。")
    return AnswerRef(article.id, version, article.uid, article.title)


def after_registration(ticket_id: int, category: str, disposition: str, ref: AnswerRef | None,
                       actor: Actor) -> None:
    """Count the article used, or queue a consult nobody answered from the base.

    Called by core.tickets.registration inside its write transaction. A consult turned
    away (不予受理) is not a gap in the base; every other consult without an
    article is, whether dispatched or answered from the operator's own knowledge.
    """
    now = clock.stamp()
    if ref is not None and disposition == Disposition.DIRECT_ANSWER:
        ArticleUse.create(article=ref.article_id, version=ref.version, ticket=ticket_id, used_by=actor.user_id,
                          used_at=now)
        Article.update(use_count=Article.use_count + 1).where(Article.id == ref.article_id).execute()
    elif category == Category.CONSULT and disposition != Disposition.NOT_ACCEPTED:
        OpenQuestion.create(ticket=ticket_id, status=QUESTION_OPEN, updated_at=now)


@dataclass(frozen=True)
class QuestionRow:
    ticket_id: int
    number: str
    received_at: str
    title: str
    content: str
    status: str
    article_id: int | None


def open_questions(actor: Actor, limit: int = 500, status: str = QUESTION_OPEN) -> list[QuestionRow]:
    """The queue, oldest first: the longest-waiting gap is written up first."""
    require(actor, Permission.KB_USE)
    rows = (OpenQuestion.select(OpenQuestion, Ticket).join(Ticket).where(OpenQuestion.status == status)
            .order_by(OpenQuestion.ticket).limit(limit))
    return [QuestionRow(q.ticket.id, q.ticket.number, clock.display(q.ticket.received_at), q.ticket.title,
                        q.ticket.content, q.status, q.article_id) for q in rows]


def questions_answered_by(actor: Actor, article_id: int) -> list[QuestionRow]:
    """The tickets an article was written for (the link back, 12365 6.1.4)."""
    require(actor, Permission.KB_USE)
    rows = (OpenQuestion.select(OpenQuestion, Ticket).join(Ticket).where(OpenQuestion.article == article_id)
            .order_by(OpenQuestion.ticket))
    return [QuestionRow(q.ticket.id, q.ticket.number, clock.display(q.ticket.received_at), q.ticket.title,
                        q.ticket.content, q.status, q.article_id) for q in rows]


def link_questions(actor: Actor, article_id: int, ticket_ids: list[int]) -> int:
    """Mark open questions as answered by an article; how many were linked."""
    if not ticket_ids:
        return 0
    with write(actor, Permission.KB_EDIT, "kb.answer_questions", "kb_article") as tx:
        article = existing(Article, article_id, "这篇知识已不存在，请刷新后重试。")
        linked = link_inside(article_id, ticket_ids)
        tx.object_uid = article.uid
        tx.detail = {"tickets": sorted(set(ticket_ids))}
    return linked


def link_inside(article_id: int, ticket_ids: list[int]) -> int:
    """The link itself, for callers already in a write transaction (core.kb.articles.save_article)."""
    linked = (OpenQuestion.update(status=QUESTION_ANSWERED, article=article_id, updated_at=clock.stamp())
              .where(OpenQuestion.ticket.in_(ticket_ids), OpenQuestion.status == QUESTION_OPEN).execute())
    if linked != len(set(ticket_ids)):
        raise Conflict("有的问题已被其他人处理或不在待答问题中，请刷新后重试。")
    return linked


def dismiss_question(actor: Actor, ticket_id: int, reason: str) -> None:
    """Take a question off the queue without an article (one-off matter, no policy to write)."""
    reason = reason.strip()
    if not reason:
        raise ValidationError.single("reason", "请写明不需要编写知识的理由")
    with write(actor, Permission.KB_EDIT, "kb.dismiss_question", "ticket") as tx:
        done = (OpenQuestion.update(status=QUESTION_DISMISSED, updated_at=clock.stamp())
                .where(OpenQuestion.ticket == ticket_id, OpenQuestion.status == QUESTION_OPEN).execute())
        if not done:
            raise Conflict("这个问题已不在待答问题中，请刷新后重试。")
        tx.object_uid = Ticket.get_by_id(ticket_id).uid
        tx.detail = {"reason": reason}
