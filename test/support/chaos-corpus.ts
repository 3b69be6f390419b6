/**
 * A corpus for the fault tests: small synthetic RGB-D scenes (valid, all different) with a seeded
 * sprinkle of truly bad inputs between them, each with the error code its failure must carry.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { seededRandom } from '@spatialforge/geometry';
import { writeDemoInput } from '@spatialforge/pipeline';

export interface ChaosCorpus {
  /** The JSONL manifest naming every input, good and bad. */
  manifest: string;
  /** Valid inputs (one dataset record each). */
  valid: number;
  /** Failure input (`<manifest> line <n>`) → the code its failure must carry. */
  bad: Map<string, string>;
}

export interface ChaosCorpusOptions {
  scenes: number;
  seed: number;
  /** Image size, pixels. */
  width: number;
  height: number;
}

export async function writeChaosCorpus(dir: string, options: ChaosCorpusOptions): Promise<ChaosCorpus> {
  const scenesManifest = await writeDemoInput(dir, options);
  const good = (await readFile(scenesManifest, 'utf8')).trim().split('\n');
  const rgb = await readFile(join(dir, 'scene-0000', 'rgb.png'));
  const { width, height } = options;
  const jpeg = await sharp(rgb).flop().jpeg().toBuffer();
  const depth = new Uint16Array((width >> 1) * (height >> 1)).fill(1500);

  await mkdir(join(dir, 'bad'), { recursive: true });
  const files: Record<string, Uint8Array> = {
    'truncated.png': rgb.subarray(0, rgb.length >> 1),
    'truncated.jpg': jpeg.subarray(0, jpeg.length >> 1),
    'zero.png': new Uint8Array(0),
    'page.jpg': Buffer.from('<!DOCTYPE html><html><body>Sign in to continue</body></html>'),
    'notes.png': Buffer.from('shopping list: mugs, a lamp\n'),
    'dot.png': await sharp({ create: { width: 1, height: 1, channels: 3, background: '#808080' } }).png().toBuffer(),
    'flopped.png': await sharp(rgb).flop().png().toBuffer(),
    'half-depth.png': await sharp(depth, { raw: { width: width >> 1, height: height >> 1, channels: 1 } }).toColourspace('grey16').png().toBuffer(),
  };
  for (const [name, bytes] of Object.entries(files)) await writeFile(join(dir, 'bad', name), bytes);

  const badLines: [string, string][] = [
    ['"bad/truncated.png"', 'truncated'],
    ['"bad/truncated.jpg"', 'truncated'],
    ['"bad/zero.png"', 'empty'],
    ['"bad/page.jpg"', 'not-an-image'],
    ['"bad/notes.png"', 'not-an-image'],
    ['"bad/dot.png"', 'too-small'],
    ['"bad/missing.png"', 'not-found'],
    ['"../outside.png"', 'path-escape'],
    ['{"image": "scene-0001/rgb.png"', 'bad-manifest-line'],
    [JSON.stringify({ image: 'bad/flopped.png', depth: { uri: 'bad/half-depth.png', scale: 0.001 } }), 'depth-size-mismatch'],
  ];
  // Each bad line goes at a seeded position among the good ones.
  const random = seededRandom(options.seed);
  const lines = [...good];
  for (const [line] of badLines) lines.splice(Math.floor(random() * (lines.length + 1)), 0, line);
  const manifest = join(dir, 'chaos.jsonl');
  await writeFile(manifest, `${lines.join('\n')}\n`);
  const bad = new Map<string, string>();
  for (const [line, code] of badLines) bad.set(`${manifest} line ${lines.indexOf(line) + 1}`, code);
  return { manifest, valid: good.length, bad };
}
