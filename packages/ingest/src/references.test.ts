import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InputError } from '@spatialforge/core';
import { folderBase, manifestBase, resolveReference, withDir, type ReferenceContext } from './references.js';

const codeOf = (ref: string, context: ReferenceContext): string => {
  try {
    resolveReference(ref, context, 'test');
    return 'ok';
  } catch (err) {
    assert.ok(err instanceof InputError);
    return err.code;
  }
};

test('local manifests: relative paths stay inside the manifest folder, absolute paths are the owner’s choice', () => {
  const context: ReferenceContext = { base: manifestBase('/data/set/list.jsonl'), allowLocalAbsolute: true, forbidLocalPaths: false };
  assert.equal(resolveReference('img/a.jpg', context, 't'), '/data/set/img/a.jpg');
  assert.equal(resolveReference('./img/../b.jpg', context, 't'), '/data/set/b.jpg');
  assert.equal(resolveReference('/elsewhere/c.jpg', context, 't'), '/elsewhere/c.jpg');
  assert.equal(resolveReference('file:///elsewhere/d%20e.jpg', context, 't'), '/elsewhere/d e.jpg');
  for (const ref of ['../x.jpg', 'img/../../x.jpg', '%2e%2e/x.jpg', 'img%2f..%2f..%2fx.jpg', '..\\x.jpg', 'a%00.jpg']) {
    assert.equal(codeOf(ref, context), 'path-escape', ref);
  }
  assert.equal(codeOf('a\u0000.jpg', context), 'bad-reference');
  assert.equal(codeOf('gopher://x/a.jpg', context), 'unsupported-uri');
});

test('a folder source: a frame file deep inside may reach up to the folder root, never past it', () => {
  const root = folderBase('/data/frames');
  const context: ReferenceContext = { base: withDir(root, '/data/frames/0001/frame.json'), allowLocalAbsolute: true, forbidLocalPaths: false };
  assert.equal(resolveReference('../images/0001.jpg', context, 't'), '/data/frames/images/0001.jpg');
  assert.equal(codeOf('../../secrets.jpg', context), 'path-escape');
});

test('remote and uploaded manifests cannot name local files; REST submissions cannot name any', () => {
  const s3: ReferenceContext = { base: manifestBase('s3://bucket/sets/a/list.jsonl'), allowLocalAbsolute: false, forbidLocalPaths: false };
  assert.equal(resolveReference('img/1.jpg', s3, 't'), 's3://bucket/sets/a/img/1.jpg');
  assert.equal(codeOf('../b/1.jpg', s3), 'path-escape');
  assert.equal(codeOf('/etc/passwd', s3), 'path-escape');
  assert.equal(codeOf('file:///etc/passwd', s3), 'path-escape');
  assert.equal(resolveReference('https://cdn.example.com/x.jpg', s3, 't'), 'https://cdn.example.com/x.jpg');

  const http: ReferenceContext = { base: manifestBase('https://example.com/sets/list.jsonl'), allowLocalAbsolute: false, forbidLocalPaths: true };
  assert.equal(resolveReference('img/a b.jpg?v=2', http, 't'), 'https://example.com/sets/img/a%20b.jpg?v=2');
  assert.equal(codeOf('../private/a.jpg', http), 'path-escape');
  // Protocol-relative: an absolute path to us, refused either way.
  assert.equal(codeOf('//evil.example/a.jpg', http), 'local-path-forbidden');
  assert.equal(codeOf('//evil.example/a.jpg', { ...http, forbidLocalPaths: false }), 'path-escape');
  assert.equal(codeOf('/etc/passwd', http), 'local-path-forbidden');

  const uploaded: ReferenceContext = { allowLocalAbsolute: false, forbidLocalPaths: true };
  assert.equal(codeOf('a.jpg', uploaded), 'local-path-forbidden');
  assert.equal(codeOf('file:///etc/passwd', uploaded), 'local-path-forbidden');
  assert.equal(codeOf('a.jpg', { allowLocalAbsolute: false, forbidLocalPaths: false }), 'relative-without-base');
  const uploadedLocalBase: ReferenceContext = { base: folderBase('/srv/data'), allowLocalAbsolute: false, forbidLocalPaths: true };
  assert.equal(codeOf('a.jpg', uploadedLocalBase), 'local-path-forbidden');
});
