export * from './answer-parse.js';
export * from './scoring.js';
export * from './openai-client.js';
export * from './eval-dataset.js';
export * from './eval-report.js';
export * from './evaluate.js';
export * from './settings.js';
