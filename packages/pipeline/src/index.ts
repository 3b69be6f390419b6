export * from './settings.js';
export * from './keys.js';
export * from './stage-handler.js';
export * from './stage-registry.js';
export * from './run-options.js';
