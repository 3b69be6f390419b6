/** Opens a store from a location string: a folder path or `file://` URL, or `s3://bucket/prefix`. */
import { ConfigError } from '@spatialforge/core';
import { fileURLToPath } from 'node:url';
import { LocalStore } from './local-store.js';
import type { ObjectStore } from './object-store.js';
import { S3Store, type S3StoreOptions } from './s3-store.js';
import {
  awsAccessKeyId,
  awsSecretAccessKey,
  awsSessionToken,
  s3Endpoint,
  s3ForcePathStyle,
  s3MaxAttempts,
  s3PublicEndpoint,
  s3Region,
  s3RequestTimeoutMs,
} from './settings.js';

export interface OpenStoreOptions {
  /** Environment to read settings from. @defaultValue process.env */
  env?: Record<string, string | undefined>;
  /** Overrides for S3 settings (tests pass an s3rver endpoint and credentials here). */
  s3?: Partial<Omit<S3StoreOptions, 'bucket' | 'prefix'>>;
}

export function openStore(location: string, options: OpenStoreOptions = {}): ObjectStore {
  if (location.startsWith('s3://')) return new S3Store({ ...s3Settings(options.env), ...options.s3, ...parseS3Location(location) });
  if (location.startsWith('file://')) return new LocalStore(fileURLToPath(location));
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location)) {
    throw new ConfigError(`storage location ${location} is not supported: use a folder path, file://… or s3://bucket/prefix`);
  }
  return new LocalStore(location);
}

/** `s3://bucket/some/prefix/` → `{ bucket: 'bucket', prefix: 'some/prefix' }`. */
export function parseS3Location(location: string): { bucket: string; prefix: string } {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(location);
  const bucket = match?.[1] ?? '';
  // S3 bucket naming rules: 3-63 characters of lower-case letters, digits, dots and hyphens.
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw new ConfigError(`S3 location ${location} does not name a valid bucket (s3://bucket/prefix)`);
  }
  return { bucket, prefix: (match?.[2] ?? '').replace(/\/+$/, '') };
}

/** S3 settings from the environment (S3_ENDPOINT, S3_PUBLIC_ENDPOINT, S3_FORCE_PATH_STYLE, S3_REGION, AWS_* credentials). */
export function s3Settings(env: Record<string, string | undefined> = process.env): Omit<S3StoreOptions, 'bucket' | 'prefix'> {
  const endpoint = s3Endpoint.read(env);
  const pathStyle = s3ForcePathStyle.read(env);
  const accessKeyId = awsAccessKeyId.read(env);
  const secretAccessKey = awsSecretAccessKey.read(env);
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
    throw new ConfigError('AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together', accessKeyId ? 'AWS_SECRET_ACCESS_KEY' : 'AWS_ACCESS_KEY_ID');
  }
  return {
    endpoint,
    publicEndpoint: s3PublicEndpoint.read(env),
    forcePathStyle: pathStyle === 'auto' ? endpoint !== undefined : pathStyle === 'true',
    region: s3Region.read(env),
    credentials: accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey, sessionToken: awsSessionToken.read(env) } : undefined,
    maxAttempts: s3MaxAttempts.read(env),
    requestTimeoutMs: s3RequestTimeoutMs.read(env),
  };
}
