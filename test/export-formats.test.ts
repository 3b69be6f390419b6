/**
 * Issue 15, Done-when 1 and 2: WebDataset shards read with `tar` and with Python's tarfile the way the
 * `webdataset` package groups a sample's files; chat `messages` read back with their role order and
 * image reference, holding the same QA pairs as the LLaVA export.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { QARecord, SceneGraph } from '@spatialforge/core';
import { DatasetWriter, type DatasetExample } from '@spatialforge/export';
import { randomBoxScene, synthesizeQA } from '@spatialforge/qa';

async function example(seed: number, withQA = true, side = 64): Promise<DatasetExample> {
  const scene = randomBoxScene(seed, 8, { width: side, height: (side * 3) / 4 });
  // Noise compresses badly, so a JPEG's size follows its pixel count (for the megabyte shards).
  const noise = Buffer.alloc(side * ((side * 3) / 4) * 3);
  for (let i = 0; i < noise.length; i++) noise[i] = (i * 2654435761 + seed * 97) >>> 24;
  const bytes = await sharp(noise, { raw: { width: side, height: (side * 3) / 4, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
  return {
    imageId: scene.imageId,
    image: { bytes: new Uint8Array(bytes), path: `frame-${seed}.jpg` },
    width: side,
    height: (side * 3) / 4,
    scene,
    qa: withQA ? synthesizeQA(scene, { seed: 1, units: 'metric', maxPerImage: 10 }) : [],
  };
}

async function withTempDir(run: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'sf-export-formats-'));
  try {
    await run(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** What `webdataset` does with a tar: members grouped by key (the name up to the first dot of its basename), in order. */
const PYTHON_WEBDATASET_READER = String.raw`
import json, re, sys, tarfile
samples = []
for shard in sys.argv[1:]:
    current = None
    with tarfile.open(shard) as tar:
        for member in tar:
            if not member.isfile():
                continue
            match = re.match(r"^((?:.*/|)[^./]+)[.]([^/]*)$", member.name)  # webdataset's base_plus_ext
            key, ext = match.group(1), match.group(2)
            data = tar.extractfile(member).read()
            if current is None or current["__key__"] != key:
                current = {"__key__": key, "__url__": shard}
                samples.append(current)
            current[ext] = data
out = []
for s in samples:
    sample = json.loads(s["json"])
    image_ext = [e for e in s if e in ("jpg", "png")]
    out.append({
        "key": s["__key__"], "shard": s["__url__"], "extensions": sorted(e for e in s if not e.startswith("__")),
        "image_bytes": len(s[image_ext[0]]) if image_ext else 0, "jpeg": s.get("jpg", b"")[:2] == b"\xff\xd8",
        "imageId": sample["imageId"], "image": sample["image"], "qa": sample["qa"], "scene_image": sample["scene"]["imageId"],
    })
print(json.dumps(out))
`;

