"""Schema versions in ``PRAGMA user_version``; upgrades are numbered functions.

Each upgrade is plain SQL so that what a version means never changes with the
models (calibre's ``schema_upgrades.py``). All pending upgrades run in one
EXCLUSIVE transaction: a failure leaves the file exactly as it was. A file
from a newer program is refused before anything is written.
"""
from __future__ import annotations

import logging
from typing import Callable

import apsw

from db import search

log = logging.getLogger("hotline.db.schema")


class SchemaTooNew(Exception):
    """The database was written by a newer version of the program."""

    def __init__(self, found: int, supported: int) -> None:
        super().__init__(f"database schema {found} is newer than {supported}")
        self.found = found
        self.supported = supported


def upgrade_1(conn: apsw.Connection) -> None:
    """The first schema: center, accounts, topics, tickets, events, audit."""
    conn.execute(
        """
        CREATE TABLE center (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            code TEXT NOT NULL,
            name TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('12345', '12365', 'both')),
            created_at TEXT NOT NULL
        );
        CREATE TABLE setting (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        CREATE TABLE user (
            id INTEGER PRIMARY KEY,
            uid TEXT NOT NULL UNIQUE,
            username TEXT NOT NULL UNIQUE COLLATE NOCASE,
            display_name TEXT NOT NULL,
            password_hash TEXT NOT NULL,
            active INTEGER NOT NULL DEFAULT 1,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE TABLE user_role (
            user_id INTEGER NOT NULL REFERENCES user(id),
            role TEXT NOT NULL,
            PRIMARY KEY (user_id, role)
        ) WITHOUT ROWID;
        CREATE TABLE topic (
            id INTEGER PRIMARY KEY,
            uid TEXT NOT NULL UNIQUE,
            parent_id INTEGER REFERENCES topic(id),
            name TEXT NOT NULL,
            sort INTEGER NOT NULL DEFAULT 0,
            active INTEGER NOT NULL DEFAULT 1,
            origin TEXT NOT NULL,
            rev INTEGER NOT NULL DEFAULT 1,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX topic_parent ON topic(parent_id, sort);
        CREATE TABLE ticket (
            id INTEGER PRIMARY KEY,
            uid TEXT NOT NULL UNIQUE,
            origin TEXT NOT NULL,
            rev INTEGER NOT NULL DEFAULT 1,
            updated_at TEXT NOT NULL,
            number TEXT NOT NULL UNIQUE,
            hotline TEXT NOT NULL DEFAULT '12345' CHECK (hotline IN ('12345', '12365')),
            channel TEXT NOT NULL,
            status TEXT NOT NULL,
            received_at TEXT NOT NULL,
            caller_name TEXT NOT NULL DEFAULT '',
            caller_phone TEXT NOT NULL DEFAULT '',
            caller_contact TEXT NOT NULL DEFAULT '',
            caller_address TEXT NOT NULL DEFAULT '',
            caller_org TEXT NOT NULL DEFAULT '',
            confidential INTEGER NOT NULL DEFAULT 0,
            visit_consent INTEGER NOT NULL DEFAULT 1,
            occurred_at TEXT NOT NULL DEFAULT '',
            region_code TEXT NOT NULL DEFAULT '',
            address TEXT NOT NULL DEFAULT '',
            reported_unit TEXT NOT NULL DEFAULT '',
            title TEXT NOT NULL,
            content TEXT NOT NULL,
            category TEXT NOT NULL,
            topic_id INTEGER REFERENCES topic(id),
            urgency TEXT NOT NULL DEFAULT 'normal',
            emergency_type TEXT NOT NULL DEFAULT '',
            risk_level TEXT NOT NULL DEFAULT '',
            not_accepted_reason TEXT NOT NULL DEFAULT '',
            referral TEXT NOT NULL DEFAULT '',
            reply TEXT NOT NULL DEFAULT '',
            repeat_of_id INTEGER REFERENCES ticket(id),
            details TEXT NOT NULL DEFAULT '{}',
            source_ref TEXT NOT NULL DEFAULT '',
            created_by INTEGER REFERENCES user(id)
        );
        -- Every list ordering pairs a column with id; a one-column index ends in
        -- the rowid, so these serve ORDER BY col, id and keyset paging alike.
        CREATE INDEX ticket_received ON ticket(received_at);
        CREATE INDEX ticket_phone ON ticket(caller_phone, received_at);
        CREATE INDEX ticket_status ON ticket(status, received_at);
        CREATE INDEX ticket_category ON ticket(category, received_at);
        CREATE INDEX ticket_repeat ON ticket(repeat_of_id) WHERE repeat_of_id IS NOT NULL;
        CREATE INDEX ticket_source_ref ON ticket(source_ref) WHERE source_ref <> '';
        CREATE TABLE ticket_counter (
            day TEXT PRIMARY KEY,
            last INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE ticket_event (
            id INTEGER PRIMARY KEY,
            uid TEXT NOT NULL UNIQUE,
            origin TEXT NOT NULL,
            ticket_id INTEGER NOT NULL REFERENCES ticket(id),
            kind TEXT NOT NULL,
            at TEXT NOT NULL,
            actor_id INTEGER REFERENCES user(id),
            summary TEXT NOT NULL DEFAULT '',
            data TEXT NOT NULL DEFAULT '{}'
        );
        CREATE INDEX ticket_event_ticket ON ticket_event(ticket_id, at);
        CREATE TABLE attachment (
            id INTEGER PRIMARY KEY,
            uid TEXT NOT NULL UNIQUE,
            origin TEXT NOT NULL,
            ticket_id INTEGER NOT NULL REFERENCES ticket(id),
            kind TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            name TEXT NOT NULL,
            size INTEGER NOT NULL,
            mime TEXT NOT NULL,
            added_at TEXT NOT NULL,
            added_by INTEGER REFERENCES user(id)
        );
        CREATE INDEX attachment_ticket ON attachment(ticket_id);
        CREATE TABLE audit (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            actor_id INTEGER REFERENCES user(id),
            action TEXT NOT NULL,
            object_type TEXT NOT NULL,
            object_uid TEXT NOT NULL DEFAULT '',
            detail TEXT NOT NULL DEFAULT '{}'
        );
        CREATE INDEX audit_at ON audit(at);
        CREATE TABLE draft (
            user_id INTEGER NOT NULL REFERENCES user(id),
            form TEXT NOT NULL,
            data TEXT NOT NULL,
            saved_at TEXT NOT NULL,
            PRIMARY KEY (user_id, form)
        ) WITHOUT ROWID;
        """
    )


