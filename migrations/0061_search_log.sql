-- Issue 16, 「热门搜索」: one row per (day, normalised term, searcher) the first time that searcher
-- asked for the term that day (ON CONFLICT DO NOTHING: one cheap insert per search). Hot terms
-- count distinct searchers over the last 7 days, so one person repeating a word cannot plant it.
-- `searcher` is the view counter's key ('u:<id>' or 'a:' + a hash of IP and User-Agent).
CREATE TABLE search_log (
  day      date NOT NULL,
  term     text NOT NULL,
  searcher text NOT NULL,
  CONSTRAINT search_log_pkey PRIMARY KEY (day, term, searcher),
  CONSTRAINT search_log_term_check CHECK (char_length(term) BETWEEN 1 AND 40)
);
