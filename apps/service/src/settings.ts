/** Settings of the HTTP service (`spatialforge serve`), read once at start-up. */
import { booleanSetting, numberSetting, stringSetting } from '@spatialforge/core';

export const PORT = numberSetting('PORT', 'TCP port the REST API, dashboard and /metrics listen on', 8080, { min: 0, max: 65535, integer: true });
export const HOST = stringSetting('HOST', 'Interface the service binds to', '0.0.0.0');
export const BODY_LIMIT_BYTES = numberSetting(
  'BODY_LIMIT_BYTES',
  'Largest JSON request body, bytes (a run request with inline frames or URLs)',
  1_048_576,
  { min: 1024, integer: true },
);
export const MANIFEST_LIMIT_BYTES = numberSetting(
  'MANIFEST_LIMIT_BYTES',
  'Largest uploaded JSONL manifest (raw body or multipart file), bytes',
  16_777_216,
  { min: 1024, integer: true },
);
export const RATE_LIMIT_PER_MINUTE = numberSetting(
  'RATE_LIMIT_PER_MINUTE',
  'Requests one API token may make per minute (token bucket; bursts up to the same number); 0 turns the limit off',
  600,
  { min: 0, integer: true },
);
export const DOWNLOAD_URL_TTL_SECONDS = numberSetting(
  'DOWNLOAD_URL_TTL_SECONDS',
  'Lifetime of presigned dataset download URLs (S3 storage), seconds',
  3600,
  { min: 60, max: 604_800, integer: true },
);
export const SERVE_WORKERS = booleanSetting(
  'SERVE_WORKERS',
  'Also run every stage worker inside the service process (one-box deployment)',
  false,
);

export interface ServiceSettings {
  port: number;
  host: string;
  bodyLimitBytes: number;
  manifestLimitBytes: number;
  rateLimitPerMinute: number;
  downloadUrlTtlSeconds: number;
}

export function readServiceSettings(env: Record<string, string | undefined> = process.env): ServiceSettings {
  return {
    port: PORT.read(env),
    host: HOST.read(env),
    bodyLimitBytes: BODY_LIMIT_BYTES.read(env),
    manifestLimitBytes: MANIFEST_LIMIT_BYTES.read(env),
    rateLimitPerMinute: RATE_LIMIT_PER_MINUTE.read(env),
    downloadUrlTtlSeconds: DOWNLOAD_URL_TTL_SECONDS.read(env),
  };
}