# The search index's triggers (upgrade 2); upgrade 8 makes them again on the rebuilt ticket table.
_TICKET_FTS_TRIGGERS = """
        CREATE TRIGGER ticket_fts_insert AFTER INSERT ON ticket BEGIN
            INSERT INTO ticket_fts(rowid, title, content, address, reported_unit)
            VALUES (new.id, new.title, new.content, new.address, new.reported_unit);
        END;
        CREATE TRIGGER ticket_fts_delete AFTER DELETE ON ticket BEGIN
            INSERT INTO ticket_fts(ticket_fts, rowid, title, content, address, reported_unit)
            VALUES ('delete', old.id, old.title, old.content, old.address, old.reported_unit);
        END;
        CREATE TRIGGER ticket_fts_update AFTER UPDATE OF title, content, address, reported_unit ON ticket BEGIN
            INSERT INTO ticket_fts(ticket_fts, rowid, title, content, address, reported_unit)
            VALUES ('delete', old.id, old.title, old.content, old.address, old.reported_unit);
            INSERT INTO ticket_fts(rowid, title, content, address, reported_unit)
            VALUES (new.id, new.title, new.content, new.address, new.reported_unit);
        END;"""


# Ordered; the version a database is at is the length of the prefix it has run.
def upgrade_2(conn: apsw.Connection) -> None:
    """Chinese full-text search over tickets (db.search), kept current by triggers.

    External content: the index stores no second copy of the text. Only the
    searchable columns fire the update trigger, so status changes cost nothing.
    """
    conn.execute(
        f"""
        CREATE VIRTUAL TABLE ticket_fts USING fts5(
            title, content, address, reported_unit,
            content='ticket', content_rowid='id', tokenize='{search.TOKENIZER}'
        );
        {_TICKET_FTS_TRIGGERS}
        INSERT INTO ticket_fts(ticket_fts) VALUES ('rebuild');
        """
    )


def upgrade_3(conn: apsw.Connection) -> None:
    """知识库: articles with every version kept, synonyms, use and feedback, the question queue.

    12345 6.3 (热线数据库), 12365 6.1.4 and 6.2.3.1. Articles carry uid/origin/rev
    for the batches to the province (DESIGN "Batches").
    """
    conn.execute(
        f"""
        CREATE TABLE kb_category (
            id INTEGER PRIMARY KEY,
            uid TEXT NOT NULL UNIQUE,
            parent_id INTEGER REFERENCES kb_category(id),
            name TEXT NOT NULL,
            sort INTEGER NOT NULL DEFAULT 0,
            active INTEGER NOT NULL DEFAULT 1,
            origin TEXT NOT NULL,
            rev INTEGER NOT NULL DEFAULT 1,
            updated_at TEXT NOT NULL
        );
        CREATE TABLE kb_article (
            id INTEGER PRIMARY KEY,
            uid TEXT NOT NULL UNIQUE,
            origin TEXT NOT NULL,
            rev INTEGER NOT NULL DEFAULT 1,
            updated_at TEXT NOT NULL,
            version INTEGER NOT NULL DEFAULT 1,
            status TEXT NOT NULL CHECK (status IN ('draft', 'pending', 'published', 'retired')),
            title TEXT NOT NULL,
            body TEXT NOT NULL,
            keywords TEXT NOT NULL DEFAULT '',
            category_id INTEGER REFERENCES kb_category(id),
            source_unit TEXT NOT NULL DEFAULT '',
            effective_on TEXT NOT NULL DEFAULT '',
            review_on TEXT NOT NULL DEFAULT '',
            expires_on TEXT NOT NULL DEFAULT '',
            source_ref TEXT NOT NULL DEFAULT '',
            use_count INTEGER NOT NULL DEFAULT 0,
            created_by INTEGER REFERENCES user(id),
            updated_by INTEGER REFERENCES user(id)
        );
        CREATE INDEX kb_article_status ON kb_article(status, updated_at);
        CREATE UNIQUE INDEX kb_article_source_ref ON kb_article(source_ref) WHERE source_ref <> '';
        CREATE TABLE kb_version (
            id INTEGER PRIMARY KEY,
            article_id INTEGER NOT NULL REFERENCES kb_article(id),
            version INTEGER NOT NULL,
            status TEXT NOT NULL,
            title TEXT NOT NULL,
            body TEXT NOT NULL,
            keywords TEXT NOT NULL,
            category_id INTEGER,
            source_unit TEXT NOT NULL,
            effective_on TEXT NOT NULL,
            review_on TEXT NOT NULL,
            expires_on TEXT NOT NULL,
            changed_by INTEGER REFERENCES user(id),
            changed_at TEXT NOT NULL,
            note TEXT NOT NULL DEFAULT '',
            UNIQUE (article_id, version)
        );
        CREATE TABLE kb_synonym (
            id INTEGER PRIMARY KEY,
            words TEXT NOT NULL UNIQUE,  -- one group, words joined by '|'
            updated_at TEXT NOT NULL
        );
        CREATE TABLE kb_use (
            id INTEGER PRIMARY KEY,
            article_id INTEGER NOT NULL REFERENCES kb_article(id),
            version INTEGER NOT NULL,
            ticket_id INTEGER REFERENCES ticket(id),
            used_by INTEGER REFERENCES user(id),
            used_at TEXT NOT NULL
        );
        CREATE INDEX kb_use_article ON kb_use(article_id);
        CREATE INDEX kb_use_ticket ON kb_use(ticket_id);
        CREATE TABLE kb_feedback (
            id INTEGER PRIMARY KEY,
            article_id INTEGER NOT NULL REFERENCES kb_article(id),
            version INTEGER NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('wrong', 'outdated', 'other')),
            note TEXT NOT NULL DEFAULT '',
            given_by INTEGER REFERENCES user(id),
            given_at TEXT NOT NULL,
            resolved_at TEXT NOT NULL DEFAULT ''
        );
        CREATE TABLE kb_question (
            ticket_id INTEGER PRIMARY KEY REFERENCES ticket(id),
            status TEXT NOT NULL CHECK (status IN ('open', 'answered', 'dismissed')),
            article_id INTEGER REFERENCES kb_article(id),
            updated_at TEXT NOT NULL
        );
        CREATE INDEX kb_question_status ON kb_question(status, ticket_id);
        CREATE TABLE kb_attachment (
            article_id INTEGER NOT NULL REFERENCES kb_article(id),
            sha256 TEXT NOT NULL,
            name TEXT NOT NULL,
            size INTEGER NOT NULL,
            PRIMARY KEY (article_id, sha256)
        ) WITHOUT ROWID;
        CREATE VIRTUAL TABLE kb_fts USING fts5(
            title, keywords, body, content='kb_article', content_rowid='id', tokenize='{search.TOKENIZER}'
        );
        CREATE VIRTUAL TABLE kb_fts_vocab USING fts5vocab(kb_fts, 'row');
        CREATE TRIGGER kb_fts_insert AFTER INSERT ON kb_article BEGIN
            INSERT INTO kb_fts(rowid, title, keywords, body) VALUES (new.id, new.title, new.keywords, new.body);
        END;
        CREATE TRIGGER kb_fts_delete AFTER DELETE ON kb_article BEGIN
            INSERT INTO kb_fts(kb_fts, rowid, title, keywords, body)
            VALUES ('delete', old.id, old.title, old.keywords, old.body);
        END;
        CREATE TRIGGER kb_fts_update AFTER UPDATE OF title, keywords, body ON kb_article BEGIN
            INSERT INTO kb_fts(kb_fts, rowid, title, keywords, body)
            VALUES ('delete', old.id, old.title, old.keywords, old.body);
            INSERT INTO kb_fts(rowid, title, keywords, body) VALUES (new.id, new.title, new.keywords, new.body);
        END;
        """
    )


