export * from './frame.js';
export * from './scene-graph.js';
export * from './qa.js';
export * from './errors.js';
export * from './hash.js';
export * from './settings.js';
export * from './run.js';
