-- Worker liveness (issue 14): every process that converts documents or writes temporary files
-- keeps a heartbeat row, so a crashed process's conversions and files are found in seconds
-- instead of waiting out a fixed lease or an hour-long grace period.

CREATE TABLE worker_processes (
  -- A fresh id each time a process starts: a restarted process (same host, maybe the same pid,
  -- e.g. pid 1 in a container) is never mistaken for the one that died.
  boot_id      uuid        PRIMARY KEY,
  host         text        NOT NULL,
  pid          integer     NOT NULL,
  -- Conversion slots this process runs (0: a web process that only accepts uploads).
  slots        integer     NOT NULL DEFAULT 0,
  started_at   timestamptz NOT NULL,
  heartbeat_at timestamptz NOT NULL
);

ALTER TABLE documents
  -- The process whose attempt holds conversion_claim: when it is dead, the claim is void.
  ADD COLUMN conversion_boot_id uuid;
