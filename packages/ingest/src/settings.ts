/** Environment settings of the ingest stage (declared once here, read through the core registry). */
import { numberSetting, stringSetting } from '@spatialforge/core';

export const ingestAllowHosts = stringSetting(
  'INGEST_ALLOW_HOSTS',
  'Comma-separated hosts URL ingest may reach although their addresses are private, loopback or link-local: ' +
    'host names, *.domain wildcards, IP addresses or CIDR ranges (e.g. "minio.internal,10.20.0.0/16")',
);
export const ingestMaxBytes = numberSetting('INGEST_MAX_BYTES', 'Largest input file or download, bytes', 64 * 1024 * 1024, {
  min: 1,
  integer: true,
});
export const ingestTimeoutMs = numberSetting('INGEST_TIMEOUT_MS', 'Longest a whole download may take, redirects included, milliseconds', 60_000, {
  min: 1,
  integer: true,
});
export const ingestIdleTimeoutMs = numberSetting(
  'INGEST_IDLE_TIMEOUT_MS',
  'Longest a download may wait for the response headers or the next body bytes, milliseconds',
  15_000,
  { min: 1, integer: true },
);
export const ingestMaxRedirects = numberSetting('INGEST_MAX_REDIRECTS', 'Most HTTP redirects followed per download', 5, {
  min: 0,
  max: 20,
  integer: true,
});
export const ingestMaxPixels = numberSetting(
  'INGEST_MAX_PIXELS',
  'Largest decoded image, pixels (width × height of the first frame); larger ones are refused as decompression bombs',
  100_000_000,
  { min: 1, integer: true },
);
export const ingestMinSide = numberSetting('INGEST_MIN_SIDE', 'Smallest accepted image side, pixels', 32, { min: 1, integer: true });
export const ingestMaxAspectRatio = numberSetting(
  'INGEST_MAX_ASPECT_RATIO',
  'Largest accepted ratio of the long side to the short side',
  10,
  { min: 1 },
);

export const sourceS3Buckets = stringSetting(
  'SOURCE_S3_BUCKETS',
  'Comma-separated S3 buckets that runs submitted over REST may read with the service\'s own credentials ' +
    '(the source and every image, depth map and mask it names); "*" allows any bucket. Unset: none. Runs started from the CLI are not limited',
);

/** SOURCE_S3_BUCKETS as a list (empty when unset). */
export function sourceS3BucketList(env?: Record<string, string | undefined>): string[] {
  return (sourceS3Buckets.read(env) ?? '').split(',').map((bucket) => bucket.trim()).filter(Boolean);
}
