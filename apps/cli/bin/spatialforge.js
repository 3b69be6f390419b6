#!/usr/bin/env node
// Runs the TypeScript CLI through tsx's loader so no build step is needed.
import { register } from 'tsx/esm/api';

// On Node 20 the AWS SDK prints a paragraph on every command saying its releases after January 2027
// need Node 22. spatialforge supports Node 20, 22 and 24 (package.json engines); the README says once
// that Node 20 is past its end of life and which to use instead, so the paragraph is not repeated here.
if (Number(process.versions.node.split('.')[0]) < 22) process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

register();
await import('../src/main.ts');
