/**
 * The Parquet layout, declared once: each column's DuckDB type and its Hugging Face `datasets`
 * feature. One row per image (the convention of HF VQA datasets with several questions per image,
 * e.g. the_cauldron): the image as an `Image` feature (a struct of bytes and path, decoded by
 * `datasets`), its size, all its QA pairs as a list of structs, the regions its questions name as
 * `<regionN>` (empty unless `--refer regions`), and its scene graph as JSON.
 */

const string = { dtype: 'string', _type: 'Value' } as const;
const int32 = { dtype: 'int32', _type: 'Value' } as const;
const float64 = { dtype: 'float64', _type: 'Value' } as const;

/** Fields of one QA struct; `fact` and `steps` hold JSON (`steps` is null except for reasoning types). */
export const QA_FIELDS = ['id', 'type', 'category', 'question', 'answer', 'fact', 'steps'] as const;
export type QAField = (typeof QA_FIELDS)[number];

export const COLUMNS = [
  { name: 'image', sql: 'STRUCT(bytes BLOB, path VARCHAR)', feature: { _type: 'Image' } },
  { name: 'image_id', sql: 'VARCHAR', feature: string },
  { name: 'width', sql: 'INTEGER', feature: int32 },
  { name: 'height', sql: 'INTEGER', feature: int32 },
  {
    name: 'qa',
    sql: `STRUCT(${QA_FIELDS.map((field) => `"${field}" VARCHAR`).join(', ')})[]`,
    // A one-element list is how `datasets` writes a list of structs (List of a dict feature).
    feature: [Object.fromEntries(QA_FIELDS.map((field) => [field, string]))],
  },
  {
    name: 'regions',
    // box: [x1, y1, x2, y2] pixels; mask: COCO compressed RLE ({size: [height, width], counts}), null for a box-only object.
    sql: 'STRUCT(region INTEGER, id VARCHAR, box DOUBLE[], mask STRUCT(size INTEGER[], counts VARCHAR))[]',
    feature: [{ region: int32, id: string, box: [float64], mask: { size: [int32], counts: string } }],
  },
  { name: 'scene', sql: 'VARCHAR', feature: string },
] as const;

/** The `huggingface` key-value metadata that makes `datasets` read the columns with these features. */
export function huggingFaceMetadata(): string {
  return JSON.stringify({ info: { features: Object.fromEntries(COLUMNS.map((column) => [column.name, column.feature])) } });
}

/** Images per Parquet row group: what `datasets` itself uses for image columns. */
export const ROW_GROUP_SIZE = 100;
