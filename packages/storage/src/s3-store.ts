/**
 * S3 (or any S3-compatible store: MinIO, s3rver, Ceph) as an object store. A PUT is atomic by nature.
 * Transient failures (5xx, throttling, resets, timeouts) are retried by the SDK's standard retry
 * strategy with exponential backoff and jitter, up to `maxAttempts` tries per request.
 */
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { SpatialforgeError } from '@spatialforge/core';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { Readable } from 'node:stream';
import { ObjectNotFoundError, StorageUnreachableError, type ObjectStore, type PutOptions } from './object-store.js';
import { StorageKeyError, validateKey, validatePrefix } from './storage-key.js';

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface S3StoreOptions {
  bucket: string;
  /** Key prefix inside the bucket, without leading or trailing `/`; every key is stored under it. */
  prefix?: string;
  /** Endpoint URL of an S3-compatible store; AWS S3 when absent. */
  endpoint?: string;
  /**
   * Endpoint URL that presigned download URLs name, for clients that reach the store at another address
   * than this process does (outside a compose network, say). @defaultValue endpoint
   */
  publicEndpoint?: string;
  /** Path-style addressing (`endpoint/bucket/key`), needed by most S3-compatible stores. @defaultValue false */
  forcePathStyle?: boolean;
  /** @defaultValue 'us-east-1' */
  region?: string;
  /** Explicit credentials; the SDK's default provider chain applies when absent. */
  credentials?: S3Credentials;
  /** Tries per request, first included. @defaultValue 5 */
  maxAttempts?: number;
  /** Milliseconds a request may wait on a silent socket. @defaultValue 30000 */
  requestTimeoutMs?: number;
  /** Milliseconds to open a connection. @defaultValue 5000 */
  connectTimeoutMs?: number;
}

/** DeleteObjects takes at most this many keys per request. */
const DELETE_BATCH = 1000;

export class S3Store implements ObjectStore {
  readonly location: string;
  readonly bucket: string;
  readonly prefix: string;
  private readonly client: S3Client;
  private readonly presignClient: S3Client;
  private readonly endpointText: string;

