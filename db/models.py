"""peewee models over the tables that ``db.schema`` creates.

The schema is owned by the upgrade functions; these classes only map it.
"""
from __future__ import annotations

import uuid

from playhouse.apsw_ext import (
    BlobField,
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


class TravellingModel(BaseModel):
    """A row that travels to the province and may change (``sync.records.KINDS`` with a rev and
    an origin of its own): ``uid`` names it at every center, ``origin`` is the code of the center
    that owns it, ``rev`` is raised by every change (the province keeps the highest), ``updated_at``
    says when. Events and attachments travel too but never change (no rev column); a deadline
    takes its ticket's origin. No table of its own: it only declares these fields once."""

    uid = CharField(unique=True)
    origin = CharField()
    rev = IntegerField(default=1)
    updated_at = CharField()


class Center(BaseModel):
    code = CharField()
    name = CharField()
    kind = CharField()
    created_at = CharField()
    role = CharField(null=True)  # "district" (the schema's default) or "province": gathers the districts' batches


class Setting(BaseModel):
    key = CharField(primary_key=True)
    value = TextField()


class User(TravellingModel):
    username = CharField(unique=True)
    display_name = CharField()
    password_hash = CharField()
    active = BooleanField(default=True)
    created_at = CharField()
    # The base's origin with the default of its column (added by upgrade 7 with DEFAULT '');
    # at the province, a district's staff (never able to log in).
    origin = CharField(default="")


class UserRole(BaseModel):
    user = ForeignKeyField(User, column_name="user_id", backref="roles")
    role = CharField()

    class Meta:
        primary_key = False
        table_name = "user_role"


class Topic(TravellingModel):
    parent = ForeignKeyField("self", column_name="parent_id", null=True, backref="children")
    name = CharField()
    sort = IntegerField(default=0)
    active = BooleanField(default=True)


class Ticket(TravellingModel):
    number = CharField()  # unique per center (origin, number), except a clash the province keeps
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
    complex = BooleanField(default=False)
    # Province only: another ticket of the same district holds this number (issue 15 §3); never exported.
    number_clash = BooleanField(default=False)


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


class KbCategory(TravellingModel):
    parent = ForeignKeyField("self", column_name="parent_id", null=True, backref="children")
    name = CharField()
    sort = IntegerField(default=0)
    active = BooleanField(default=True)


class Article(TravellingModel):
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


class Unit(TravellingModel):
    """承办单位 (12345 3.6): a tree; retired, never deleted."""

    parent = ForeignKeyField("self", column_name="parent_id", null=True, backref="children")
    name = CharField()
    kind = CharField()
    contact = CharField(default="")
    duty_phone = CharField(default="")
    email = CharField(default="")
    address = CharField(default="")
    matters = TextField(default="")
    keywords = TextField(default="")
    sort = IntegerField(default=0)
    active = BooleanField(default=True)


class CalendarDay(BaseModel):
    day = CharField(primary_key=True)
    off = BooleanField()
    name = CharField(default="")
    source = CharField()
    updated_at = CharField()
    updated_by = ForeignKeyField(User, column_name="updated_by", null=True)

    class Meta:
        table_name = "calendar_day"


class CalendarYear(BaseModel):
    year = IntegerField(primary_key=True)
    source = CharField()
    imported_at = CharField()
    imported_by = ForeignKeyField(User, column_name="imported_by", null=True)

    class Meta:
        table_name = "calendar_year"


class DeadlineRules(BaseModel):
    profile = CharField()
    version = IntegerField()
    rules = TextField()
    note = TextField(default="")
    created_at = CharField()
    created_by = ForeignKeyField(User, column_name="created_by", null=True)

    class Meta:
        table_name = "deadline_rules"


class Surge(BaseModel):
    starts_at = CharField()
    ends_at = CharField()
    reason = TextField()
    declared_by = ForeignKeyField(User, column_name="declared_by", null=True)
    declared_at = CharField()


class Assignment(TravellingModel):
    """One unit's part in a dispatch: lead (牵头) or co-handling (协办)."""

    ticket = ForeignKeyField(Ticket, column_name="ticket_id", backref="assignments")
    unit = ForeignKeyField(Unit, column_name="unit_id")
    role = CharField()
    status = CharField()
    dispatched_at = CharField()
    dispatched_by = ForeignKeyField(User, column_name="dispatched_by", null=True)
    method = CharField()
    opinion = TextField(default="")
    signed_at = CharField(default="")
    signed_by = CharField(default="")
    feedback = TextField(default="{}")
    feedback_at = CharField(default="")
    closed_at = CharField(default="")


class Deadline(BaseModel):
    uid = CharField(unique=True, default=lambda: str(uuid.uuid4()))
    rev = IntegerField(default=1)
    ticket = ForeignKeyField(Ticket, column_name="ticket_id", backref="deadlines")
    assignment = ForeignKeyField(Assignment, column_name="assignment_id", null=True, backref="deadlines")
    stage = CharField()
    started_at = CharField()
    due_at = CharField()
    provisional = BooleanField(default=False)
    profile = CharField()
    rules_version = IntegerField()
    rule_key = CharField()
    met_at = CharField(default="")
    cancelled = BooleanField(default=False)  # the clock stopped without the step: a return accepted, a ticket voided
    notified_level = IntegerField(default=0)


class ExtensionRequest(TravellingModel):
    assignment = ForeignKeyField(Assignment, column_name="assignment_id", backref="extensions")
    reason = TextField()
    requested_due = CharField()
    asked_at = CharField()
    recorded_by = ForeignKeyField(User, column_name="recorded_by", null=True)
    decision = CharField(default="")
    decided_at = CharField(default="")
    decided_by = ForeignKeyField(User, column_name="decided_by", null=True)
    decision_note = TextField(default="")

    class Meta:
        table_name = "extension_request"


class Supervision(TravellingModel):
    """督办 (12345 5.2.3 a–f): who, when, what, and the unit's answer."""

    ticket = ForeignKeyField(Ticket, column_name="ticket_id", backref="supervisions")
    unit = ForeignKeyField(Unit, column_name="unit_id", null=True)
    kind = CharField()
    at = CharField()
    by_user = ForeignKeyField(User, column_name="by_user", null=True)
    content = TextField()
    answer = TextField(default="")
    answered_at = CharField(default="")


class ReturnVisit(TravellingModel):
    """回访 (12345 5.4; GB/T 33358 10.4): one round of calling the caller back about a ticket.

    ``attempts`` is the JSON list of calls that did not reach them ({"at", "note"}); a done visit has
    what the caller said (B.4.2–B.4.5); ``corrected_from`` keeps the score a manager changed."""

    ticket = ForeignKeyField(Ticket, column_name="ticket_id", backref="visits")
    round = IntegerField()
    status = CharField()
    attempts = TextField(default="[]")
    visited_at = CharField(default="")
    visited_by = ForeignKeyField(User, column_name="visited_by", null=True)
    unit_contacted = CharField(default="")
    solved = CharField(default="")
    satisfaction = CharField(default="")
    dissatisfied_with = TextField(default="[]")
    comment = TextField(default="")
    corrected_from = CharField(default="")
    correction_reason = TextField(default="")
    corrected_by = ForeignKeyField(User, column_name="corrected_by", null=True)
    rehandled = BooleanField(default=False)

    class Meta:
        table_name = "return_visit"


class Evaluation(BaseModel):
    """好差评: the caller's own evaluation of a ticket by keypad, web or SMS (12345 5.3.3–5.3.4)."""

    uid = CharField(unique=True)
    origin = CharField()
    ticket = ForeignKeyField(Ticket, column_name="ticket_id", backref="evaluations")
    channel = CharField()
    satisfaction = CharField()
    comment = TextField(default="")
    evaluated_at = CharField()

    class Meta:
        table_name = "evaluation"


class MediationCase(TravellingModel):
    """调解 of a complaint (12365 6.3.5.2.2): its facts, request and outcome."""

    ticket = ForeignKeyField(Ticket, column_name="ticket_id", backref="mediations")
    status = CharField()
    outcome = CharField(default="")
    facts = TextField(default="")
    request = TextField(default="")
    agreement = TextField(default="")
    termination_reason = TextField(default="")
    mediator = ForeignKeyField(User, column_name="mediator_id", null=True)
    opened_at = CharField()
    concluded_at = CharField(default="")

    class Meta:
        table_name = "mediation_case"


class MediationParty(BaseModel):
    uid = CharField(unique=True)
    case = ForeignKeyField(MediationCase, column_name="case_id", backref="parties")
    side = CharField()
    kind = CharField()
    name = CharField()
    gender = CharField(default="")
    id_number = CharField(default="")
    phone = CharField(default="")
    address = CharField(default="")
    representative = CharField(default="")
    representative_role = CharField(default="")
    sort = IntegerField(default=0)

    class Meta:
        table_name = "mediation_party"


class MediationSession(BaseModel):
    uid = CharField(unique=True)
    case = ForeignKeyField(MediationCase, column_name="case_id", backref="sessions")
    at = CharField()
    place = CharField()
    mediators = CharField()
    record = TextField()
    recorded_by = ForeignKeyField(User, column_name="recorded_by", null=True)
    recorded_at = CharField()

    class Meta:
        table_name = "mediation_session"


class IssuedDocument(TravellingModel):
    """A document as it was issued: the file by SHA-256 and the template that made it."""

    ticket = ForeignKeyField(Ticket, column_name="ticket_id", backref="documents")
    case = ForeignKeyField(MediationCase, column_name="case_id", null=True)
    assignment = ForeignKeyField(Assignment, column_name="assignment_id", null=True)
    supervision = ForeignKeyField(Supervision, column_name="supervision_id", null=True)
    kind = CharField()
    number = CharField(default="")
    template = CharField()  # "内置" or "自定义 第 3 版"
    template_sha256 = CharField()
    sha256 = CharField()
    size = IntegerField()
    file_name = CharField()
    masked = BooleanField(default=False)
    issued_at = CharField()
    issued_by = ForeignKeyField(User, column_name="issued_by", null=True)

    class Meta:
        table_name = "issued_document"


class DocumentCounter(BaseModel):
    key = CharField(primary_key=True)  # "2026:调"
    last = IntegerField()

    class Meta:
        table_name = "document_counter"


class DocumentTemplate(BaseModel):
    """An admin's own template for a kind; the active one replaces the bundled file."""

    kind = CharField()
    version = IntegerField()
    name = CharField()
    sha256 = CharField()
    content = BlobField()
    note = TextField(default="")
    uploaded_at = CharField()
    uploaded_by = ForeignKeyField(User, column_name="uploaded_by", null=True)
    active = BooleanField(default=True)

    class Meta:
        table_name = "document_template"


class SyncKey(BaseModel):
    """This center's key pairs (Ed25519 to sign, X25519 to receive); the current one has no retired_at."""

    key_id = CharField(unique=True)
    sign_public = BlobField()
    sign_private = BlobField()
    enc_public = BlobField()
    enc_private = BlobField()
    created_at = CharField()
    created_by = ForeignKeyField(User, column_name="created_by", null=True)
    retired_at = CharField(default="")

    class Meta:
        table_name = "sync_key"


class SyncPeerKey(BaseModel):
    """Another center's public keys, registered after the fingerprint was compared."""

    center_code = CharField()
    center_name = CharField()
    role = CharField()
    key_id = CharField(unique=True)
    sign_public = BlobField()
    enc_public = BlobField()
    created_at = CharField()
    registered_at = CharField()
    registered_by = ForeignKeyField(User, column_name="registered_by", null=True)
    revoked_at = CharField(default="")
    revoke_reason = TextField(default="")

    class Meta:
        table_name = "sync_peer_key"


class SyncBatchOut(BaseModel):
    sequence = IntegerField(primary_key=True)
    status = CharField()
    file_name = CharField(default="")
    sha256 = CharField(default="")
    size = IntegerField(default=0)
    record_count = IntegerField(default=0)
    previous_hash = CharField(default="")
    province = CharField(default="")
    started_at = CharField()
    exported_at = CharField(default="")
    exported_by = ForeignKeyField(User, column_name="exported_by", null=True)

    class Meta:
        table_name = "sync_batch_out"


class SyncReceiptIn(BaseModel):
    sha256 = CharField(unique=True)
    province = CharField()
    sequence = IntegerField()
    contiguous = IntegerField()
    missing = TextField(default="[]")
    acknowledged = IntegerField(default=0)
    not_acknowledged = IntegerField(default=0)
    report = TextField(default="{}")
    imported_at = CharField()
    imported_by = ForeignKeyField(User, column_name="imported_by", null=True)

    class Meta:
        table_name = "sync_receipt_in"


class SyncImport(BaseModel):
    """A file offered to the province, with its report: kept whatever the result."""

    file_name = CharField()
    sha256 = CharField()
    size = IntegerField()
    district = CharField(default="")
    sequence = IntegerField(null=True)
    previous_hash = CharField(default="")
    signer_key = CharField(default="")
    schema_version = IntegerField(null=True)
    status = CharField()
    message = TextField(default="")
    alarm = TextField(default="")
    received = IntegerField(default=0)
    new = IntegerField(default=0)
    updated = IntegerField(default=0)
    unchanged = IntegerField(default=0)
    stale = IntegerField(default=0)
    conflict = IntegerField(default=0)
    rejected = IntegerField(default=0)
    quarantine = CharField(default="")
    imported_at = CharField()
    imported_by = ForeignKeyField(User, column_name="imported_by", null=True)

    class Meta:
        table_name = "sync_import"


class SyncConflict(BaseModel):
    import_id = IntegerField()
    kind = CharField()
    uid = CharField()
    origin = CharField()
    rev = IntegerField()
    hash = CharField()
    stored_hash = CharField()
    payload = TextField()

    class Meta:
        table_name = "sync_conflict"


class SyncReceiptOut(BaseModel):
    district = CharField()
    sequence = IntegerField()
    last_import_id = IntegerField()
    file_name = CharField()
    sha256 = CharField()
    exported_at = CharField()
    exported_by = ForeignKeyField(User, column_name="exported_by", null=True)

    class Meta:
        table_name = "sync_receipt_out"


ALL_MODELS = [Center, Setting, User, UserRole, Topic, Ticket, TicketCounter, TicketEvent, Attachment, Audit, Draft,
              KbCategory, Article, ArticleVersion, Synonym, ArticleUse, ArticleFeedback, ArticleFile, OpenQuestion,
              Unit, CalendarDay, CalendarYear, DeadlineRules, Surge, Assignment, Deadline, ExtensionRequest, Supervision,
              MediationCase, MediationParty, MediationSession, IssuedDocument, DocumentCounter, DocumentTemplate,
              SyncKey, SyncPeerKey, SyncBatchOut, SyncReceiptIn, SyncImport, SyncConflict, SyncReceiptOut,
              ReturnVisit, Evaluation]


class CallImport(BaseModel):
    """One call-log file taken in (issue 17, 话务记录); a file is taken once (``sha256``)."""

    file_name = CharField()
    sha256 = CharField(unique=True)
    imported_at = CharField()
    imported_by = ForeignKeyField(User, column_name="imported_by", null=True)
    rows = IntegerField()
    added = IntegerField()
    duplicates = IntegerField()
    first_call = CharField(default="")
    last_call = CharField(default="")

    class Meta:
        table_name = "call_import"


class CallRecord(BaseModel):
    """A call the phone system recorded: offered at ``called_at``, answered or not, after
    ``wait_seconds`` of ringing or queueing (12365 3.8 热线等待时间), ``talk_seconds`` long."""

    call_key = CharField(unique=True)
    called_at = CharField()
    caller = CharField(default="")
    answered = BooleanField()
    wait_seconds = IntegerField()
    talk_seconds = IntegerField()
    agent = CharField(default="")
    ticket = ForeignKeyField(Ticket, column_name="ticket_id", null=True)
    call_import = ForeignKeyField(CallImport, column_name="import_id")

    class Meta:
        table_name = "call_record"


ALL_MODELS += [CallImport, CallRecord]
