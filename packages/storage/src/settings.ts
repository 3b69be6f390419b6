/** Environment settings read by the storage backends (declared once here, read through the core registry). */
import { enumSetting, numberSetting, stringSetting } from '@spatialforge/core';

export const s3Endpoint = stringSetting(
  'S3_ENDPOINT',
  'S3 endpoint URL for S3-compatible stores (MinIO, s3rver, Ceph); empty means AWS S3 itself',
);
export const s3PublicEndpoint = stringSetting(
  'S3_PUBLIC_ENDPOINT',
  'S3 endpoint URL that presigned download URLs name, when clients reach the store at another address than ' +
    'the service does (a compose stack: S3_ENDPOINT http://minio:9000, clients http://localhost:9000); empty means S3_ENDPOINT',
);
export const s3ForcePathStyle = enumSetting(
  'S3_FORCE_PATH_STYLE',
  'Address buckets as https://endpoint/bucket (path style); "auto" turns it on when S3_ENDPOINT is set',
  ['auto', 'true', 'false'] as const,
  'auto',
);
export const s3Region = stringSetting('S3_REGION', 'S3 region', 'us-east-1');
export const s3MaxAttempts = numberSetting(
  'S3_MAX_ATTEMPTS',
  'Attempts per S3 request (the SDK retries 5xx, throttling and network errors with exponential backoff)',
  5,
  { min: 1, max: 20, integer: true },
);
export const s3RequestTimeoutMs = numberSetting(
  'S3_REQUEST_TIMEOUT_MS',
  'Milliseconds an S3 request may wait on a silent socket before it is retried',
  30_000,
  { min: 100, integer: true },
);
export const awsAccessKeyId = stringSetting(
  'AWS_ACCESS_KEY_ID',
  'S3 access key id; when unset the AWS SDK default credential chain applies (IRSA, instance profile, ~/.aws)',
);
export const awsSecretAccessKey = stringSetting('AWS_SECRET_ACCESS_KEY', 'S3 secret access key (paired with AWS_ACCESS_KEY_ID)');
export const awsSessionToken = stringSetting('AWS_SESSION_TOKEN', 'S3 session token for temporary credentials (optional)');
