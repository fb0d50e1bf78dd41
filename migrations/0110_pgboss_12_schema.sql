-- pg-boss 12 (issue 25) cannot upgrade pg-boss 10's schema: 10 leaves it at version 24, and
-- 12's migrations start from 25 (pg-boss 11 rewrote the job tables; its release moves jobs by
-- hand). So a version-24 schema is moved aside as pgboss_v10 and pg-boss 12 installs a fresh
-- `pgboss` when the queue starts, right after the migrations. Nothing is lost: a document whose
-- conversion was queued or running there is still `processing` with no job, and the worker's
-- start-up sweep queues it again (src/documents/sweep.service.ts, "lost conversions").
-- Every process of the old version must be stopped first (README, "Upgrading from pg-boss 10");
-- drop pgboss_v10 once the new version runs: DROP SCHEMA pgboss_v10 CASCADE.
DO $$
DECLARE
  installed integer;
BEGIN
  IF to_regclass('pgboss.version') IS NOT NULL THEN
    -- Dynamic: a static reference would fail to plan where no pg-boss schema exists yet.
    EXECUTE 'SELECT max(version) FROM pgboss.version' INTO installed;
    IF installed < 25 THEN
      ALTER SCHEMA pgboss RENAME TO pgboss_v10;
    END IF;
  END IF;
END $$;
