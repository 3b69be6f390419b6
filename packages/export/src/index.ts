export { DatasetWriter, DEFAULT_ROWS_PER_SHARD, type DatasetExample, type DatasetWriterOptions, type DatasetSummary } from './dataset-writer.js';
export { renderDatasetCard, type CardFacts } from './dataset-card.js';
export { COLUMNS, QA_FIELDS, ROW_GROUP_SIZE, huggingFaceMetadata } from './schema.js';
export { shardName } from './parquet-shards.js';
export { DEFAULT_SHARD_SIZE, webdatasetShardName } from './webdataset-shards.js';
export { encodeRle, type RleMask } from './rle.js';
export type { DatasetRegion } from './regions.js';
export type { LlavaConversation, MessagesLine } from './chat-formats.js';