def upgrade_4(conn: apsw.Connection) -> None:
    """An edit to a published article waits for 校核 beside it (kb_version), while
    operators keep finding the text that was checked; pending_version names it."""
    conn.execute("ALTER TABLE kb_article ADD COLUMN pending_version INTEGER")


def upgrade_5(conn: apsw.Connection) -> None:
    """派单 · 时限 · 督办: handling units, the working-day calendar, deadline rules,
    a unit's part in a dispatch (assignment), every running clock, extension
    requests, supervision actions and declared surges (集中大话务量).
    """
    conn.execute(
        """
        CREATE TABLE unit (
            id INTEGER PRIMARY KEY,
            uid TEXT NOT NULL UNIQUE,
            origin TEXT NOT NULL,
            rev INTEGER NOT NULL DEFAULT 1,
            updated_at TEXT NOT NULL,
            parent_id INTEGER REFERENCES unit(id),
            name TEXT NOT NULL,
            kind TEXT NOT NULL,
            contact TEXT NOT NULL DEFAULT '',
            duty_phone TEXT NOT NULL DEFAULT '',
            email TEXT NOT NULL DEFAULT '',
            address TEXT NOT NULL DEFAULT '',
            matters TEXT NOT NULL DEFAULT '',
            keywords TEXT NOT NULL DEFAULT '',
            sort INTEGER NOT NULL DEFAULT 0,
            active INTEGER NOT NULL DEFAULT 1
        );
        CREATE INDEX unit_parent ON unit(parent_id, sort);
        CREATE UNIQUE INDEX unit_name ON unit(ifnull(parent_id, 0), name);
        -- Days that differ from the plain week, beyond the chinesecalendar package:
        -- an imported State Council notice or an admin's correction.
        CREATE TABLE calendar_day (
            day TEXT PRIMARY KEY,
            off INTEGER NOT NULL,
            name TEXT NOT NULL DEFAULT '',
            source TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            updated_by INTEGER REFERENCES user(id)
        ) WITHOUT ROWID;
        -- A year whose notice has been imported: its working days are known.
        CREATE TABLE calendar_year (
            year INTEGER PRIMARY KEY,
            source TEXT NOT NULL,
            imported_at TEXT NOT NULL,
            imported_by INTEGER REFERENCES user(id)
        );
        -- Every edited rule set of a profile is kept, so a deadline names the
        -- version it was computed with; version 0 is the standard's default.
        CREATE TABLE deadline_rules (
            id INTEGER PRIMARY KEY,
            profile TEXT NOT NULL,
            version INTEGER NOT NULL,
            rules TEXT NOT NULL,
            note TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            created_by INTEGER REFERENCES user(id),
            UNIQUE (profile, version)
        );
        CREATE TABLE surge (
            id INTEGER PRIMARY KEY,
            starts_at TEXT NOT NULL,
            ends_at TEXT NOT NULL,
            reason TEXT NOT NULL,
            declared_by INTEGER REFERENCES user(id),
            declared_at TEXT NOT NULL
        );
        CREATE TABLE assignment (
            id INTEGER PRIMARY KEY,
            uid TEXT NOT NULL UNIQUE,
            origin TEXT NOT NULL,
            rev INTEGER NOT NULL DEFAULT 1,
            updated_at TEXT NOT NULL,
            ticket_id INTEGER NOT NULL REFERENCES ticket(id),
            unit_id INTEGER NOT NULL REFERENCES unit(id),
            role TEXT NOT NULL CHECK (role IN ('lead', 'co')),
            status TEXT NOT NULL,
            dispatched_at TEXT NOT NULL,
            dispatched_by INTEGER REFERENCES user(id),
            method TEXT NOT NULL,
            opinion TEXT NOT NULL DEFAULT '',
            signed_at TEXT NOT NULL DEFAULT '',
            signed_by TEXT NOT NULL DEFAULT '',
            feedback TEXT NOT NULL DEFAULT '{}',
            feedback_at TEXT NOT NULL DEFAULT '',
            closed_at TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX assignment_ticket ON assignment(ticket_id);
        CREATE INDEX assignment_unit ON assignment(unit_id, status);
        CREATE INDEX assignment_status ON assignment(status, updated_at);
        -- Every clock that runs on a ticket. Open clocks (met_at = '') are few
        -- beside the closed ones; the partial index keeps the reminder scan on them.
        CREATE TABLE deadline (
            id INTEGER PRIMARY KEY,
            ticket_id INTEGER NOT NULL REFERENCES ticket(id),
            assignment_id INTEGER REFERENCES assignment(id),
            stage TEXT NOT NULL,
            started_at TEXT NOT NULL,
            due_at TEXT NOT NULL,
            provisional INTEGER NOT NULL DEFAULT 0,
            profile TEXT NOT NULL,
            rules_version INTEGER NOT NULL,
            rule_key TEXT NOT NULL,
            met_at TEXT NOT NULL DEFAULT '',
            cancelled INTEGER NOT NULL DEFAULT 0,
            notified_level INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX deadline_open ON deadline(due_at) WHERE met_at = '';
        CREATE INDEX deadline_ticket ON deadline(ticket_id);
        CREATE INDEX deadline_assignment ON deadline(assignment_id) WHERE assignment_id IS NOT NULL;
        CREATE INDEX deadline_provisional ON deadline(id) WHERE provisional = 1 AND met_at = '';
        CREATE TABLE extension_request (
            id INTEGER PRIMARY KEY,
            uid TEXT NOT NULL UNIQUE,
            origin TEXT NOT NULL,
            rev INTEGER NOT NULL DEFAULT 1,
            updated_at TEXT NOT NULL,
            assignment_id INTEGER NOT NULL REFERENCES assignment(id),
            reason TEXT NOT NULL,
            requested_due TEXT NOT NULL,
            asked_at TEXT NOT NULL,
            recorded_by INTEGER REFERENCES user(id),
            decision TEXT NOT NULL DEFAULT '',
            decided_at TEXT NOT NULL DEFAULT '',
            decided_by INTEGER REFERENCES user(id),
            decision_note TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX extension_open ON extension_request(assignment_id) WHERE decision = '';
        CREATE TABLE supervision (
            id INTEGER PRIMARY KEY,
            uid TEXT NOT NULL UNIQUE,
            origin TEXT NOT NULL,
            rev INTEGER NOT NULL DEFAULT 1,
            updated_at TEXT NOT NULL,
            ticket_id INTEGER NOT NULL REFERENCES ticket(id),
            unit_id INTEGER REFERENCES unit(id),
            kind TEXT NOT NULL,
            at TEXT NOT NULL,
            by_user INTEGER REFERENCES user(id),
            content TEXT NOT NULL,
            answer TEXT NOT NULL DEFAULT '',
            answered_at TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX supervision_ticket ON supervision(ticket_id);
        -- 复杂疑难 (12345 5.2.2.3.2): set at dispatch, gives the 15-day feedback clock.
        ALTER TABLE ticket ADD COLUMN complex INTEGER NOT NULL DEFAULT 0;
        """
    )


