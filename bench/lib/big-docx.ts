// A valid .docx of a given size: a one-paragraph document whose package also stores an
// incompressible media part (random bytes, STORED), so the upload path sees a real Word file.
import { execFileSync } from 'node:child_process';

export function makeBigDocx(file: string, sizeBytes: number, seed = 0): void {
  const script = `
import os, random, sys, zipfile
out, size, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
random.seed(seed)
ct = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Default Extension="bin" ContentType="application/octet-stream"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
rels = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>'
doc = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>压测文档 %d</w:t></w:r></w:p></w:body></w:document>' % seed
with zipfile.ZipFile(out, 'w', zipfile.ZIP_DEFLATED) as z:
    z.writestr('[Content_Types].xml', ct)
    z.writestr('_rels/.rels', rels)
    z.writestr('word/document.xml', doc)
    z.writestr(zipfile.ZipInfo('word/media/payload.bin'), random.randbytes(max(0, size - 2048)), compress_type=zipfile.ZIP_STORED)
`;
  execFileSync('python3', ['-c', script, file, String(sizeBytes), String(seed)]);
}
