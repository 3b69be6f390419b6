/**
 * The dataset card (README.md): YAML front matter the Hugging Face Hub reads (licence, task, size,
 * the data files of the default config) and a body that says what is in the dataset and how it was made.
 */
import type { ExportFormat, QACategory, ReferMode, ShardSize, Units } from '@spatialforge/core';
import { QUESTION_TYPES } from '@spatialforge/qa';
import { COLUMNS, QA_FIELDS } from './schema.js';

export interface CardFacts {
  name: string;
  formats: readonly ExportFormat[];
  units: Units;
  refer: ReferMode;
  /** Images with regions, regions over all images, and regions that have a mask. */
  regions: { images: number; regions: number; withMask: number };
  /** The model (or fallback) of each stage, when known. */
  models?: Readonly<Record<string, string>>;
  /** Licence of the input images, when known. */
  inputLicense?: string;
  /** WebDataset: the shard size asked for, and how many shards were written. */
  shardSize?: ShardSize;
  webdatasetShards: number;
  /** SPDX id of the annotations' licence, or "other". */
  license: string;
  description?: string;
  records: number;
  qaPairs: number;
  /** Images without any question (too few nameable objects). */
  imagesWithoutQA: number;
  countsByType: Readonly<Record<string, number>>;
  countsByCategory: Readonly<Record<QACategory, number>>;
  files: readonly { path: string; bytes: number }[];
  imageFiles: { count: number; bytes: number };
}

/** The Hub's size buckets. */
function sizeCategory(count: number): string {
  const buckets: [number, string][] = [[1e3, 'n<1K'], [1e4, '1K<n<10K'], [1e5, '10K<n<100K'], [1e6, '100K<n<1M'], [1e7, '1M<n<10M']];
  return buckets.find(([limit]) => count < limit)?.[1] ?? 'n>10M';
}

const yamlString = (text: string) => JSON.stringify(text);

function frontMatter(facts: CardFacts): string {
  const lines = [
    '---',
    `pretty_name: ${yamlString(facts.name)}`,
    `license: ${facts.license}`,
    'language:', '- en',
    'task_categories:', '- visual-question-answering',
    'tags:', '- spatial-reasoning', '- 3d', '- depth', '- synthetic-qa',
    'size_categories:', `- ${sizeCategory(facts.records)}`,
  ];
  const dataFiles = facts.formats.includes('parquet') ? 'data/train-*'
    : facts.formats.includes('jsonl') ? 'qa.jsonl'
      : facts.formats.includes('webdataset') ? 'webdataset/train-*.tar' : undefined;
  if (dataFiles) lines.push('configs:', '- config_name: default', '  data_files:', '  - split: train', `    path: ${dataFiles}`);
  lines.push('---');
  return lines.join('\n');
}

function shardWords(size: ShardSize | undefined): string {
  if (!size) return 'default size';
  return 'samples' in size ? `at most ${size.samples} images each` : `at most ${size.megabytes} MB each`;
}

function table(header: [string, string], rows: [string, string | number][]): string {
  return [`| ${header[0]} | ${header[1]} |`, '|---|---:|', ...rows.map(([a, b]) => `| ${a} | ${b} |`)].join('\n');
}

