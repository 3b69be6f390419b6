/**
 * Issue 2, Done-when 5: a dataset written by DatasetWriter opens in DuckDB with the expected rows,
 * the images' bytes intact and the Hugging Face features metadata present; JSONL, LLaVA and the card
 * hold the same records.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { DuckDBInstance } from '@duckdb/node-api';
import { InputError, type QARecord } from '@spatialforge/core';
import { DatasetWriter, type DatasetExample } from '@spatialforge/export';
import { randomBoxScene, synthesizeQA } from '@spatialforge/qa';

async function example(seed: number, withQA = true): Promise<DatasetExample> {
  const scene = randomBoxScene(seed, 8, { width: 64, height: 48 });
  const bytes = await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: seed * 40, g: 90, b: 200 - seed * 30 } } }).png().toBuffer();
  return {
    imageId: scene.imageId,
    image: { bytes: new Uint8Array(bytes), path: `frame-${seed}.png` },
    width: 64,
    height: 48,
    scene,
    qa: withQA ? synthesizeQA(scene, { seed: 1, units: 'metric', maxPerImage: 12 }) : [],
  };
}

async function withTempDir(run: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'sf-export-'));
  try {
    await run(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function query(sql: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    return (await connection.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[];
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

test('Parquet shards open in DuckDB with one row per image, intact image bytes, every QA pair and HF features', async () => {
  await withTempDir(async (dir) => {
    const examples = [await example(1), await example(2), await example(3), await example(4), await example(5, false)];
    const writer = new DatasetWriter(dir, { formats: ['parquet', 'jsonl', 'llava'], rowsPerShard: 2, name: 'spatial-test' });
    for (const e of examples) await writer.add(e);
    const summary = await writer.close();

    const totalQA = examples.reduce((sum, e) => sum + e.qa.length, 0);
    assert.ok(totalQA >= 40);
    assert.equal(summary.records, 5);
    assert.equal(summary.qaPairs, totalQA);
    assert.equal(summary.shards, 3);
    assert.deepEqual((await readdir(join(dir, 'data'))).sort(), [
      'train-00000-of-00003.parquet', 'train-00001-of-00003.parquet', 'train-00002-of-00003.parquet',
    ]);
    for (const file of summary.files) assert.equal(file.bytes, (await stat(join(dir, file.path))).size, file.path);
    assert.deepEqual(summary.imageFiles, { count: 5, bytes: examples.reduce((sum, e) => sum + e.image.bytes.length, 0) });
    assert.deepEqual(summary.files.filter((f) => f.path.startsWith('images/')).map((f) => f.path), examples.map((e) => `images/${e.imageId}.png`));

    const glob = join(dir, 'data', 'train-*.parquet').replaceAll("'", "''");
    const rows = await query(
      `SELECT image_id, width, height, image.bytes AS bytes, image.path AS path, qa, scene
       FROM read_parquet('${glob}', filename = true, file_row_number = true) ORDER BY filename, file_row_number`,
    );
    assert.equal(rows.length, examples.length);
    for (const [i, row] of rows.entries()) {
      const e = examples[i];
      assert.equal(row.image_id, e.imageId);
      assert.equal(row.width, 64);
      assert.equal(row.height, 48);
      assert.equal(row.path, e.image.path);
      assert.deepEqual(new Uint8Array(row.bytes as Uint8Array), e.image.bytes, `${e.imageId}: image bytes round-trip`);
      assert.deepEqual(JSON.parse(row.scene as string), e.scene);
      const qa = row.qa as Record<string, string | null>[];
      assert.equal(qa.length, e.qa.length);
      for (const [j, stored] of qa.entries()) {
        const record = e.qa[j];
        assert.equal(stored.id, record.id);
        assert.equal(stored.type, record.type);
        assert.equal(stored.category, record.category);
        assert.equal(stored.question, record.question);
        assert.equal(stored.answer, record.answer);
        assert.deepEqual(JSON.parse(stored.fact!), record.fact);
        assert.deepEqual(stored.steps === null ? undefined : JSON.parse(stored.steps), record.steps);
      }
    }
    const [{ n }] = await query(`SELECT sum(len(qa))::INTEGER AS n FROM read_parquet('${glob}')`);
    assert.equal(n, totalQA);

    const metadata = await query(`SELECT file_name, decode(key) AS key, decode(value) AS value FROM parquet_kv_metadata('${glob}')`);
    const hf = metadata.filter((m) => m.key === 'huggingface');
    assert.equal(hf.length, 3, 'every shard carries the features');
    const { features } = JSON.parse(hf[0].value as string).info;
    assert.deepEqual(features.image, { _type: 'Image' });
    assert.deepEqual(Object.keys(features), ['image', 'image_id', 'width', 'height', 'qa', 'regions', 'scene']);
    assert.deepEqual(Object.keys(features.qa[0]), ['id', 'type', 'category', 'question', 'answer', 'fact', 'steps']);
    const schema = await query(`SELECT name, type, converted_type FROM parquet_schema('${join(dir, 'data', 'train-00000-of-00003.parquet')}')`);
    const image = schema.findIndex((s) => s.name === 'image');
    assert.deepEqual(schema.slice(image + 1, image + 3).map((s) => [s.name, s.type, s.converted_type]), [
      ['bytes', 'BYTE_ARRAY', null],
      ['path', 'BYTE_ARRAY', 'UTF8'],
    ]);
  });
});

test('JSONL holds one record per line, LLaVA one conversation per image, and the card counts them', async () => {
  await withTempDir(async (dir) => {
    const examples = [await example(6), await example(7), await example(8, false)];
    const writer = new DatasetWriter(dir, { formats: ['jsonl', 'llava', 'parquet'], units: 'metric' });
    for (const e of examples) await writer.add(e);
    const summary = await writer.close();
    assert.deepEqual(summary.files.map((f) => f.path).filter((p) => !p.startsWith('images/')), ['README.md', 'data/train-00000-of-00001.parquet', 'llava.json', 'qa.jsonl']);

    const lines = (await readFile(join(dir, 'qa.jsonl'), 'utf8')).trimEnd().split('\n').map((line) => JSON.parse(line) as QARecord & { image: string });
    const records = examples.flatMap((e) => e.qa);
    assert.equal(lines.length, records.length);
    for (const [i, line] of lines.entries()) {
      const { image, ...record } = line;
      assert.deepEqual(record, records[i]);
      const source = examples.find((e) => e.imageId === record.imageId)!;
      assert.equal(image, `images/${source.imageId}.png`);
      assert.deepEqual(new Uint8Array(await readFile(join(dir, image))), source.image.bytes);
    }

    const llava = JSON.parse(await readFile(join(dir, 'llava.json'), 'utf8')) as { id: string; image: string; conversations: { from: string; value: string }[] }[];
    assert.deepEqual(llava.map((c) => c.id), [examples[0].imageId, examples[1].imageId], 'images without questions have no conversation');
    for (const [i, conversation] of llava.entries()) {
      const qa = examples[i].qa;
      assert.equal(conversation.image, `images/${examples[i].imageId}.png`);
      assert.equal(conversation.conversations.length, 2 * qa.length);
      assert.ok(conversation.conversations[0].value.startsWith('<image>\n'));
      assert.equal(conversation.conversations.filter((t) => t.value.includes('<image>')).length, 1);
      for (const [j, record] of qa.entries()) {
        assert.deepEqual(conversation.conversations[2 * j], { from: 'human', value: j === 0 ? `<image>\n${record.question}` : record.question });
        assert.deepEqual(conversation.conversations[2 * j + 1], { from: 'gpt', value: record.answer });
      }
    }

    const card = await readFile(join(dir, 'README.md'), 'utf8');
    const front = card.split('---\n')[1];
    assert.match(front, /configs:\n- config_name: default\n {2}data_files:\n {2}- split: train\n {4}path: data\/train-\*/);
    assert.match(front, /task_categories:\n- visual-question-answering/);
    assert.match(card, new RegExp(`${examples.length} images and ${records.length} question–answer pairs`));
    for (const [type, count] of Object.entries(summary.countsByType)) assert.match(card, new RegExp(`\`${type}\` .*\\| ${count} \\|`));
    assert.match(card, /\| quantitative \| \d+ \|/);
    assert.match(card, /centimeters under 1 m/);
    assert.equal(Object.values(summary.countsByCategory).reduce((a, b) => a + b, 0), records.length);
  });
});

