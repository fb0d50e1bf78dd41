import { createReadStream } from 'node:fs';
import { copyFile, mkdir, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { BlobInfo, BlobStore } from './blob-store.js';

const KEY_PATTERN = /^[a-z0-9][a-z0-9/_-]{0,200}$/i;

/** Files on local disk under `root`, two levels of fan-out by key prefix. */
export class LocalBlobStore implements BlobStore {
  constructor(private readonly root: string) {}

  localPath(key: string): string {
    return path.join(this.root, this.relativePath(key));
  }

  relativePath(key: string): string {
    if (!KEY_PATTERN.test(key) || key.includes('..')) throw new Error(`invalid blob key ${key}`);
    return `${key.slice(0, 2)}/${key}`;
  }

  async putFile(key: string, localPath: string): Promise<void> {
    const target = this.localPath(key);
    await mkdir(path.dirname(target), { recursive: true });
    try {
      await rename(localPath, target);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
      await copyFile(localPath, target);
      await unlink(localPath);
    }
  }

  createReadStream(key: string, range?: { start: number; end: number }) {
    return createReadStream(this.localPath(key), range ? { start: range.start, end: range.end } : undefined);
  }

  async stat(key: string): Promise<BlobInfo | null> {
    try {
      const s = await stat(this.localPath(key));
      return { size: s.size };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.localPath(key), { force: true });
  }

  async *listKeys(): AsyncIterable<string> {
    let shards: string[];
    try {
      shards = await readdir(this.root);
    } catch {
      return;
    }
    for (const shard of shards) {
      const dir = path.join(this.root, shard);
      let names: string[] = [];
      try {
        names = await readdir(dir);
      } catch {
        continue;
      }
      for (const name of names) yield name;
    }
  }
}
