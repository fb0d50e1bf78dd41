-- Support desk (issue 6): tickets with a message thread and a history of every status change,
-- notice-and-takedown records (信息网络传播权保护条例 arts. 14–17) and the admins' audit log.

CREATE TABLE tickets (
  id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  category          text        NOT NULL,
  status            text        NOT NULL DEFAULT 'open',
  subject           text        NOT NULL,
  -- NULL only for an anonymous copyright notice, which then must carry a contact.
  reporter_id       bigint      REFERENCES users (id),
  contact           text,
  document_id       bigint      REFERENCES documents (id),
  purchase_id       bigint      REFERENCES purchases (id),
  -- What a copyright notice must name (art. 14): the work, the right holder, the proof.
  work_title        text,
  right_holder      text,
  proof             text,
  -- A takedown opens a ticket for the uploader (so they are told and can answer with a
  -- counter-notice); it points at the complaint that caused it.
  notice_for_ticket_id bigint   REFERENCES tickets (id),
  -- The latest decision; the full history is in ticket_events.
  resolution_action text,
  resolution_note   text,
  resolved_by       bigint      REFERENCES users (id),
  resolved_at       timestamptz,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT tickets_category_check CHECK (category IN ('copyright', 'mismatch', 'download_failed', 'refund', 'other')),
  CONSTRAINT tickets_status_check CHECK (status IN ('open', 'in_review', 'resolved', 'rejected')),
  CONSTRAINT tickets_reporter_check CHECK (reporter_id IS NOT NULL OR (category = 'copyright' AND contact IS NOT NULL)),
  CONSTRAINT tickets_resolution_action_check CHECK (resolution_action IN ('refund', 'takedown', 'reject', 'none', 'restore')),
  CONSTRAINT tickets_resolution_check CHECK ((resolution_action IS NULL) = (resolved_at IS NULL)),
  CONSTRAINT tickets_subject_check CHECK (length(subject) BETWEEN 1 AND 200)
);
-- The admin queue: filter by status and/or category, newest first.
CREATE INDEX tickets_queue_idx ON tickets (status, id DESC);
CREATE INDEX tickets_category_queue_idx ON tickets (category, status, id DESC);
CREATE INDEX tickets_reporter_idx ON tickets (reporter_id, id DESC) WHERE reporter_id IS NOT NULL;
CREATE INDEX tickets_document_idx ON tickets (document_id) WHERE document_id IS NOT NULL;
CREATE INDEX tickets_purchase_idx ON tickets (purchase_id) WHERE purchase_id IS NOT NULL;
CREATE INDEX tickets_notice_for_idx ON tickets (notice_for_ticket_id) WHERE notice_for_ticket_id IS NOT NULL;

CREATE TABLE ticket_messages (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  ticket_id  bigint      NOT NULL REFERENCES tickets (id),
  author     text        NOT NULL,
  author_id  bigint      REFERENCES users (id), -- NULL for an anonymous reporter or a system notice
  body       text        NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT ticket_messages_author_check CHECK (author IN ('user', 'support')),
  CONSTRAINT ticket_messages_body_check CHECK (length(body) BETWEEN 1 AND 10000)
);
CREATE INDEX ticket_messages_ticket_idx ON ticket_messages (ticket_id, id);

-- Who changed what on a ticket, and when: status changes and actions (refund, takedown, ...).
CREATE TABLE ticket_events (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  ticket_id   bigint      NOT NULL REFERENCES tickets (id),
  actor_id    bigint      REFERENCES users (id), -- NULL: the anonymous reporter
  kind        text        NOT NULL,
  from_status text,
  to_status   text,
  note        text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT ticket_events_kind_check CHECK (kind IN
    ('created', 'status', 'message', 'refund', 'takedown', 'reject', 'none', 'restore', 'counter_notice'))
);
CREATE INDEX ticket_events_ticket_idx ON ticket_events (ticket_id, id);

-- Every step of notice-and-takedown for a document, in order.
CREATE TABLE takedown_actions (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  document_id bigint      NOT NULL REFERENCES documents (id),
  ticket_id   bigint      REFERENCES tickets (id),
  action      text        NOT NULL,
  actor_id    bigint      NOT NULL REFERENCES users (id),
  note        text,
  proof       text,       -- the counter-notice's proof
  -- The status a takedown replaced, so a restore puts the document back as it was.
  previous_status text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT takedown_actions_action_check CHECK (action IN ('takedown', 'counter_notice', 'restore'))
);
CREATE INDEX takedown_actions_document_idx ON takedown_actions (document_id, id);
CREATE INDEX takedown_actions_ticket_idx ON takedown_actions (ticket_id) WHERE ticket_id IS NOT NULL;

-- Append-only record of what admins did.
CREATE TABLE admin_audit_log (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  admin_id    bigint      NOT NULL REFERENCES users (id),
  action      text        NOT NULL,
  target_type text        NOT NULL,
  target_id   bigint      NOT NULL,
  details     jsonb       NOT NULL DEFAULT '{}',
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX admin_audit_log_created_idx ON admin_audit_log (id DESC);
CREATE INDEX admin_audit_log_target_idx ON admin_audit_log (target_type, target_id, id DESC);

CREATE FUNCTION admin_audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'admin_audit_log is append-only' USING ERRCODE = 'check_violation';
END $$;
CREATE TRIGGER admin_audit_log_no_update BEFORE UPDATE OR DELETE ON admin_audit_log
  FOR EACH ROW EXECUTE FUNCTION admin_audit_log_append_only();
