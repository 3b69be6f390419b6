// Entry of PreprocessPool's worker thread: the sources are TypeScript, run through tsx as in the main thread.
import { register } from 'tsx/esm/api';

register();
await import('./preprocess-worker.ts');
