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

-- Issue 14 item 13: near copies. A 64-bit SimHash of the text (src/text/simhash.ts), written at
-- conversion; NULL when the text is too short to tell anything (or converted before this).
-- Copies are at most 3 bits apart, so by pigeonhole they agree exactly on at least one of the
-- four 16-bit bands: one small index per band turns "within 3 bits" into four index lookups.
ALTER TABLE documents ADD COLUMN text_simhash bigint;
CREATE INDEX documents_simhash_band0_idx ON documents ((text_simhash & 65535)) WHERE text_simhash IS NOT NULL;
CREATE INDEX documents_simhash_band1_idx ON documents (((text_simhash >> 16) & 65535)) WHERE text_simhash IS NOT NULL;
CREATE INDEX documents_simhash_band2_idx ON documents (((text_simhash >> 32) & 65535)) WHERE text_simhash IS NOT NULL;
CREATE INDEX documents_simhash_band3_idx ON documents (((text_simhash >> 48) & 65535)) WHERE text_simhash IS NOT NULL;