def upgrade_6(conn: apsw.Connection) -> None:
    """调解与文书: complaint mediation (12365 6.3.5.2.2) with its parties and sessions,
    every document issued (file by SHA-256, template version), 文书编号 counters per
    year, and the admin's own templates (kept in the database: small, and they must
    travel with a backup).
    """
    conn.execute(
        """
        CREATE TABLE mediation_case (
            id INTEGER PRIMARY KEY,
            uid TEXT NOT NULL UNIQUE,
            origin TEXT NOT NULL,
            rev INTEGER NOT NULL DEFAULT 1,
            updated_at TEXT NOT NULL,
            ticket_id INTEGER NOT NULL REFERENCES ticket(id),
            status TEXT NOT NULL,
            outcome TEXT NOT NULL DEFAULT '',
            facts TEXT NOT NULL DEFAULT '',
            request TEXT NOT NULL DEFAULT '',
            agreement TEXT NOT NULL DEFAULT '',
            termination_reason TEXT NOT NULL DEFAULT '',
            mediator_id INTEGER REFERENCES user(id),
            opened_at TEXT NOT NULL,
            concluded_at TEXT NOT NULL DEFAULT ''
        );
        CREATE UNIQUE INDEX mediation_open ON mediation_case(ticket_id) WHERE status = 'open';
        CREATE INDEX mediation_ticket ON mediation_case(ticket_id);
        CREATE TABLE mediation_party (
            id INTEGER PRIMARY KEY,
            uid TEXT NOT NULL UNIQUE,
            case_id INTEGER NOT NULL REFERENCES mediation_case(id),
            side TEXT NOT NULL,
            kind TEXT NOT NULL,
            name TEXT NOT NULL,
            gender TEXT NOT NULL DEFAULT '',
            id_number TEXT NOT NULL DEFAULT '',
            phone TEXT NOT NULL DEFAULT '',
            address TEXT NOT NULL DEFAULT '',
            representative TEXT NOT NULL DEFAULT '',
            representative_role TEXT NOT NULL DEFAULT '',
            sort INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX mediation_party_case ON mediation_party(case_id, side, sort);
        CREATE TABLE mediation_session (
            id INTEGER PRIMARY KEY,
            uid TEXT NOT NULL UNIQUE,
            case_id INTEGER NOT NULL REFERENCES mediation_case(id),
            at TEXT NOT NULL,
            place TEXT NOT NULL,
            mediators TEXT NOT NULL,
            record TEXT NOT NULL,
            recorded_by INTEGER REFERENCES user(id),
            recorded_at TEXT NOT NULL
        );
        CREATE INDEX mediation_session_case ON mediation_session(case_id, at);
        CREATE TABLE issued_document (
            id INTEGER PRIMARY KEY,
            uid TEXT NOT NULL UNIQUE,
            origin TEXT NOT NULL,
            rev INTEGER NOT NULL DEFAULT 1,
            updated_at TEXT NOT NULL,
            ticket_id INTEGER NOT NULL REFERENCES ticket(id),
            case_id INTEGER REFERENCES mediation_case(id),
            assignment_id INTEGER REFERENCES assignment(id),
            supervision_id INTEGER REFERENCES supervision(id),
            kind TEXT NOT NULL,
            number TEXT NOT NULL DEFAULT '',
            template TEXT NOT NULL,
            template_sha256 TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            size INTEGER NOT NULL,
            file_name TEXT NOT NULL,
            masked INTEGER NOT NULL DEFAULT 0,
            issued_at TEXT NOT NULL,
            issued_by INTEGER REFERENCES user(id)
        );
        CREATE INDEX issued_document_ticket ON issued_document(ticket_id, issued_at);
        CREATE UNIQUE INDEX issued_document_number ON issued_document(origin, number) WHERE number != '';
        CREATE TABLE document_counter (
            key TEXT PRIMARY KEY,
            last INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE document_template (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            version INTEGER NOT NULL,
            name TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            content BLOB NOT NULL,
            note TEXT NOT NULL DEFAULT '',
            uploaded_at TEXT NOT NULL,
            uploaded_by INTEGER REFERENCES user(id),
            active INTEGER NOT NULL DEFAULT 1,
            UNIQUE (kind, version)
        );
        CREATE UNIQUE INDEX document_template_active ON document_template(kind) WHERE active;
        -- Archive forms are issued for tickets finished in a date range (12365 6.2.4, 6.3.6, 6.4.6).
        CREATE INDEX ticket_event_finished ON ticket_event(at)
            WHERE kind IN ('closed', 'direct_answered', 'not_accepted');
        """
    )


