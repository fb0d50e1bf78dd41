// The upload ceiling: a minimal Node server that pipes the request body to a file on disk.
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';

const dir = mkdtempSync(path.join(tmpdir(), 'pipe-to-disk-'));
let n = 0;
createServer(async (req, res) => {
  if (req.url === '/ready') return res.end('ok');
  const file = path.join(dir, `upload-${n++}`);
  await pipeline(req, createWriteStream(file));
  rmSync(file);
  res.writeHead(201).end('{}');
}).listen(Number(process.env.PORT), '127.0.0.1');