test('WebDataset shards: <key>.jpg + <key>.json per image in fixed-size shards with a shard list, read by tar and as webdataset groups them', async () => {
  await withTempDir(async (dir) => {
    const examples = [await example(1), await example(2), await example(3), await example(4), await example(5, false)];
    const writer = new DatasetWriter(dir, { formats: ['webdataset'], shardSize: { samples: 2 } });
    for (const e of examples) await writer.add(e);
    const summary = await writer.close();

    const shards = ['webdataset/train-000000.tar', 'webdataset/train-000001.tar', 'webdataset/train-000002.tar'];
    assert.deepEqual((await readFile(join(dir, 'webdataset/shards.txt'), 'utf8')).trimEnd().split('\n'), shards);
    assert.deepEqual(summary.files.map((f) => f.path), ['README.md', 'webdataset/shards.txt', ...shards]);
    assert.equal(summary.imageFiles.count, 0, 'the shards hold the images: no images/ folder');

    // tar: two members per sample, the image then its JSON, samples of a shard in order.
    const listed = shards.map((shard) => execFileSync('tar', ['-tf', join(dir, shard)], { encoding: 'utf8' }).trimEnd().split('\n'));
    assert.deepEqual(listed, [
      [`${examples[0].imageId}.jpg`, `${examples[0].imageId}.json`, `${examples[1].imageId}.jpg`, `${examples[1].imageId}.json`],
      [`${examples[2].imageId}.jpg`, `${examples[2].imageId}.json`, `${examples[3].imageId}.jpg`, `${examples[3].imageId}.json`],
      [`${examples[4].imageId}.jpg`, `${examples[4].imageId}.json`],
    ]);
    const extracted = join(dir, 'extracted');
    await mkdir(extracted);
    for (const shard of shards) execFileSync('tar', ['-xf', join(dir, shard), '-C', extracted]);
    assert.equal((await readdir(extracted)).length, 2 * examples.length);
    for (const e of examples) {
      assert.deepEqual(new Uint8Array(await readFile(join(extracted, `${e.imageId}.jpg`))), e.image.bytes, `${e.imageId}: image bytes`);
      const sample = JSON.parse(await readFile(join(extracted, `${e.imageId}.json`), 'utf8')) as { imageId: string; image: string; width: number; height: number; qa: QARecord[]; regions: unknown[]; scene: SceneGraph };
      assert.equal(sample.imageId, e.imageId);
      assert.equal(sample.image, `${e.imageId}.jpg`);
      assert.deepEqual([sample.width, sample.height], [e.width, e.height]);
      assert.deepEqual(sample.qa, e.qa, `${e.imageId}: every QA pair`);
      assert.deepEqual(sample.scene, e.scene);
      assert.deepEqual(sample.regions, []);
    }

    // Python, standard library only, grouping as webdataset does.
    const read = JSON.parse(execFileSync('python3', ['-c', PYTHON_WEBDATASET_READER, ...shards.map((s) => join(dir, s))], { encoding: 'utf8' })) as {
      key: string; shard: string; extensions: string[]; image_bytes: number; jpeg: boolean; imageId: string; image: string; qa: QARecord[]; scene_image: string;
    }[];
    assert.deepEqual(read.map((s) => s.key), examples.map((e) => e.imageId), 'one sample per image, keys in order');
    for (const [i, sample] of read.entries()) {
      const e = examples[i];
      assert.deepEqual(sample.extensions, ['jpg', 'json']);
      assert.equal(sample.shard, join(dir, shards[Math.floor(i / 2)]));
      assert.ok(sample.jpeg);
      assert.equal(sample.image_bytes, e.image.bytes.length);
      assert.equal(sample.imageId, e.imageId);
      assert.equal(sample.scene_image, e.scene.imageId);
      assert.deepEqual(sample.qa.map((r) => [r.question, r.answer]), e.qa.map((r) => [r.question, r.answer]));
    }

    const card = await readFile(join(dir, 'README.md'), 'utf8');
    assert.match(card, /3 WebDataset shards `train-000000\.tar`, … \(at most 2 images each\)/);
    assert.match(card, /path: webdataset\/train-\*\.tar/, 'the Hub reads the shards as the default config');
  });
});

test('WebDataset shards by megabytes: each shard stays under the size unless one sample alone is larger', async () => {
  await withTempDir(async (dir) => {
    const examples = await Promise.all([1, 2, 3, 4, 5, 6, 7].map((seed) => example(seed, true, 160)));
    const sampleBytes = examples[0].image.bytes.length;
    const megabytes = (2.5 * sampleBytes) / 1e6; // two samples and their JSON fit, three do not
    const writer = new DatasetWriter(dir, { formats: ['webdataset'], shardSize: { megabytes } });
    for (const e of examples) await writer.add(e);
    await writer.close();
    const shards = (await readFile(join(dir, 'webdataset/shards.txt'), 'utf8')).trimEnd().split('\n');
    assert.ok(shards.length >= 3, `${shards.length} shards`);
    let samples = 0;
    for (const shard of shards) {
      const { size } = await stat(join(dir, shard));
      const members = execFileSync('tar', ['-tf', join(dir, shard)], { encoding: 'utf8' }).trimEnd().split('\n');
      samples += members.length / 2;
      assert.ok(size <= megabytes * 1e6 || members.length === 2, `${shard}: ${size} bytes, ${members.length / 2} samples`);
    }
    assert.equal(samples, examples.length);
  });
});