# A UUID (version 4 layout) made by SQLite, for rows that had no uid before.
_SQL_UUID = (
    "lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2)"
    " || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2)"
    " || '-' || lower(hex(randomblob(6)))"
)

# Travelling tables whose rev a trigger raises when a change forgot to (DESIGN "Data":
# the owning center raises rev on every change). Only rows this center owns: the
# province writes districts' rows with their own rev. A column list leaves out what
# stays local (an article's use count, a deadline's reminder level).
_REV_TRIGGERS = {
    "user": "username, display_name, active",
    "topic": "",
    "unit": "",
    "kb_category": "",
    "kb_article": "status, title, body, keywords, category_id, source_unit, effective_on, review_on, expires_on, version",
    "ticket": "",
    "assignment": "",
    "deadline": "ticket_id, assignment_id, stage, started_at, due_at, provisional, profile, rules_version, rule_key, met_at, cancelled",
    "extension_request": "",
    "supervision": "",
    "mediation_case": "",
    "issued_document": "",
}


def upgrade_7(conn: apsw.Connection) -> None:
    """上报省级中心 (DESIGN "Batches to the province"): this center's key pairs, the
    peers' public keys, what was sent and acknowledged (district), what arrived
    from whom with every import's report, conflicts kept aside (province).

    Users and deadlines join the travelling records (staff names show on the
    province's events; overdue statistics need the deadlines); unit names are
    unique per center only, since the province holds every district's units.
    """
    conn.execute(
        f"""
        ALTER TABLE center ADD COLUMN role TEXT NOT NULL DEFAULT 'district' CHECK (role IN ('district', 'province'));
        ALTER TABLE user ADD COLUMN origin TEXT NOT NULL DEFAULT '';
        ALTER TABLE user ADD COLUMN rev INTEGER NOT NULL DEFAULT 1;
        UPDATE user SET origin = ifnull((SELECT code FROM center WHERE id = 1), '');
        CREATE INDEX user_origin ON user(origin);
        ALTER TABLE deadline ADD COLUMN uid TEXT NOT NULL DEFAULT '';
        ALTER TABLE deadline ADD COLUMN rev INTEGER NOT NULL DEFAULT 1;
        UPDATE deadline SET uid = {_SQL_UUID};
        CREATE UNIQUE INDEX deadline_uid ON deadline(uid);
        DROP INDEX unit_name;
        CREATE UNIQUE INDEX unit_name ON unit(origin, ifnull(parent_id, 0), name);

        CREATE TABLE sync_key (
            id INTEGER PRIMARY KEY,
            key_id TEXT NOT NULL UNIQUE,
            sign_public BLOB NOT NULL,
            sign_private BLOB NOT NULL,
            enc_public BLOB NOT NULL,
            enc_private BLOB NOT NULL,
            created_at TEXT NOT NULL,
            created_by INTEGER REFERENCES user(id),
            retired_at TEXT NOT NULL DEFAULT ''
        );
        CREATE UNIQUE INDEX sync_key_current ON sync_key((1)) WHERE retired_at = '';
        CREATE TABLE sync_peer_key (
            id INTEGER PRIMARY KEY,
            center_code TEXT NOT NULL,
            center_name TEXT NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('district', 'province')),
            key_id TEXT NOT NULL UNIQUE,
            sign_public BLOB NOT NULL,
            enc_public BLOB NOT NULL,
            created_at TEXT NOT NULL,
            registered_at TEXT NOT NULL,
            registered_by INTEGER REFERENCES user(id),
            revoked_at TEXT NOT NULL DEFAULT '',
            revoke_reason TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX sync_peer_center ON sync_peer_key(center_code);

        -- District: per record, the rev last written into a batch and the highest the province acknowledged.
        CREATE TABLE sync_state (
            uid TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            sent_rev INTEGER NOT NULL DEFAULT 0,
            sent_batch INTEGER NOT NULL DEFAULT 0,
            acked_rev INTEGER NOT NULL DEFAULT 0
        ) WITHOUT ROWID;
        CREATE TABLE sync_batch_out (
            sequence INTEGER PRIMARY KEY,
            status TEXT NOT NULL CHECK (status IN ('writing', 'exported', 'abandoned')),
            file_name TEXT NOT NULL DEFAULT '',
            sha256 TEXT NOT NULL DEFAULT '',
            size INTEGER NOT NULL DEFAULT 0,
            record_count INTEGER NOT NULL DEFAULT 0,
            previous_hash TEXT NOT NULL DEFAULT '',
            province TEXT NOT NULL DEFAULT '',
            started_at TEXT NOT NULL,
            exported_at TEXT NOT NULL DEFAULT '',
            exported_by INTEGER REFERENCES user(id)
        );
        CREATE TABLE sync_receipt_in (
            id INTEGER PRIMARY KEY,
            sha256 TEXT NOT NULL UNIQUE,
            province TEXT NOT NULL,
            sequence INTEGER NOT NULL,
            contiguous INTEGER NOT NULL,
            missing TEXT NOT NULL DEFAULT '[]',
            acknowledged INTEGER NOT NULL DEFAULT 0,
            not_acknowledged INTEGER NOT NULL DEFAULT 0,
            report TEXT NOT NULL DEFAULT '{{}}',
            imported_at TEXT NOT NULL,
            imported_by INTEGER REFERENCES user(id)
        );

        -- Province: one row per file offered for import, with its report (kept whatever the result).
        CREATE TABLE sync_import (
            id INTEGER PRIMARY KEY,
            file_name TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            size INTEGER NOT NULL,
            district TEXT NOT NULL DEFAULT '',
            sequence INTEGER,
            previous_hash TEXT NOT NULL DEFAULT '',
            signer_key TEXT NOT NULL DEFAULT '',
            schema_version INTEGER,
            status TEXT NOT NULL CHECK (status IN ('imported', 'rejected', 'repeat')),
            message TEXT NOT NULL DEFAULT '',
            alarm TEXT NOT NULL DEFAULT '',
            received INTEGER NOT NULL DEFAULT 0,
            new INTEGER NOT NULL DEFAULT 0,
            updated INTEGER NOT NULL DEFAULT 0,
            unchanged INTEGER NOT NULL DEFAULT 0,
            stale INTEGER NOT NULL DEFAULT 0,
            conflict INTEGER NOT NULL DEFAULT 0,
            rejected INTEGER NOT NULL DEFAULT 0,
            quarantine TEXT NOT NULL DEFAULT '',
            imported_at TEXT NOT NULL,
            imported_by INTEGER REFERENCES user(id),
            CHECK (received = new + updated + unchanged + stale + conflict + rejected)
        );
        CREATE INDEX sync_import_district ON sync_import(district, sequence) WHERE status = 'imported';
        CREATE INDEX sync_import_sha ON sync_import(sha256);
        -- The version of each record the province holds, and the outcome of every version received.
        CREATE TABLE sync_record (
            uid TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            origin TEXT NOT NULL,
            rev INTEGER NOT NULL,
            hash TEXT NOT NULL,
            import_id INTEGER NOT NULL REFERENCES sync_import(id)
        ) WITHOUT ROWID;
        CREATE TABLE sync_outcome (
            import_id INTEGER NOT NULL REFERENCES sync_import(id),
            kind TEXT NOT NULL,
            uid TEXT NOT NULL,
            rev INTEGER NOT NULL,
            outcome TEXT NOT NULL,
            reason TEXT NOT NULL DEFAULT '',
            PRIMARY KEY (import_id, uid)
        ) WITHOUT ROWID;
        CREATE TABLE sync_conflict (
            id INTEGER PRIMARY KEY,
            import_id INTEGER NOT NULL REFERENCES sync_import(id),
            kind TEXT NOT NULL,
            uid TEXT NOT NULL,
            origin TEXT NOT NULL,
            rev INTEGER NOT NULL,
            hash TEXT NOT NULL,
            stored_hash TEXT NOT NULL,
            payload TEXT NOT NULL,
            UNIQUE (uid, rev, hash)
        );
        CREATE TABLE sync_receipt_out (
            id INTEGER PRIMARY KEY,
            district TEXT NOT NULL,
            sequence INTEGER NOT NULL,
            last_import_id INTEGER NOT NULL,
            file_name TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            exported_at TEXT NOT NULL,
            exported_by INTEGER REFERENCES user(id),
            UNIQUE (district, sequence)
        );
        """
    )
    for table in _REV_TRIGGERS:
        conn.execute(_rev_trigger(table))


