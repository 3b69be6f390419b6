/**
 * REST sources may not name the bucket of the service's own S3 store: other tenants' images and
 * datasets live there, and ingest would read them with the service's credentials.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fieldNamingStore } from '@spatialforge/service';

const STORE = 's3://factory/spatialforge';

test('a source naming the store, anywhere in it, is found and its field named', () => {
  assert.equal(fieldNamingStore({ kind: 'uri', uri: 's3://factory/spatialforge/runs/run-x/dataset/' }, STORE), 'body.source.uri');
  assert.equal(fieldNamingStore({ kind: 'uri', uri: 's3://factory/spatialforge' }, `${STORE}/`), 'body.source.uri');
  assert.equal(fieldNamingStore({ kind: 'urls', urls: ['https://example.com/a.png', 's3://factory/spatialforge/images/ab.png'] }, STORE), 'body.source.urls[1]');
  assert.equal(fieldNamingStore({ kind: 'jsonl', text: '{"image":"a.png"}', baseUri: 's3://factory/spatialforge/images/' }, STORE), 'body.source.baseUri');
  assert.equal(fieldNamingStore({ kind: 'jsonl', text: '"https://x/a.png"\n"s3://factory/spatialforge/images/ab.png"' }, STORE), 'body.source.text');
  assert.equal(fieldNamingStore({ kind: 'frames', frames: [{ image: 'https://x/a.png', depth: { uri: 's3://factory/spatialforge/cache/d.npy' } }] }, STORE), 'body.source.frames');
  assert.equal(fieldNamingStore({ kind: 'uri', uri: 's3://factory/spatialforge-corpus/' }, STORE), 'body.source.uri', 'the whole bucket is off limits');
  assert.equal(fieldNamingStore({ kind: 'jsonl', text: '{"image":"s3:\\/\\/factory\\/spatialforge\\/images\\/ab.png"}' }, STORE), 'body.source.text', 'JSON escapes do not hide a URI');
  assert.equal(fieldNamingStore({ kind: 'jsonl', text: '{"image":"a.png","objects":[{"id":"a","label":"x","mask":"s3://factory/m.png","maskValue":1}]}' }, STORE), 'body.source.text');
});

test('sources elsewhere pass: other buckets, look-alike hosts, and any source when the store is a local folder', () => {
  assert.equal(fieldNamingStore({ kind: 'uri', uri: 's3://corpora/kitchens/' }, STORE), undefined);
  assert.equal(fieldNamingStore({ kind: 'uri', uri: 's3://factory-corpus/kitchens/' }, STORE), undefined);
  assert.equal(fieldNamingStore({ kind: 'jsonl', text: '"s3://corpora/a.png"\n{"image":"b.png"}', baseUri: 's3://corpora/' }, STORE), undefined);
  assert.equal(fieldNamingStore({ kind: 'urls', urls: ['https://factory/spatialforge/a.png'] }, STORE), undefined);
  assert.equal(fieldNamingStore({ kind: 'uri', uri: 's3://factory/spatialforge/runs/' }, '/var/lib/spatialforge/store'), undefined);
});
