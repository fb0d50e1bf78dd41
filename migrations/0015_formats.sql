-- Every format the contract accepts (issue 13): Word (DOC, DOCX, Kingsoft WPS, RTF, ODT), PDF,
-- slides (PPT, PPTX, Kingsoft DPS, ODP), spreadsheets (XLS, XLSX, Kingsoft ET, ODS) and TXT.
-- The list is the one in src/conversion/formats.ts (DOCUMENT_FORMATS).
ALTER TABLE documents DROP CONSTRAINT documents_format_check;
ALTER TABLE documents ADD CONSTRAINT documents_format_check CHECK (format IN (
  'DOC', 'DOCX', 'WPS', 'RTF', 'ODT', 'PDF', 'PPT', 'PPTX', 'DPS', 'ODP', 'XLS', 'XLSX', 'ET', 'ODS', 'TXT'
));
