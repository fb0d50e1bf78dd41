import { describe, expect, it } from 'vitest';
import { HEARTBEAT_STALE_MS, isProcessDead, ownedName, ownerTag, parseOwner, type ProcessIdentity } from './liveness.js';

const me: ProcessIdentity = { host: 'web-1.example', pid: 100, bootId: '11111111-1111-4111-8111-111111111111' };
const now = new Date('2026-12-01T12:00:00Z');
const beat = (msAgo: number) => ({ heartbeatAt: new Date(now.getTime() - msAgo) });
const running = (pids: number[]) => (pid: number) => pids.includes(pid);
const other = (o: Partial<ProcessIdentity>): ProcessIdentity => ({ host: me.host, pid: 200, bootId: '22222222-2222-4222-8222-222222222222', ...o });

describe('isProcessDead', () => {
  it('when the process is this one, then it is alive whatever its row says', () => {
    expect(isProcessDead(me, undefined, now, me, running([]))).toBe(false);
    expect(isProcessDead(me, beat(HEARTBEAT_STALE_MS * 10), now, me, running([]))).toBe(false);
  });

  it('when a process on this host has a fresh heartbeat and its pid runs, then it is alive', () => {
    expect(isProcessDead(other({}), beat(1_000), now, me, running([200]))).toBe(false);
  });

  it('when a process on this host no longer runs, then it is dead at once, fresh heartbeat or not', () => {
    expect(isProcessDead(other({}), beat(1_000), now, me, running([]))).toBe(true);
  });

  it('when a row names our own pid under another boot id, then it is the process we restarted (pid 1 in a container)', () => {
    expect(isProcessDead(other({ pid: me.pid }), beat(0), now, me, running([me.pid]))).toBe(true);
  });

  it('when a process on another host beats, then it is alive until its heartbeat is older than 20 s', () => {
    const far = other({ host: 'worker-2.example' });
    expect(isProcessDead(far, beat(HEARTBEAT_STALE_MS - 1), now, me, running([]))).toBe(false);
    expect(isProcessDead(far, beat(HEARTBEAT_STALE_MS + 1), now, me, running([]))).toBe(true);
  });

  it('when a process has no row, then it is dead (processes register before they claim or write anything)', () => {
    expect(isProcessDead(other({ host: 'worker-2.example' }), undefined, now, me, running([]))).toBe(true);
  });
});

describe('owned names', () => {
  it('when a temporary file is named for its owner, then the name gives back host, pid and boot id', () => {
    const name = ownedName('upload', me);
    expect(name.startsWith(`upload_${ownerTag(me)}_`)).toBe(true);
    expect(parseOwner(name)).toEqual({ kind: 'upload', ...me });
    expect(parseOwner(ownerTag(me))).toEqual({ kind: null, ...me });
  });

  it('when a name has another shape, then it names no owner', () => {
    for (const name of ['upload-3f2a', 'converter', 'lo-0', 'job-abc', 'upload_host_12_not-a-uuid_x']) expect(parseOwner(name)).toBeNull();
  });
});