def _rev_trigger(table: str) -> str:
    columns = _REV_TRIGGERS[table]
    of = f" OF {columns}" if columns else ""
    owner = "NEW.origin" if table != "deadline" else "(SELECT origin FROM ticket WHERE id = NEW.ticket_id)"
    return f"""
        CREATE TRIGGER {table}_rev AFTER UPDATE{of} ON {table}
        WHEN NEW.rev = OLD.rev AND {owner} = (SELECT code FROM center WHERE id = 1)
        BEGIN
            UPDATE {table} SET rev = OLD.rev + 1 WHERE id = NEW.id;
        END;
        """


# The ticket table as upgrades 1, 5 and 7 left it, column for column (upgrade 8 copies these).
_TICKET_COLUMNS_7 = (
    "id, uid, origin, rev, updated_at, number, hotline, channel, status, received_at, caller_name, caller_phone,"
    " caller_contact, caller_address, caller_org, confidential, visit_consent, occurred_at, region_code, address,"
    " reported_unit, title, content, category, topic_id, urgency, emergency_type, risk_level, not_accepted_reason,"
    " referral, reply, repeat_of_id, details, source_ref, created_by, complex"
)


def upgrade_8(conn: apsw.Connection) -> None:
    """Ticket numbers unique per center, not across the province (issue 15 §2, §3).

    Numbers carry their center's code, so they never collide between centers; yet a
    district could have another's genuine ticket refused by sending that number first,
    and a district restored from a backup reissues numbers it had used. Uniqueness is
    now ``(origin, number)``, and at the province a ticket whose number another of the
    same district holds is kept with ``number_clash`` set (a province-local flag, never
    exported; always 0 at a district) until the district renumbers it.

    SQLite cannot drop an inline UNIQUE, so the table is rebuilt as its documentation
    describes ("Making Other Kinds Of Table Schema Changes"): ``upgrade`` turns foreign
    keys off around the transaction and checks them before the commit; no ON DELETE
    action refers to ticket; rows keep their ids, so every reference and the search
    index (external content, by rowid) stay as they are. ``legacy_alter_table`` keeps
    the rename from rewriting, or tripping over, other tables' triggers that name ticket.
    """
    before = conn.execute("SELECT count(*) FROM ticket").fetchone()[0]
    conn.execute("PRAGMA legacy_alter_table = ON")
    try:
        conn.execute(
            f"""
            CREATE TABLE ticket_new (
                id INTEGER PRIMARY KEY,
                uid TEXT NOT NULL UNIQUE,
                origin TEXT NOT NULL,
                rev INTEGER NOT NULL DEFAULT 1,
                updated_at TEXT NOT NULL,
                number TEXT NOT NULL,
                hotline TEXT NOT NULL DEFAULT '12345' CHECK (hotline IN ('12345', '12365')),
                channel TEXT NOT NULL,
                status TEXT NOT NULL,
                received_at TEXT NOT NULL,
                caller_name TEXT NOT NULL DEFAULT '',
                caller_phone TEXT NOT NULL DEFAULT '',
                caller_contact TEXT NOT NULL DEFAULT '',
                caller_address TEXT NOT NULL DEFAULT '',
                caller_org TEXT NOT NULL DEFAULT '',
                confidential INTEGER NOT NULL DEFAULT 0,
                visit_consent INTEGER NOT NULL DEFAULT 1,
                occurred_at TEXT NOT NULL DEFAULT '',
                region_code TEXT NOT NULL DEFAULT '',
                address TEXT NOT NULL DEFAULT '',
                reported_unit TEXT NOT NULL DEFAULT '',
                title TEXT NOT NULL,
                content TEXT NOT NULL,
                category TEXT NOT NULL,
                topic_id INTEGER REFERENCES topic(id),
                urgency TEXT NOT NULL DEFAULT 'normal',
                emergency_type TEXT NOT NULL DEFAULT '',
                risk_level TEXT NOT NULL DEFAULT '',
                not_accepted_reason TEXT NOT NULL DEFAULT '',
                referral TEXT NOT NULL DEFAULT '',
                reply TEXT NOT NULL DEFAULT '',
                repeat_of_id INTEGER REFERENCES ticket(id),
                details TEXT NOT NULL DEFAULT '{{}}',
                source_ref TEXT NOT NULL DEFAULT '',
                created_by INTEGER REFERENCES user(id),
                complex INTEGER NOT NULL DEFAULT 0,
                number_clash INTEGER NOT NULL DEFAULT 0
            );
            INSERT INTO ticket_new ({_TICKET_COLUMNS_7}) SELECT {_TICKET_COLUMNS_7} FROM ticket ORDER BY id;
            DROP TABLE ticket;
            ALTER TABLE ticket_new RENAME TO ticket;
            CREATE INDEX ticket_received ON ticket(received_at);
            CREATE INDEX ticket_phone ON ticket(caller_phone, received_at);
            CREATE INDEX ticket_status ON ticket(status, received_at);
            CREATE INDEX ticket_category ON ticket(category, received_at);
            CREATE INDEX ticket_repeat ON ticket(repeat_of_id) WHERE repeat_of_id IS NOT NULL;
            CREATE INDEX ticket_source_ref ON ticket(source_ref) WHERE source_ref <> '';
            -- The list's number search and sort, and each day's last number (db.bulk), across centers.
            CREATE INDEX ticket_number ON ticket(number);
            CREATE UNIQUE INDEX ticket_origin_number ON ticket(origin, number) WHERE number_clash = 0;
            CREATE INDEX ticket_number_clash ON ticket(origin) WHERE number_clash = 1;
            {_TICKET_FTS_TRIGGERS}
            {_rev_trigger("ticket")}
            """
        )
    finally:
        conn.execute("PRAGMA legacy_alter_table = OFF")
    after = conn.execute("SELECT count(*) FROM ticket").fetchone()[0]
    broken = conn.execute("PRAGMA foreign_key_check(ticket)").fetchone()
    if after != before or broken is not None:  # cannot happen; if it did, the transaction rolls back whole
        raise UpgradeFailed(8, f"复制工单表时行数不符（{after} / {before}）" if after != before
                            else f"工单表第 {broken[1]} 行引用了不存在的 {broken[2]} 记录")


