/**
 * `npm run bench:readme`: rewrites the README's benchmark figures, between the markers (bench/report.ts),
 * from the latest bench/results/*.json (what `npm run bench` wrote), so the README states what the code measured
 * and nothing typed by hand: every goal with its value, each missed one with how far off and why, and
 * each bench's headline rows beside their references.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { README_END, README_START, readResults, readmeSection } from '../bench/report.js';

const README = new URL('../README.md', import.meta.url);

const readme = readFileSync(README, 'utf8');
const start = readme.indexOf(README_START);
const end = readme.indexOf(README_END);
if (start < 0 || end < start) throw new Error(`README.md has no benchmark markers: put ${README_START} and ${README_END} in its Benchmarks section`);
const results = readResults();
if (results.length === 0) throw new Error('bench/results holds no results: run npm run bench first');
writeFileSync(README, readme.slice(0, start) + readmeSection(results) + readme.slice(end + README_END.length));
console.log(`README.md: benchmark section from ${results.length} results (${results.map((r) => r.bench).join(', ')})`);
