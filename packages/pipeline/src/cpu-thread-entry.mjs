// Worker-thread bootstrap: the sources are TypeScript run through tsx, which a thread does not
// inherit when the main thread registered it programmatically (the CLI does).
import { workerData } from 'node:worker_threads';

const { tsImport } = await import('tsx/esm/api');
await tsImport(workerData.module, import.meta.url);