def upgrade_9(conn: apsw.Connection) -> None:
    """A renumbered ticket is still found by the number its caller was given (issue 15 §2): the
    工单改号 events keep the former number, and this partial index finds them by it (a few
    rows: only renumbered tickets' events are in it)."""
    conn.execute(f"CREATE INDEX ticket_event_former_number ON ticket_event({FORMER_NUMBER}) WHERE kind = 'renumbered'")


def upgrade_10(conn: apsw.Connection) -> None:
    """话务记录 (issue 17): the phone system's call records, imported file by file (12345 5.1.3.2;
    12365 3.7, 3.8). A call is kept once (``call_key``: the system's call id, else a hash of what
    the record says), so an export that overlaps an earlier one adds only what is new; each call
    answered may point at the ticket registered during it."""
    conn.execute("""
        CREATE TABLE call_import (
            id INTEGER PRIMARY KEY,
            file_name TEXT NOT NULL,
            sha256 TEXT NOT NULL UNIQUE,
            imported_at TEXT NOT NULL,
            imported_by INTEGER REFERENCES user(id),
            rows INTEGER NOT NULL,
            added INTEGER NOT NULL,
            duplicates INTEGER NOT NULL,
            first_call TEXT NOT NULL DEFAULT '',
            last_call TEXT NOT NULL DEFAULT ''
        )""")
    conn.execute("""
        CREATE TABLE call_record (
            id INTEGER PRIMARY KEY,
            call_key TEXT NOT NULL UNIQUE,
            called_at TEXT NOT NULL,
            caller TEXT NOT NULL DEFAULT '',
            answered INTEGER NOT NULL CHECK (answered IN (0, 1)),
            wait_seconds INTEGER NOT NULL CHECK (wait_seconds >= 0),
            talk_seconds INTEGER NOT NULL CHECK (talk_seconds >= 0),
            agent TEXT NOT NULL DEFAULT '',
            ticket_id INTEGER REFERENCES ticket(id),
            import_id INTEGER NOT NULL REFERENCES call_import(id)
        )""")
    conn.execute("CREATE INDEX call_record_time ON call_record(called_at)")
    conn.execute("CREATE INDEX call_record_ticket ON call_record(ticket_id) WHERE ticket_id IS NOT NULL")


