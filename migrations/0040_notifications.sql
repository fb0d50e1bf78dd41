-- Notifications (issue 15): one row per event a user should hear about, written in the same
-- transaction as the event itself, so a rolled-back sale never tells the author it happened.
CREATE TABLE notifications (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id    bigint      NOT NULL,
  kind       text        NOT NULL,
  title      text        NOT NULL,
  body       text        NOT NULL DEFAULT '',
  link       text,
  created_at timestamptz NOT NULL DEFAULT now(),
  read_at    timestamptz,
  CONSTRAINT notifications_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
  CONSTRAINT notifications_kind_check CHECK (kind ~ '^[a-z_]{1,40}$'),
  -- Links stay on this site: a notification never sends a reader elsewhere.
  CONSTRAINT notifications_link_check CHECK (link IS NULL OR link ~ '^/[^/\\]')
);

-- The list, newest first, per user.
CREATE INDEX notifications_user_id_id_idx ON notifications (user_id, id DESC);
-- The bell's count runs on every logged-in page: only the unread rows are indexed for it.
CREATE INDEX notifications_unread_idx ON notifications (user_id) WHERE read_at IS NULL;
