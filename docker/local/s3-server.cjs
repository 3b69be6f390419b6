'use strict';
/**
 * The local stack's S3-compatible server (in place of MinIO): s3rver on 0.0.0.0:9000, objects under
 * /data, accepting requests signed with MINIO_ROOT_USER / MINIO_ROOT_PASSWORD as MinIO would.
 */
const S3rver = require('s3rver');
const { DUMMY_ACCOUNT } = require('s3rver/lib/models/account');

const user = process.env.MINIO_ROOT_USER;
const password = process.env.MINIO_ROOT_PASSWORD;
if (!user || !password) {
  console.error('s3-server: set MINIO_ROOT_USER and MINIO_ROOT_PASSWORD (the key pair clients sign requests with)');
  process.exit(2);
}
// s3rver has one built-in account; the stack's key pair becomes another key of it.
DUMMY_ACCOUNT.createKeyPair(user, password);

// Path-style only: with virtual-host buckets on, s3rver takes the host name (minio) for a bucket name.
const server = new S3rver({ address: '0.0.0.0', port: 9000, directory: '/data', silent: true, vhostBuckets: false });
server.run().then(
  ({ address, port }) => console.log(`s3-server: S3 on ${address}:${port}, objects in /data`),
  (err) => {
    console.error(`s3-server: cannot start: ${err.message}`);
    process.exit(1);
  },
);
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => server.close().then(() => process.exit(0)));