  constructor(options: S3StoreOptions) {
    this.bucket = options.bucket;
    this.prefix = options.prefix ? validateKey(options.prefix.replace(/^\/+|\/+$/g, '')) : '';
    this.location = `s3://${this.bucket}${this.prefix ? `/${this.prefix}` : ''}`;
    this.endpointText = options.endpoint ?? `AWS S3 (${options.region ?? 'us-east-1'})`;
    const clientOptions = (endpoint: string | undefined) => ({
      endpoint,
      forcePathStyle: options.forcePathStyle ?? false,
      region: options.region ?? 'us-east-1',
      credentials: options.credentials,
      maxAttempts: options.maxAttempts ?? 5,
      retryMode: 'standard',
      requestHandler: {
        connectionTimeout: options.connectTimeoutMs ?? 5_000,
        requestTimeout: options.requestTimeoutMs ?? 30_000,
      },
      // S3-compatible stores often reject the newer default CRC checksum headers; send them only when required.
      ...(options.endpoint ? { requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' } as const : {}),
    });
    this.client = new S3Client(clientOptions(options.endpoint));
    // Presigning is local (no request is sent), so a second client only changes the URLs' host.
    this.presignClient = options.publicEndpoint ? new S3Client(clientOptions(options.publicEndpoint)) : this.client;
  }

  async put(key: string, body: Uint8Array | string, options?: PutOptions): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: this.objectKey(key),
        Body: typeof body === 'string' ? Buffer.from(body, 'utf8') : body,
        ContentType: options?.contentType,
      }),
    );
  }

  async get(key: string): Promise<Uint8Array> {
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
      if (!response.Body) throw new ObjectNotFoundError(this.location, key);
      return await response.Body.transformToByteArray();
    } catch (err) {
      if (isNotFound(err)) throw new ObjectNotFoundError(this.location, key);
      throw this.explain(err);
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
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
      if (!response.Body) throw new ObjectNotFoundError(this.location, key);
      // In Node the SDK's body is a Readable (an IncomingMessage with SDK helpers mixed in).
      return response.Body instanceof Readable ? response.Body : Readable.fromWeb(response.Body.transformToWebStream() as never);
    } catch (err) {
      if (isNotFound(err)) throw new ObjectNotFoundError(this.location, key);
      throw this.explain(err);
    }
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw this.explain(err);
    }
  }

  async *list(prefix: string): AsyncIterable<string> {
    const wanted = validatePrefix(prefix);
    const base = this.prefix ? `${this.prefix}/` : '';
    let token: string | undefined;
    do {
      let page;
      try {
        page = await this.client.send(
          new ListObjectsV2Command({ Bucket: this.bucket, Prefix: base + wanted, ContinuationToken: token }),
        );
      } catch (err) {
        throw this.explain(err);
      }
      for (const object of page.Contents ?? []) {
        if (object.Key !== undefined) yield object.Key.slice(base.length);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async delete(key: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
    } catch (err) {
      if (!isNotFound(err)) throw this.explain(err);
    }
  }

  async deletePrefix(prefix: string): Promise<void> {
    if (validatePrefix(prefix) === '') throw new StorageKeyError(prefix, 'deleting every key needs an explicit prefix', 'bad-storage-key');
    let batch: string[] = [];
    const flush = async () => {
      if (batch.length === 0) return;
      const objects = batch.map((key) => ({ Key: this.objectKey(key) }));
      batch = [];
      try {
        await this.client.send(new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: objects, Quiet: true } }));
      } catch (err) {
        throw this.explain(err);
      }
    };
    for await (const key of this.list(prefix)) {
      batch.push(key);
      if (batch.length === DELETE_BATCH) await flush();
    }
    await flush();
  }

  async downloadUrl(key: string, expiresSeconds: number): Promise<string> {
    return getSignedUrl(this.presignClient, new GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }), {
      expiresIn: expiresSeconds,
    });
  }

  localPath(_key: string): undefined {
    return undefined;
  }

  /** Checks the endpoint answers and the bucket exists and is accessible. */
  async verify(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }), { abortSignal: AbortSignal.timeout(15_000) });
    } catch (err) {
      const status = httpStatus(err);
      if (status === 404) throw new StorageUnreachableError(`S3 bucket ${this.bucket} does not exist at ${this.endpointText}`, { cause: err });
      if (status === 403) throw new StorageUnreachableError(`S3 bucket ${this.bucket} at ${this.endpointText} refused access (check the credentials)`, { cause: err });
      throw this.explain(err);
    }
  }

  async close(): Promise<void> {
    this.client.destroy();
    if (this.presignClient !== this.client) this.presignClient.destroy();
  }

  private objectKey(key: string): string {
    const valid = validateKey(key);
    return this.prefix ? `${this.prefix}/${valid}` : valid;
  }

  /** Network-level failures (after the SDK's retries) become an error naming the endpoint. */
  private explain(err: unknown): unknown {
    if (err instanceof SpatialforgeError) return err;
    const status = httpStatus(err);
    if (status === 403) return new SpatialforgeError(`S3 at ${this.endpointText} refused access to ${this.location} (check the credentials and the bucket policy)`, 'storage-access-denied');
    if (status !== undefined) return err;
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).name;
    return new StorageUnreachableError(`S3 endpoint ${this.endpointText} is unreachable (${code}: ${(err as Error).message}) for bucket ${this.bucket}`, { cause: err });
  }
}

function httpStatus(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

function isNotFound(err: unknown): boolean {
  const name = (err as Error).name;
  return err instanceof ObjectNotFoundError || name === 'NoSuchKey' || name === 'NotFound' || httpStatus(err) === 404;
}