test('messages JSONL: user/assistant turns after an optional system turn, the image opening the first user turn, the same QA pairs as LLaVA', async () => {
  await withTempDir(async (dir) => {
    const examples = [await example(11), await example(12), await example(13, false), await example(14)];
    const systemPrompt = 'You are a careful spatial reasoner. Answer with distances in metric units.';
    const writer = new DatasetWriter(dir, {
      formats: ['messages', 'llava'], systemPrompt, models: { detect: 'yolox-nano', depth: 'none (fallback)' }, inputLicense: 'CC-BY-4.0 (the source corpus)',
    });
    for (const e of examples) await writer.add(e);
    await writer.close();

    type Part = { type: 'image'; image: string } | { type: 'text'; text: string };
    const lines = (await readFile(join(dir, 'messages.jsonl'), 'utf8')).trimEnd().split('\n')
      .map((line) => JSON.parse(line) as { id: string; images: string[]; messages: { role: string; content: Part[] }[] });
    const asked = examples.filter((e) => e.qa.length > 0);
    assert.deepEqual(lines.map((l) => l.id), asked.map((e) => e.imageId), 'one line per image with questions');
    for (const [i, line] of lines.entries()) {
      const e = asked[i];
      const image = `images/${e.imageId}.jpg`;
      assert.deepEqual(line.images, [image]);
      assert.deepEqual(new Uint8Array(await readFile(join(dir, image))), e.image.bytes);
      assert.deepEqual(line.messages[0], { role: 'system', content: [{ type: 'text', text: systemPrompt }] });
      const turns = line.messages.slice(1);
      assert.deepEqual(turns.map((m) => m.role), e.qa.flatMap(() => ['user', 'assistant']));
      assert.deepEqual(turns[0].content[0], { type: 'image', image }, 'the image opens the first user turn');
      const images = turns.flatMap((m) => m.content.filter((p) => p.type === 'image'));
      assert.equal(images.length, 1, 'and appears nowhere else');
      const texts = turns.map((m) => m.content.filter((p): p is Extract<Part, { type: 'text' }> => p.type === 'text').map((p) => p.text).join(''));
      assert.deepEqual(texts, e.qa.flatMap((r) => [r.question, r.answer]));
    }

    const llava = JSON.parse(await readFile(join(dir, 'llava.json'), 'utf8')) as { id: string; conversations: { from: string; value: string }[] }[];
    const llavaPairs = llava.map((c) => ({ id: c.id, pairs: c.conversations.map((t) => t.value.replace(/^<image>\n/, '')) }));
    const messagePairs = lines.map((l) => ({ id: l.id, pairs: l.messages.slice(1).map((m) => m.content.flatMap((p) => (p.type === 'text' ? [p.text] : [])).join('')) }));
    assert.deepEqual(messagePairs, llavaPairs, 'LLaVA and messages hold the same QA pairs');

    const card = await readFile(join(dir, 'README.md'), 'utf8');
    assert.match(card, /`messages\.jsonl`: one chat conversation per image/);
    assert.match(card, /objects are named in words/);
    assert.match(card, /## Formats\n\n`messages`, `llava`;/);
    assert.match(card, /\| detect \| `yolox-nano` \|\n\| depth \| `none \(fallback\)` \|/, 'the card names the models');
    assert.match(card, /The input images: CC-BY-4\.0 \(the source corpus\)\./);
    assert.match(card, /\| qualitative \| \d+ \|/, 'counts per category');
  });
});

test('an example WebDataset cannot key or whose regions contradict themselves is refused naming the field, and the writer goes on', async () => {
  await withTempDir(async (dir) => {
    const writer = new DatasetWriter(dir, { formats: ['webdataset', 'jsonl'] });
    const dotted = await example(21);
    dotted.imageId = 'frame.0001';
    dotted.qa = dotted.qa.map((r) => ({ ...r, imageId: 'frame.0001' }));
    await assert.rejects(writer.add(dotted), (err: Error & { field?: string }) => {
      assert.equal(err.field, 'imageId');
      assert.match(err.message, /image frame\.0001: imageId must hold no dot for WebDataset \(it is the sample key\)/);
      return true;
    });
    const contradictory = await example(22);
    const [a, b] = contradictory.scene.objects;
    contradictory.qa = contradictory.qa.slice(0, 2).map((r, i) => ({ ...r, regions: [{ region: 0, id: i === 0 ? a.id : b.id, box: a.box2d }] }));
    await assert.rejects(writer.add(contradictory), (err: Error & { field?: string }) => {
      assert.equal(err.field, 'qa.regions');
      assert.match(err.message, new RegExp(`<region0> names both ${a.id} and ${b.id}`));
      return true;
    });
    const good = await example(23);
    await writer.add(good);
    const summary = await writer.close();
    assert.equal(summary.records, 1);
    assert.equal(execFileSync('tar', ['-tf', join(dir, 'webdataset/train-000000.tar')], { encoding: 'utf8' }), `${good.imageId}.jpg\n${good.imageId}.json\n`);
  });
});
