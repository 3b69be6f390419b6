/**
 * Test support: a real s3rver on 127.0.0.1 on a free port, storing into its own temporary folder.
 * Imported as `@spatialforge/storage/testing` by tests of any package that needs S3.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import type { S3StoreOptions } from './s3-store.js';

export interface S3rverHandle {
  /** e.g. `http://127.0.0.1:41234` */
  endpoint: string;
  /** Options to spread into `new S3Store({ ...handle.options, bucket })` or `openStore(location, { s3: handle.options })`. */
  options: Omit<S3StoreOptions, 'bucket' | 'prefix'>;
  /** The same settings as environment variables, for child processes. */
  env: Record<string, string>;
  close(): Promise<void>;
}

/** s3rver accepts requests signed with this fixed key pair. */
const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export async function startS3rver(buckets: string[] = ['test']): Promise<S3rverHandle> {
  const directory = await mkdtemp(join(tmpdir(), 'spatialforge-s3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  const { port } = (await server.run()) as { port: number };
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    options: { endpoint, forcePathStyle: true, region: 'us-east-1', credentials: S3RVER_CREDENTIALS, maxAttempts: 2 },
    env: {
      S3_ENDPOINT: endpoint,
      S3_FORCE_PATH_STYLE: 'true',
      S3_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
    },
    async close() {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
