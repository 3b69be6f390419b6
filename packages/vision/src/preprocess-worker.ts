/** Worker side of PreprocessPool: writes each image into the transferred tensor buffer and sends it, and the pixel buffers, back. */
import { parentPort } from 'node:worker_threads';
import type { PreprocessJob } from './preprocess-pool.js';
import { writeImageTensor } from './preprocess.js';

parentPort?.on('message', (job: PreprocessJob) => {
  try {
    const out = new Float32Array(job.out);
    job.images.forEach((img, b) => {
      writeImageTensor({ width: img.width, height: img.height, data: new Uint8Array(img.pixels) }, job.plans[b], job.pre, out, b);
    });
    const pixels = job.images.map((img) => img.pixels);
    parentPort?.postMessage({ id: job.id, out: job.out, pixels }, [job.out, ...pixels]);
  } catch (err) {
    parentPort?.postMessage({ id: job.id, pixels: [], error: (err as Error).message });
  }
});
