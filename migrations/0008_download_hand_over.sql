-- Downloads sent by the nginx front end (X-Accel-Redirect, DOWNLOAD_ACCEL_PREFIX): the app checks
-- the link and hands the file over, but cannot see whether the client received every byte. Such
-- events say so, so support reads "completed" as "handed over in full", not "received".
ALTER TABLE download_events ADD COLUMN handed_off boolean NOT NULL DEFAULT false;