def upgrade_11(conn: apsw.Connection) -> None:
    """回访 (issue 17; 12345 5.4, GB/T 33358 10.4): one row per visit round of a ticket, the first
    after its feedback review closes it, another after each re-handling (二次办理). Travels to the
    province like the ticket's other records."""
    conn.execute("""
        CREATE TABLE return_visit (
            id INTEGER PRIMARY KEY,
            uid TEXT NOT NULL UNIQUE,
            origin TEXT NOT NULL,
            rev INTEGER NOT NULL DEFAULT 1,
            updated_at TEXT NOT NULL,
            ticket_id INTEGER NOT NULL REFERENCES ticket(id),
            round INTEGER NOT NULL CHECK (round >= 1),
            status TEXT NOT NULL,
            attempts TEXT NOT NULL DEFAULT '[]',
            visited_at TEXT NOT NULL DEFAULT '',
            visited_by INTEGER REFERENCES user(id),
            unit_contacted TEXT NOT NULL DEFAULT '',
            solved TEXT NOT NULL DEFAULT '',
            satisfaction TEXT NOT NULL DEFAULT '',
            dissatisfied_with TEXT NOT NULL DEFAULT '[]',
            comment TEXT NOT NULL DEFAULT '',
            corrected_from TEXT NOT NULL DEFAULT '',
            correction_reason TEXT NOT NULL DEFAULT '',
            corrected_by INTEGER REFERENCES user(id),
            rehandled INTEGER NOT NULL DEFAULT 0,
            UNIQUE (ticket_id, round)
        )""")
    conn.execute("CREATE INDEX return_visit_status ON return_visit(status)")
    # The visit queue reads the lead assignments closed lately, oldest first (core.visits.queue).
    conn.execute("CREATE INDEX assignment_lead_closed ON assignment(closed_at) WHERE role = 'lead' AND status = 'closed'")


def upgrade_12(conn: apsw.Connection) -> None:
    """好差评 (issue 17; 12345 5.3.3–5.3.4): the caller's own evaluation of a ticket, from the phone's
    keypad, the web platform or SMS, imported from the platform's export; one per ticket and channel
    ("每接受一次服务后，可进行 1 次评价"). Never changed once taken; travels like an event."""
    conn.execute("""
        CREATE TABLE evaluation (
            id INTEGER PRIMARY KEY,
            uid TEXT NOT NULL UNIQUE,
            origin TEXT NOT NULL,
            ticket_id INTEGER NOT NULL REFERENCES ticket(id),
            channel TEXT NOT NULL,
            satisfaction TEXT NOT NULL,
            comment TEXT NOT NULL DEFAULT '',
            evaluated_at TEXT NOT NULL,
            UNIQUE (ticket_id, channel)
        )""")


# The expression core.tickets.queries searches by, written once so the index is used.
FORMER_NUMBER = "json_extract(data, '$.old')"


class UpgradeFailed(Exception):
    """An upgrade found the file not as it must be; everything is rolled back (core.store says so)."""

    def __init__(self, version: int, what: str) -> None:
        super().__init__(f"数据结构升级到第 {version} 版时发现问题：{what}。数据库没有改动。")
        self.message = str(self)


UPGRADES: list[Callable[[apsw.Connection], None]] = [upgrade_1, upgrade_2, upgrade_3, upgrade_4, upgrade_5, upgrade_6,
                                                      upgrade_7, upgrade_8, upgrade_9, upgrade_10,
                                                      upgrade_11, upgrade_12]
SCHEMA_VERSION = len(UPGRADES)


def schema_version(conn: apsw.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def upgrade(conn: apsw.Connection) -> int:
    """Bring the schema up to date; return the version found before.

    Raises SchemaTooNew, having written nothing, for a newer database.
    """
    found = schema_version(conn)
    if found > SCHEMA_VERSION:
        raise SchemaTooNew(found, SCHEMA_VERSION)
    if found == SCHEMA_VERSION:
        return found
    # A table rebuild (upgrade 8) drops a table others refer to: foreign keys are off for the
    # transaction (the pragma does nothing inside one). The rebuilt table keeps every id, so
    # every reference still resolves; what the rebuild writes is checked by the rebuild itself
    # (the table's own references, its row count) rather than by a foreign_key_check of the
    # whole file, which would read every row of a province's tens of millions at open, and
    # refuse an upgrade for a reference an older program left dangling long before.
    enforced = bool(conn.execute("PRAGMA foreign_keys").fetchone()[0])
    conn.execute("PRAGMA foreign_keys = OFF")
    try:
        conn.execute("BEGIN EXCLUSIVE")
        try:
            # Re-read inside the lock: another process may have upgraded meanwhile.
            current = schema_version(conn)
            for number in range(current + 1, SCHEMA_VERSION + 1):
                log.info("upgrading schema to version %d", number)
                UPGRADES[number - 1](conn)
                conn.execute(f"PRAGMA user_version = {number}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    finally:
        if enforced:
            conn.execute("PRAGMA foreign_keys = ON")
    return found
