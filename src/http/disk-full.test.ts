// A full disk answers 503 unavailable, not 500 (issue 27 item 10): the error the operating system
// gives for it (ENOSPC, here from /dev/full, a device that is always full) is the server's
// passing state, and a client may try again.
import express from 'express';
import { writeFile } from 'node:fs/promises';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { errorHandler } from './error-handler.js';

describe('a full disk', () => {
  it('when a request fails because no space is left, then it answers 503 unavailable in the contract\'s format', async () => {
    const app = express();
    app.post('/api/v1/write', async () => {
      await writeFile('/dev/full', 'x'.repeat(70_000));
    });
    app.use(errorHandler);
    const res = await request(app).post('/api/v1/write');
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('unavailable');
    expect(res.body.error.message).toContain('存储空间不足');
  });
});
