-- Issue 14 item 5: a view counts at most once per viewer per document per day, so 「热门」 cannot be
-- bought with a reload loop. One row per (day, document, viewer) the first time that viewer opened
-- the document that day; the counter adds to documents.views only the rows it could insert, so
-- the rule holds across web processes. `viewer` is 'u:<user id>' or 'a:' + a hash of IP and
-- User-Agent (no address kept in clear). Rows older than yesterday are deleted by the counter.
CREATE TABLE document_view_marks (
  day         date   NOT NULL,
  document_id bigint NOT NULL,
  viewer      text   NOT NULL,
  CONSTRAINT document_view_marks_pkey PRIMARY KEY (day, document_id, viewer)
);
