// The framework's ceiling: a bare Express 5 app answering the same bytes from memory.
// BENCH_ROUTES is a JSON object { "/path": { "file": "...", "type": "text/html" } }.
import { readFileSync } from 'node:fs';
import express from 'express';

const routes = JSON.parse(process.env.BENCH_ROUTES ?? '{}') as Record<string, { file: string; type: string }>;
const app = express();
app.get('/ready', (_req, res) => {
  res.send('ok');
});
for (const [route, { file, type }] of Object.entries(routes)) {
  const body = readFileSync(file);
  app.get(route, (_req, res) => {
    res.type(type).send(body);
  });
}
app.listen(Number(process.env.PORT), '127.0.0.1');
