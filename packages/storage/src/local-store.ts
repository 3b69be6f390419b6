/**
 * A folder as an object store (the embedded default). A key maps to the file `<root>/<key>`; writes go
 * to a reserved temporary name in the same folder, are fsynced, then renamed over the final name, so a
 * crash leaves either the old object or the new one and never a partial file under the key.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdir, open, readFile, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { ObjectNotFoundError, StorageUnreachableError, type ObjectStore, type PutOptions } from './object-store.js';
import { RESERVED_SEGMENT_PREFIX, StorageKeyError, validateKey, validatePrefix } from './storage-key.js';

export class LocalStore implements ObjectStore {
  /** Absolute path of the root folder. */
  readonly location: string;

  constructor(root: string) {
    this.location = resolve(root);
  }

  async put(key: string, body: Uint8Array | string, _options?: PutOptions): Promise<void> {
    const path = this.pathOf(key);
    const folder = dirname(path);
    await mkdir(folder, { recursive: true });
    const temporary = join(folder, `${RESERVED_SEGMENT_PREFIX}${randomBytes(8).toString('hex')}`);
    const handle = await open(temporary, 'wx', 0o644);
    try {
      await handle.writeFile(body);
      await handle.sync();
    } catch (err) {
      await handle.close();
      await rm(temporary, { force: true });
      throw err;
    }
    await handle.close();
    try {
      await rename(temporary, path);
    } catch (err) {
      await rm(temporary, { force: true });
      throw err;
    }
  }

  async get(key: string): Promise<Uint8Array> {
    const path = this.pathOf(key);
    try {
      return await readFile(path);
    } catch (err) {
      if (isMissing(err)) throw new ObjectNotFoundError(this.location, key);
      throw err;
    }
  }

  async getOptional(key: string): Promise<Uint8Array | undefined> {
    try {
      return await this.get(key);
    } catch (err) {
      if (err instanceof ObjectNotFoundError) return undefined;
      throw err;
    }
  }

  async getStream(key: string): Promise<Readable> {
    const path = this.pathOf(key);
    const handle = await open(path, 'r').catch((err: unknown) => {
      throw isMissing(err) ? new ObjectNotFoundError(this.location, key) : err;
    });
    if (!(await handle.stat()).isFile()) {
      await handle.close();
      throw new ObjectNotFoundError(this.location, key);
    }
    return handle.createReadStream();
  }

  async exists(key: string): Promise<boolean> {
    try {
      return (await stat(this.pathOf(key))).isFile();
    } catch (err) {
      if (isMissing(err)) return false;
      throw err;
    }
  }

  async *list(prefix: string): AsyncIterable<string> {
    const wanted = validatePrefix(prefix);
    const lastSlash = wanted.lastIndexOf('/');
    const startKey = lastSlash >= 0 ? wanted.slice(0, lastSlash) : '';
    yield* this.walk(startKey, wanted);
  }

  /**
   * Depth-first walk yielding keys in lexicographic order: entries are sorted with a folder named as
   * `name/`, which is exactly where its keys sort among its siblings.
   */
  private async *walk(folderKey: string, prefix: string): AsyncIterable<string> {
    let entries;
    try {
      entries = await readdir(folderKey ? join(this.location, folderKey) : this.location, { withFileTypes: true });
    } catch (err) {
      if (isMissing(err)) return;
      throw err;
    }
    const sorted = entries
      .filter((entry) => !entry.name.startsWith(RESERVED_SEGMENT_PREFIX) && (entry.isFile() || entry.isDirectory()))
      .map((entry) => ({ entry, sortKey: entry.isDirectory() ? `${entry.name}/` : entry.name }))
      .sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0));
    for (const { entry } of sorted) {
      const key = folderKey ? `${folderKey}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        const asFolder = `${key}/`;
        if (asFolder.startsWith(prefix) || prefix.startsWith(asFolder)) yield* this.walk(key, prefix);
      } else if (key.startsWith(prefix)) {
        yield key;
      }
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await unlink(this.pathOf(key));
    } catch (err) {
      if (!isMissing(err)) throw err;
    }
  }

  async deletePrefix(prefix: string): Promise<void> {
    const wanted = validatePrefix(prefix);
    if (wanted === '') throw new StorageKeyError(prefix, 'deleting every key needs an explicit prefix', 'bad-storage-key');
    if (wanted.endsWith('/')) {
      // A whole folder: removing it also removes stale temporaries and empty sub-folders.
      await rm(join(this.location, wanted), { recursive: true, force: true });
      return;
    }
    for await (const key of this.list(wanted)) await this.delete(key);
  }

  async downloadUrl(_key: string, _expiresSeconds: number): Promise<string | undefined> {
    return undefined;
  }

  localPath(key: string): string {
    return this.pathOf(key);
  }

  async verify(): Promise<void> {
    try {
      await mkdir(this.location, { recursive: true });
      await access(this.location, constants.W_OK);
    } catch (err) {
      throw new StorageUnreachableError(`storage folder ${this.location} cannot be written: ${(err as Error).message}`, { cause: err });
    }
  }

  private pathOf(key: string): string {
    const path = join(this.location, validateKey(key));
    // validateKey already refuses every escape; this guards against a future change to it.
    if (!path.startsWith(this.location + sep)) throw new StorageKeyError(key, 'resolves outside the store root', 'path-escape');
    return path;
  }
}

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR';
}
