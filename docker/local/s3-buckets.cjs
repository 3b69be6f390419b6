'use strict';
/**
 * Creates buckets on the local S3 server, as `mc mb --ignore-existing` does for MinIO:
 * `node s3-buckets.cjs <endpoint> <bucket>...`. An existing bucket is fine; anything else fails.
 */
const [endpoint, ...buckets] = process.argv.slice(2);
if (!endpoint || buckets.length === 0) {
  console.error('usage: node s3-buckets.cjs <endpoint, e.g. http://minio:9000> <bucket>...');
  process.exit(2);
}
(async () => {
  for (const bucket of buckets) {
    const response = await fetch(`${endpoint}/${bucket}`, { method: 'PUT' });
    if (response.status !== 200 && response.status !== 409) {
      throw new Error(`creating bucket ${bucket} at ${endpoint}: HTTP ${response.status} ${await response.text()}`);
    }
    console.log(`bucket ${bucket}: ${response.status === 200 ? 'created' : 'exists'}`);
  }
})().catch((err) => {
  console.error(`s3-buckets: ${err.message}`);
  process.exit(1);
});
