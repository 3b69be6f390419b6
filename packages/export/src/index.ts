export { DatasetWriter, DEFAULT_ROWS_PER_SHARD, type DatasetExample, type DatasetWriterOptions, type DatasetSummary } from './dataset-writer.js';
export { renderDatasetCard, type CardFacts } from './dataset-card.js';
export { COLUMNS, QA_FIELDS, ROW_GROUP_SIZE, huggingFaceMetadata } from './schema.js';
export { shardName } from './parquet-shards.js';
