import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { Registry } from 'prom-client';
import { startRedis, openRedis } from '@spatialforge/queue';
import { LocalStore } from '@spatialforge/storage';
import { generateScene } from '@spatialforge/synth';
import { STAGES } from '@spatialforge/core';
import { writeNpy } from '../../../packages/scene/src/npy.js';
import { buildApp, createTokenStore, readServiceSettings } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'dev-'));
const server = await startRedis({ dir, appendOnly: false });
const redis = openRedis(server.url);
const tokens = createTokenStore(redis, 'dev');
const store = new LocalStore(join(dir, 'store'));
const samples: any[] = [];
for (let seed = 1; seed <= 8; seed++) {
  const s = generateScene({ seed, objectCount: 5 });
  const png = await sharp(Buffer.from(s.rgb.data), { raw: { width: s.width, height: s.height, channels: 3 } }).png().toBuffer();
  const id = `${seed}`.padStart(32, 'a');
  const objects = s.objects.map((o) => {
    let x1 = 1e9, y1 = 1e9, x2 = 0, y2 = 0;
    for (let p = 0; p < s.instances.length; p++) if (s.instances[p] === o.maskValue) { const x = p % s.width, y = (p / s.width) | 0; x1 = Math.min(x1, x); y1 = Math.min(y1, y); x2 = Math.max(x2, x + 1); y2 = Math.max(y2, y + 1); }
    return { id: o.id, label: o.label, colour: o.colour, name: `the ${o.label}`, centre: o.center, size: o.size, min: o.center, max: o.center, obb: o.obb, pointCount: 100, box2d: [x1, y1, x2, y2], distanceFromCamera: Math.hypot(o.center[0], o.center[1], o.center[2] - s.camera.height) };
  });
  const scene = { imageId: id, width: s.width, height: s.height, camera: { intrinsics: s.intrinsics, intrinsicsSource: 'provided', position: [0, 0, s.camera.height], height: s.camera.height, rotation: [1,0,0,0,1,0,0,0,1] }, canonical: true, objects, dropped: [] };
  await store.put(`images/${id}.png`, png);
  await store.put(`scene/${id}.json`, JSON.stringify(scene));
  await store.put(`depth/${id}.npy`, writeNpy([s.height, s.width], s.depth.data));
  const qa = [
    { id: 'q1', imageId: id, type: 'left_of', category: 'qualitative', question: `Is the ${objects[0].label} to the left of the ${objects[1].label}?`, answer: 'Yes, it is.', fact: { predicate: 'left_of', objects: [objects[0].id, objects[1].id], value: true } },
    { id: 'q2', imageId: id, type: 'distance_centre', category: 'quantitative', question: `How far is the ${objects[0].label} from the ${objects[2].label}?`, answer: 'About 1.2 meters.', fact: { predicate: 'distance_centre', objects: [objects[0].id, objects[2].id], value: 1.23 } },
    { id: 'q3', imageId: id, type: 'closest_to', category: 'reasoning', question: `Which object is closest to the ${objects[3].label}?`, answer: `The ${objects[1].label}.`, fact: { predicate: 'closest_to', objects: [objects[3].id], value: objects[1].id }, steps: [{ text: 'The sofa is 1.4 m from the chair.', fact: { predicate: 'x', objects: [], value: 1 } }] },
    { id: 'q4', imageId: id, type: 'height', category: 'quantitative', question: `How tall is the ${objects[2].label}?`, answer: '88 centimeters.', fact: { predicate: 'height', objects: [objects[2].id], value: 0.88 } },
  ];
  await store.put(`qa/${id}.json`, JSON.stringify(qa));
  samples.push({ imageId: id, input: `s3://lab-corpus/kitchens/frame-${String(seed).padStart(5, '0')}.png`, imageKey: `images/${id}.png`, sceneKey: `scene/${id}.json`, qaKey: `qa/${id}.json`, depthKey: `depth/${id}.npy` });
}
const t0 = Date.now();
const total = 240;
function state(id: string, speed: number, done0 = 0) {
  const t = (Date.now() - t0) / 1000;
  const stages = STAGES.map((stage, i) => {
    const d = Math.max(0, Math.min(total, Math.floor(done0 + (t - i * 2) * speed * (1 - i * 0.04))));
    const failed = stage === 'detect' ? Math.min(3, Math.floor(d / 60)) : 0;
    return { stage, waiting: Math.max(0, total - d - 4), active: d < total ? 4 : 0, done: d, failed, reused: 0, imagesPerSecond: d < total ? speed * (0.8 + 0.4 * Math.sin(t / 3 + i)) : 0 };
  });
  const completed = stages[stages.length - 1].done;
  return { id, tenant: 'lab', status: completed >= total ? 'completed' : 'running', createdAt: new Date(t0 - 60000).toISOString(), updatedAt: new Date().toISOString(), source: { kind: 'uri', uri: 's3://lab-corpus/kitchens/' }, options: { batchSize: 16, maxSide: 1024, stages: [...STAGES], qa: { maxPerImage: 24 }, units: 'metric', seed: 0, formats: ['parquet', 'jsonl'], fovDegrees: 60 }, totals: { inputs: total, images: total, duplicates: 3, completed, failed: 3, qaPairs: completed * 19 }, stages, etaSeconds: (total - completed) / speed };
}
const coordinator: any = {
  async getRun(id: string) { return id === 'run_01JD3K7Q' ? state(id, 2.5) : id === 'run_01JD2X0A' ? state(id, 100, 240) : undefined; },
  async listRuns() { return { runs: [state('run_01JD3K7Q', 2.5), state('run_01JD2X0A', 100, 240)] }; },
  async failures() { return [1, 2, 3].map((i) => ({ imageId: `${i}`.repeat(32), input: `s3://lab-corpus/kitchens/broken-${i}.jpg`, stage: 'ingest', code: 'corrupt-image', message: 'Input buffer has corrupt header: JPEG SOI missing', at: new Date(Date.now() - i * 40000).toISOString() })); },
  async samples(_: string, p: any) { return samples.slice(p.offset, p.offset + p.limit); },
  async workers() { return [['gpu-node-a', ['detect', 'segment', 'depth'], true], ['gpu-node-b', ['detect', 'segment', 'depth'], true], ['cpu-1', ['ingest', 'filter', 'lift'], true], ['cpu-2', ['synthesize', 'export'], false]].map(([host, stages, busy], i) => ({ id: `w${i}`, host, stages, busy, lastHeartbeat: new Date(Date.now() - i * 1500).toISOString() })); },
  async dataset() { return undefined; },
};
const app = await buildApp({ coordinator, store, tokens, redis, keyPrefix: 'dev', metrics: new Registry(), settings: readServiceSettings({}) });
await app.listen({ port: 18080, host: '127.0.0.1' });
const { token } = await tokens.create({ tenant: 'lab', scopes: ['runs', 'admin'] });
writeFileSync('/tmp/svc-smoke/token', token);
console.log('listening', token);