test('the writer refuses a second record for an image, bad examples and an existing dataset', async () => {
  await withTempDir(async (dir) => {
    const first = await example(9);
    const writer = new DatasetWriter(dir, { formats: ['jsonl'] });
    await writer.add(first);
    await assert.rejects(writer.add(first), (err: unknown) => err instanceof InputError && err.field === 'imageId');
    await assert.rejects(writer.add({ ...(await example(10)), width: 0 }), (err: unknown) => err instanceof InputError && err.field === 'width');
    await writer.add(await example(11));
    const summary = await writer.close();
    assert.equal(summary.records, 2, 'rejected examples leave no trace');
    assert.equal((await readFile(join(dir, 'qa.jsonl'), 'utf8')).trimEnd().split('\n').length, summary.qaPairs);
    await assert.rejects(writer.add(await example(12)), /closed/);

    const again = new DatasetWriter(dir, { formats: ['parquet'] });
    await assert.rejects(again.add(first), (err: unknown) => err instanceof InputError && err.code === 'dataset-exists');
    const replacing = new DatasetWriter(dir, { formats: ['parquet'], overwrite: true });
    await replacing.add(first);
    const replaced = await replacing.close();
    assert.deepEqual(replaced.files.map((f) => f.path), ['README.md', 'data/train-00000-of-00001.parquet']);
    assert.deepEqual(replaced.imageFiles, { count: 0, bytes: 0 }, 'Parquet alone embeds the images');
    assert.deepEqual((await readdir(dir)).sort(), ['README.md', 'data']);
  });
});
