/**
 * Listing every kind of source: local folders of images and of frames, JSONL and .txt manifests, an S3
 * prefix and an uploaded manifest on a real s3rver, single files and inline URLs, and the clear errors
 * for missing, empty and forbidden sources.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { InputError, type RunSource } from '@spatialforge/core';
import { S3Store, type ObjectStore } from '@spatialforge/storage';
import { startS3rver, type S3rverHandle } from '@spatialforge/storage/testing';
import { listSource, type ListSourceOptions, type SourceItem } from './sources.js';
import { readUri } from './read-uri.js';

async function list(source: RunSource, options?: ListSourceOptions): Promise<SourceItem[]> {
  const items: SourceItem[] = [];
  for await (const item of listSource(source, options)) items.push(item);
  return items;
}

async function put(root: string, files: Record<string, string>): Promise<void> {
  for (const [name, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, name)), { recursive: true });
    await writeFile(join(root, name), content);
  }
}

const frame = (extra: object = {}) => JSON.stringify({ image: 'rgb.jpg', depth: { uri: 'depth.png', scale: 0.001 }, ...extra });

describe('local sources', () => {
  let dir: string;
  before(async () => (dir = await mkdtemp(join(tmpdir(), 'spatialforge-sources-'))));
  after(() => rm(dir, { recursive: true, force: true }));

  test('a folder of images: recursive, image extensions only, hidden entries skipped, key order', async () => {
    const root = join(dir, 'images');
    await put(root, { 'b.PNG': '', 'a.jpg': '', 'sub/c.webp': '', 'notes.txt': '', '.hidden.jpg': '', '.git/x.jpg': '', 'sub-d.jpeg': '' });
    const items = await list({ kind: 'uri', uri: root });
    assert.deepEqual(items.map((i) => i.image), ['a.jpg', 'b.PNG', 'sub-d.jpeg', 'sub/c.webp'].map((n) => join(root, n)));
    assert.ok(items.every((i) => i.input === i.image && !i.frame));
    assert.deepEqual((await list({ kind: 'uri', uri: `file://${root}/` })).length, 4);
  });

  test('a folder of frames: each frame file is an item with resolved references; depth and masks are not listed as images; other JSON is skipped, said once', async () => {
    const root = join(dir, 'frames');
    await put(root, {
      '0001/frame.json': frame({ intrinsics: { fx: 500, fy: 501, cx: 320, cy: 240 }, objects: [{ id: 'o1', label: 'cup', mask: 'mask.png', maskValue: 3 }] }),
      '0001/rgb.jpg': '', '0001/depth.png': '', '0001/mask.png': '',
      '0002.json': JSON.stringify({ image: 'shared/rgb2.jpg', objects: [{ id: 'b', label: 'box', box: [1, 2, 30, 40] }] }),
      'shared/rgb2.jpg': '',
      '0003.json': '{"image": ',
      '0004.json': JSON.stringify({ image: '../outside.jpg' }),
      '0005.json': JSON.stringify({ images: ['x.jpg'] }),
      '0001/truth.json': JSON.stringify({ id: 'scene', objects: [] }),
      'demo.json': '[1, 2]',
    });
    const notes: string[] = [];
    const items = await list({ kind: 'uri', uri: root }, { onSkipped: (note) => notes.push(note) });
    assert.deepEqual(items.map((i) => [i.input.slice(root.length + 1), i.error?.code ?? 'ok']), [
      ['0001/frame.json', 'ok'], ['0002.json', 'ok'], ['0003.json', 'bad-manifest'], ['0004.json', 'path-escape'],
    ]);
    assert.equal(notes.length, 1);
    assert.match(notes[0], /skipped 3 \.json files that are not a frame manifest .*0001\/truth\.json, 0005\.json, demo\.json/);
    assert.deepEqual(items[0].frame, {
      image: join(root, '0001/rgb.jpg'),
      depth: { uri: join(root, '0001/depth.png'), scale: 0.001 },
      intrinsics: { fx: 500, fy: 501, cx: 320, cy: 240 },
      objects: [{ id: 'o1', label: 'cup', mask: join(root, '0001/mask.png'), maskValue: 3 }],
    });
    assert.equal(items[1].image, join(root, 'shared/rgb2.jpg'));
    assert.match(items[2].error!.message, /0003\.json.*not valid JSON.*folder of frame manifests/);
  });

  test('a JSONL manifest: strings, { image } objects and frames, relative to the manifest; absolute local paths allowed', async () => {
    const root = join(dir, 'jsonl');
    await put(root, {
      'set/list.jsonl': ['"a.jpg"', '{"image": "img/b.jpg"}', frame(), `"${join(dir, 'elsewhere.jpg')}"`, '"https://example.com/c.jpg"', '"s3://bucket/d.jpg"'].join('\r\n'),
    });
    const manifest = join(root, 'set/list.jsonl');
    const items = await list({ kind: 'uri', uri: manifest });
    assert.deepEqual(items.map((i) => i.image), [
      join(root, 'set/a.jpg'), join(root, 'set/img/b.jpg'), join(root, 'set/rgb.jpg'), join(dir, 'elsewhere.jpg'), 'https://example.com/c.jpg', 's3://bucket/d.jpg',
    ]);
    assert.deepEqual(items.map((i) => i.input), [1, 2, 3, 4, 5, 6].map((n) => `${manifest} line ${n}`));
    assert.equal(items[1].frame, undefined, '{ image } alone is a plain image');
    assert.equal(items[2].frame?.depth?.uri, join(root, 'set/depth.png'));
  });

  test('a .txt list: one reference per line, comments and blank lines skipped; single files are sources too', async () => {
    const root = join(dir, 'txt');
    await put(root, { 'urls.txt': '# my photos\nhttps://example.com/a.jpg\n\n  b.jpg  \n', 'one.jpg': '', 'frame.json': frame() });
    const items = await list({ kind: 'uri', uri: join(root, 'urls.txt') });
    assert.deepEqual(items.map((i) => [i.input.slice(root.length + 1), i.image]), [['urls.txt line 2', 'https://example.com/a.jpg'], ['urls.txt line 4', join(root, 'b.jpg')]]);
    assert.deepEqual((await list({ kind: 'uri', uri: join(root, 'one.jpg') })).map((i) => i.image), [join(root, 'one.jpg')]);
    assert.equal((await list({ kind: 'uri', uri: join(root, 'frame.json') }))[0].frame?.depth?.scale, 0.001);
  });

  test('a missing source → source-missing; an empty folder, an empty manifest or no URLs → source-empty', async () => {
    const code = (source: RunSource) =>
      list(source).then(() => 'ok', (err: unknown) => {
        assert.ok(err instanceof InputError, String(err));
        return err.code;
      });
    await put(dir, { 'empty/readme.md': '', 'empty.jsonl': '\n\n' });
    assert.equal(await code({ kind: 'uri', uri: join(dir, 'nope') }), 'source-missing');
    assert.equal(await code({ kind: 'uri', uri: join(dir, 'nope.jsonl') }), 'source-missing');
    assert.equal(await code({ kind: 'uri', uri: join(dir, 'empty') }), 'source-empty');
    assert.equal(await code({ kind: 'uri', uri: join(dir, 'empty.jsonl') }), 'source-empty');
    assert.equal(await code({ kind: 'urls', urls: [] }), 'source-empty');
    assert.equal(await code({ kind: 'uri', uri: join(dir, 'empty/readme.md') }), 'unsupported-source');
    await assert.rejects(list({ kind: 'uri', uri: join(dir, 'nope') }), new RegExp(join(dir, 'nope')));
  });

  test('forbidLocalPaths (REST): local sources and every local reference are refused', async () => {
    await assert.rejects(list({ kind: 'uri', uri: dir }, { forbidLocalPaths: true }), (err: unknown) => err instanceof InputError && err.code === 'local-path-forbidden');
    const items = await list({ kind: 'jsonl', text: '"/etc/passwd"\n"file:///etc/shadow"\n"https://example.com/a.jpg"\n"rel.jpg"' }, { forbidLocalPaths: true });
    assert.deepEqual(items.map((i) => i.error?.code ?? i.image), ['local-path-forbidden', 'local-path-forbidden', 'https://example.com/a.jpg', 'local-path-forbidden']);
    const urls = await list({ kind: 'urls', urls: ['https://example.com/x.jpg', '/etc/passwd'] }, { forbidLocalPaths: true });
    assert.deepEqual(urls.map((i) => i.error?.code ?? 'ok'), ['ok', 'local-path-forbidden']);
  });
});

describe('S3 sources on s3rver', () => {
  let server: S3rverHandle;
  let store: ObjectStore;
  let options: ListSourceOptions;
  before(async () => {
    server = await startS3rver(['corpus']);
    store = new S3Store({ ...server.options, bucket: 'corpus' });
    options = { storeFor: () => store };
    for (const key of ['photos/a.jpg', 'photos/sub/b.png', 'photos/readme.md', 'photosx/c.jpg', 'frames/f1.json', 'frames/rgb.jpg', 'frames/depth.png']) {
      await store.put(key, key.endsWith('.json') ? frame() : 'bytes of ' + key);
    }
    await store.put('sets/list.jsonl', '"../photos/a.jpg"\n"img/1.jpg"\n{"image": "img/2.jpg", "depth": {"uri": "d/2.npy"}}\n');
  });
  after(async () => {
    await store.close?.();
    await server.close();
  });

  test('a prefix of images lists its image keys (not its neighbours’), and they read back', async () => {
    const items = await list({ kind: 'uri', uri: 's3://corpus/photos' }, options);
    assert.deepEqual(items.map((i) => i.image).sort(), ['s3://corpus/photos/a.jpg', 's3://corpus/photos/sub/b.png']);
    assert.equal(Buffer.from(await readUri(items[0].image!, options)).toString().startsWith('bytes of photos/'), true);
  });

  test('a prefix of frames resolves references to keys beside each frame file', async () => {
    const items = await list({ kind: 'uri', uri: 's3://corpus/frames/' }, options);
    assert.deepEqual(items.map((i) => [i.image, i.frame?.depth?.uri]), [['s3://corpus/frames/rgb.jpg', 's3://corpus/frames/depth.png']]);
  });

  test('a manifest stored in S3 resolves relative to its prefix and cannot leave it', async () => {
    const items = await list({ kind: 'uri', uri: 's3://corpus/sets/list.jsonl' }, options);
    assert.deepEqual(items.map((i) => i.error?.code ?? i.image), ['path-escape', 's3://corpus/sets/img/1.jpg', 's3://corpus/sets/img/2.jpg']);
    assert.equal(items[2].frame?.depth?.uri, 's3://corpus/sets/d/2.npy');
  });

  test('an uploaded manifest with an s3 baseUri; an empty prefix → source-empty; a missing manifest → source-missing', async () => {
    const items = await list({ kind: 'jsonl', text: '"a.jpg"\n"sub/b.png"', baseUri: 's3://corpus/photos/' }, { ...options, forbidLocalPaths: true });
    assert.deepEqual(items.map((i) => i.image), ['s3://corpus/photos/a.jpg', 's3://corpus/photos/sub/b.png']);
    await assert.rejects(list({ kind: 'uri', uri: 's3://corpus/nothing/' }, options), (err: unknown) => err instanceof InputError && err.code === 'source-empty');
    await assert.rejects(list({ kind: 'uri', uri: 's3://corpus/none.jsonl' }, options), (err: unknown) => err instanceof InputError && err.code === 'source-missing');
  });
});
