export * from './app.js';
export * from './settings.js';
export * from './token-store.js';
export * from './rate-limiter.js';
export * from './http-errors.js';
export * from './sample-pictures.js';
export * from './server.js';
export { fieldNamingStore } from './run-routes.js';
