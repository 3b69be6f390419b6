export * from './settings.js';
export * from './redis-server.js';
export * from './connection.js';
export * from './topology.js';
export { Job, Queue, Worker, UnrecoverableError, type JobsOptions } from 'bullmq';
export type { Redis } from 'ioredis';
