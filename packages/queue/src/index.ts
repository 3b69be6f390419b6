export * from './settings.js';
export * from './redis-server.js';
export * from './connection.js';
export * from './topology.js';
