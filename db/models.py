"""peewee models over the tables that ``db.schema`` creates.

The schema is owned by the upgrade functions; these classes only map it.
"""
from __future__ import annotations

from playhouse.apsw_ext import (
    BooleanField,
    CharField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)
from peewee import CompositeKey

from db.connection import database


class BaseModel(Model):
    class Meta:
        database = database
        legacy_table_names = False


class Center(BaseModel):
    code = CharField()
    name = CharField()
    kind = CharField()
    created_at = CharField()


class Setting(BaseModel):
    key = CharField(primary_key=True)
    value = TextField()


class User(BaseModel):
    uid = CharField(unique=True)
    username = CharField(unique=True)
    display_name = CharField()
    password_hash = CharField()
    active = BooleanField(default=True)
    created_at = CharField()
    updated_at = CharField()


class UserRole(BaseModel):
    user = ForeignKeyField(User, column_name="user_id", backref="roles")
    role = CharField()

    class Meta:
        primary_key = False
        table_name = "user_role"


class Topic(BaseModel):
    uid = CharField(unique=True)
    parent = ForeignKeyField("self", column_name="parent_id", null=True, backref="children")
    name = CharField()
    sort = IntegerField(default=0)
    active = BooleanField(default=True)
    origin = CharField()
    rev = IntegerField(default=1)
    updated_at = CharField()


class Ticket(BaseModel):
    uid = CharField(unique=True)
    origin = CharField()
    rev = IntegerField(default=1)
    updated_at = CharField()
    number = CharField(unique=True)
    hotline = CharField(default="12345")
    channel = CharField()
    status = CharField()
    received_at = CharField()
    caller_name = CharField(default="")
    caller_phone = CharField(default="")
    caller_contact = CharField(default="")
    caller_address = CharField(default="")
    caller_org = CharField(default="")
    confidential = BooleanField(default=False)
    visit_consent = BooleanField(default=True)
    occurred_at = CharField(default="")
    region_code = CharField(default="")
    address = CharField(default="")
    reported_unit = CharField(default="")
    title = CharField()
    content = TextField()
    category = CharField()
    topic = ForeignKeyField(Topic, column_name="topic_id", null=True)
    urgency = CharField(default="normal")
    emergency_type = CharField(default="")
    risk_level = CharField(default="")
    not_accepted_reason = CharField(default="")
    referral = TextField(default="")
    reply = TextField(default="")
    repeat_of = ForeignKeyField("self", column_name="repeat_of_id", null=True)
    details = TextField(default="{}")
    source_ref = CharField(default="")
    created_by = ForeignKeyField(User, column_name="created_by", null=True)


class TicketCounter(BaseModel):
    day = CharField(primary_key=True)
    last = IntegerField()

    class Meta:
        table_name = "ticket_counter"


class TicketEvent(BaseModel):
    uid = CharField(unique=True)
    origin = CharField()
    ticket = ForeignKeyField(Ticket, column_name="ticket_id", backref="events")
    kind = CharField()
    at = CharField()
    actor = ForeignKeyField(User, column_name="actor_id", null=True)
    summary = TextField(default="")
    data = TextField(default="{}")

    class Meta:
        table_name = "ticket_event"


class Attachment(BaseModel):
    uid = CharField(unique=True)
    origin = CharField()
    ticket = ForeignKeyField(Ticket, column_name="ticket_id", backref="attachments")
    kind = CharField()
    sha256 = CharField()
    name = CharField()
    size = IntegerField()
    mime = CharField()
    added_at = CharField()
    added_by = ForeignKeyField(User, column_name="added_by", null=True)


class Audit(BaseModel):
    at = CharField()
    actor = ForeignKeyField(User, column_name="actor_id", null=True)
    action = CharField()
    object_type = CharField()
    object_uid = CharField(default="")
    detail = TextField(default="{}")


class Draft(BaseModel):
    user = ForeignKeyField(User, column_name="user_id")
    form = CharField()
    data = TextField()
    saved_at = CharField()

    class Meta:
        primary_key = False


class KbCategory(BaseModel):
    uid = CharField(unique=True)
    parent = ForeignKeyField("self", column_name="parent_id", null=True, backref="children")
    name = CharField()
    sort = IntegerField(default=0)
    active = BooleanField(default=True)
    origin = CharField()
    rev = IntegerField(default=1)
    updated_at = CharField()


class Article(BaseModel):
    uid = CharField(unique=True)
    origin = CharField()
    rev = IntegerField(default=1)
    updated_at = CharField()
    version = IntegerField(default=1)
    status = CharField()
    title = CharField()
    body = TextField()
    keywords = TextField(default="")
    category = ForeignKeyField(KbCategory, column_name="category_id", null=True)
    source_unit = CharField(default="")
    effective_on = CharField(default="")
    review_on = CharField(default="")
    expires_on = CharField(default="")
    source_ref = CharField(default="")
    use_count = IntegerField(default=0)
    pending_version = IntegerField(null=True)  # an edit of the published text awaiting 校核
    created_by = ForeignKeyField(User, column_name="created_by", null=True)
    updated_by = ForeignKeyField(User, column_name="updated_by", null=True)

    class Meta:
        table_name = "kb_article"


class ArticleVersion(BaseModel):
    article = ForeignKeyField(Article, column_name="article_id", backref="versions")
    version = IntegerField()
    status = CharField()
    title = CharField()
    body = TextField()
    keywords = TextField()
    category_id = IntegerField(null=True)
    source_unit = CharField()
    effective_on = CharField()
    review_on = CharField()
    expires_on = CharField()
    changed_by = ForeignKeyField(User, column_name="changed_by", null=True)
    changed_at = CharField()
    note = TextField(default="")

    class Meta:
        table_name = "kb_version"


class Synonym(BaseModel):
    words = TextField(unique=True)
    updated_at = CharField()

    class Meta:
        table_name = "kb_synonym"


class ArticleUse(BaseModel):
    article = ForeignKeyField(Article, column_name="article_id")
    version = IntegerField()
    ticket = ForeignKeyField(Ticket, column_name="ticket_id", null=True)
    used_by = ForeignKeyField(User, column_name="used_by", null=True)
    used_at = CharField()

    class Meta:
        table_name = "kb_use"


class ArticleFeedback(BaseModel):
    article = ForeignKeyField(Article, column_name="article_id")
    version = IntegerField()
    kind = CharField()
    note = TextField(default="")
    given_by = ForeignKeyField(User, column_name="given_by", null=True)
    given_at = CharField()
    resolved_at = CharField(default="")

    class Meta:
        table_name = "kb_feedback"


class ArticleFile(BaseModel):
    """The policy file itself, stored by hash like ticket attachments (core.attachments)."""

    article = ForeignKeyField(Article, column_name="article_id")
    sha256 = CharField()
    name = CharField()
    size = IntegerField()

    class Meta:
        table_name = "kb_attachment"
        primary_key = CompositeKey("article", "sha256")


class OpenQuestion(BaseModel):
    ticket = ForeignKeyField(Ticket, column_name="ticket_id", primary_key=True)
    status = CharField()
    article = ForeignKeyField(Article, column_name="article_id", null=True)
    updated_at = CharField()

    class Meta:
        table_name = "kb_question"


ALL_MODELS = [Center, Setting, User, UserRole, Topic, Ticket, TicketCounter, TicketEvent, Attachment, Audit, Draft,
              KbCategory, Article, ArticleVersion, Synonym, ArticleUse, ArticleFeedback, ArticleFile, OpenQuestion]
