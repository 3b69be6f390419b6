// Runs the test files given, in the order given, through node's test runner with the spec reporter:
// `node --import tsx scripts/test-files.mjs <concurrency> <file>...` (scripts/run-tests.mjs calls it).
// The runner's API keeps the order (`node --test` sorts its files by name); each file's process
// inherits this one's --import tsx.
import { run } from 'node:test';
import { spec } from 'node:test/reporters';

const [concurrency, ...files] = process.argv.slice(2);
const stream = run({ files, concurrency: Number(concurrency) });
stream.on('test:fail', () => {
  process.exitCode = 1;
});
stream.compose(spec).pipe(process.stdout);