export function renderDatasetCard(facts: CardFacts): string {
  const typeRows = QUESTION_TYPES.filter((t) => facts.countsByType[t.type])
    .map((t): [string, number] => [`\`${t.type}\` (${t.category}): ${t.description}`, facts.countsByType[t.type]]);
  const otherTypes = Object.keys(facts.countsByType).filter((type) => !QUESTION_TYPES.some((t) => t.type === type)).sort();
  for (const type of otherTypes) typeRows.push([`\`${type}\``, facts.countsByType[type]]);
  const unitWords = facts.units === 'metric'
    ? 'metric: centimeters under 1 m, meters with one decimal up to 10 m, whole meters beyond'
    : 'imperial: inches under 3 ft, feet with one decimal up to 10 ft, whole feet beyond';
  const sections = [
    frontMatter(facts),
    `# ${facts.name}`,
    `Spatial question–answer pairs grounded in 3D, in the style of SpatialVLM (Chen et al., CVPR 2024): ` +
      `${facts.records} images and ${facts.qaPairs} question–answer pairs` +
      (facts.imagesWithoutQA ? ` (${facts.imagesWithoutQA} images have no question: too few objects could be named unambiguously).` : '.'),
    '## Questions by category',
    table(['category', 'QA pairs'], (['qualitative', 'quantitative', 'reasoning'] as const).map((c) => [c, facts.countsByCategory[c] ?? 0])),
    '## Questions by type',
    typeRows.length ? table(['type', 'QA pairs'], typeRows) : 'No questions.',
    '## Formats',
    `${facts.formats.map((f) => `\`${f}\``).join(', ')}; objects are named ${facts.refer === 'regions'
      ? `as \`<regionN>\` (\`--refer regions\`, SpatialRGPT's format): ${facts.regions.regions} regions over ${facts.regions.images} images, ` +
        `${facts.regions.withMask} of them with a mask`
      : 'in words ("the red chair"; `--refer names`)'}.`,
    '## Files',
    [
      ...facts.files.map((f) => `- \`${f.path}\` (${f.bytes} bytes)`),
      ...(facts.imageFiles.count ? [`- \`images/\`: ${facts.imageFiles.count} images (${facts.imageFiles.bytes} bytes)`] : []),
    ].join('\n'),
    '## Layout',
    [
      facts.formats.includes('parquet')
        ? `- Parquet (\`data/\`), one row per image: ${COLUMNS.map((c) => `\`${c.name}\``).join(', ')}. ` +
          '`image` is an `Image` feature (`{bytes, path}`) that `datasets` decodes; `qa` is a list of ' +
          `{${QA_FIELDS.join(', ')}} where \`fact\` and \`steps\` are JSON; \`scene\` is the scene graph as JSON. ` +
          "Load with `datasets.load_dataset('parquet', data_files='data/train-*.parquet')` or from the Hub."
        : '',
      facts.formats.includes('jsonl') ? '- `qa.jsonl`: one QA record per line, with the path of its image under `images/`.' : '',
      facts.formats.includes('llava') ? '- `llava.json`: LLaVA conversations, one per image, all its questions as turns; the first human turn starts with `<image>`.' : '',
      facts.formats.includes('messages')
        ? '- `messages.jsonl`: one chat conversation per image (`{id, images, messages}`), every QA pair as a `user` then an `assistant` turn; ' +
          "each turn's `content` is a list of parts (`{type: 'text', text}`), and the first user turn opens with `{type: 'image', image: <path under images/>}`."
        : '',
      facts.formats.includes('webdataset')
        ? `- \`webdataset/\`: ${facts.webdatasetShards} WebDataset shards \`train-000000.tar\`, … (${shardWords(facts.shardSize)}), listed in ` +
          '`webdataset/shards.txt`; each image is a sample `<key>.jpg` (or `.png`) + `<key>.json` holding `{imageId, image, width, height, qa, regions, scene}`. ' +
          'Read with `webdataset.WebDataset(urls).decode()` or `datasets.load_dataset(\'webdataset\', data_files=\'webdataset/*.tar\')`.'
        : '',
      facts.refer === 'regions'
        ? '- Regions: a question names objects as `<region0>`, `<region1>`, … numbered per image; the image\'s `regions` (a Parquet column, and a field of ' +
          'every other format\'s record) give each one\'s `{region, id, box: [x1, y1, x2, y2] in pixels, mask}`. `mask` is COCO compressed RLE ' +
          '(`{size: [height, width], counts}`, column-major, as `pycocotools.mask.decode` reads it), or null where the object came as a box and no ' +
          'segmentation model ran.'
        : '',
    ].filter(Boolean).join('\n'),
    '## Answers and facts',
    `Answers state lengths rounded the way a person would say them (${unitWords}). ` +
      'Every QA pair also carries its machine-readable fact `{predicate, objects, value}`: value in meters ' +
      'for lengths (exact, not rounded), a boolean for yes/no questions, an object id for choices, a clock hour (1–12) ' +
      'for directions, or ordered object ids for sorts; chain-of-thought answers carry their `steps`, each with the ' +
      'primitive fact it uses. So the dataset can be re-rendered in other units or templates, and a model scored against the facts.',
    '## How it was made',
    'Made with spatialforge: each image is given metric depth and camera intrinsics (provided, estimated by a depth ' +
      'model, from EXIF, or a field-of-view prior); detected or provided objects are lifted to point clouds, denoised ' +
      'and boxed in a gravity-aligned frame found by fitting the floor or table plane (meters, z up, x to the camera\'s ' +
      'right, y forward). Questions come from templates over that scene graph: left/right and front/behind are from the ' +
      'camera\'s viewpoint, above/below along gravity (never asked when no support plane was found), and a question is ' +
      'asked only when its answer is clear by a margin (5 cm and 5 % by default). Objects that cannot be named ' +
      'unambiguously are left out.' + (facts.description ? `\n\n${facts.description}` : ''),
    ...(facts.models && Object.keys(facts.models).length
      ? ['## Models', table(['stage', 'model'], Object.entries(facts.models).map(([stage, model]): [string, string] => [stage, `\`${model}\``]))]
      : []),
    '## Licence',
    (facts.license === 'other' ? 'The annotations are generated.' : `The annotations are released under ${facts.license}.`) + ' ' +
      (facts.inputLicense
        ? `The input images: ${facts.inputLicense}.`
        : 'The images keep the licences of their sources, which this card cannot state: check the source corpus before redistributing them.'),
  ];
  return `${sections.filter(Boolean).join('\n\n')}\n`;
}
