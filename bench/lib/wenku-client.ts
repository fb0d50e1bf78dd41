// Talks to a running Wenku over HTTP the way a client does: register, upload, wait for ready.
import { openAsBlob } from 'node:fs';
import path from 'node:path';

export async function registerBenchUser(baseUrl: string, tag = 'bench'): Promise<{ token: string; userId: number }> {
  const email = `${tag}-${Date.now()}-${Math.random().toString(36).slice(2)}@bench.example`;
  const res = await fetch(`${baseUrl}/api/v1/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: 'bench-password', displayName: '压测用户' }),
  });
  if (res.status !== 201) throw new Error(`register: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { token: string; user: { id: number } };
  return { token: body.token, userId: body.user.id };
}

export async function uploadFile(baseUrl: string, token: string, file: string, fields: Record<string, string> = {}): Promise<{ status: number; body: unknown }> {
  const form = new FormData();
  form.set('file', await openAsBlob(file), path.basename(file));
  for (const [k, v] of Object.entries(fields)) form.set(k, v);
  const res = await fetch(`${baseUrl}/api/v1/documents`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
  return { status: res.status, body: await res.json().catch(() => null) };
}

export async function waitReady(baseUrl: string, id: number, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await fetch(`${baseUrl}/api/v1/documents/${id}`);
    const body = (await res.json()) as { document?: { status: string; failureReason: string | null } };
    if (body.document?.status === 'ready') return;
    if (body.document?.status === 'failed') throw new Error(`conversion failed: ${body.document.failureReason}`);
    if (Date.now() > deadline) throw new Error(`document ${id} not ready after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 300));
  }
}
