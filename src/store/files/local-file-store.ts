/** The file store on a local folder: writes go to a temp name beside the file and are renamed into place on commit. */
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { type FileStore, type FileWrite, assertKey } from './file-store.js';

/** Files under `root`; a rename within one folder is atomic, so a reader sees a whole file or none. */
export class LocalFileStore implements FileStore {
  constructor(private readonly root: string) {}

  /** Starts writing `key` to a temp file beside it. */
  async create(key: string): Promise<FileWrite> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    const temp = `${path}.${randomBytes(6).toString('hex')}.partial`;
    const handle = await open(temp, 'w');
    let size = 0;
    return {
      async write(bytes) {
        let done = 0;
        while (done < bytes.length) done += (await handle.write(bytes, done, bytes.length - done)).bytesWritten;
        size += bytes.length;
      },
      async commit() {
        await handle.sync();
        await handle.close();
        await rename(temp, path);
        return size;
      },
      async abort() {
        await handle.close().catch(() => undefined);
        await rm(temp, { force: true });
      },
    };
  }

  /** The file's bytes, or a byte range of them. */
  read(key: string, range?: { start: number; end: number }): Readable {
    return createReadStream(this.pathOf(key), range);
  }

  /** The file's size, or undefined. */
  async size(key: string): Promise<number | undefined> {
    try {
      const s = await stat(this.pathOf(key));
      return s.isFile() ? s.size : undefined;
    } catch {
      return undefined;
    }
  }

  /** Removes the folder `prefix` and everything in it. */
  async removeAll(prefix: string): Promise<void> {
    await rm(this.pathOf(prefix), { recursive: true, force: true });
  }

  /** Removes the `.partial` temp files in the folder `prefix`. */
  async sweep(prefix: string): Promise<void> {
    const dir = this.pathOf(prefix);
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names) if (name.endsWith('.partial')) await rm(join(dir, name), { force: true });
  }

  private pathOf(key: string): string {
    assertKey(key);
    return join(this.root, key);
  }
}
