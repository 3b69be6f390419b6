export * from './object-store.js';
export * from './storage-key.js';
export * from './local-store.js';
export * from './s3-store.js';
export * from './open-store.js';
export * from './settings.js';
