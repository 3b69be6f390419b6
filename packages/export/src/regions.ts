/**
 * Regions of a region-referenced image (`--refer regions`): the objects its questions name as
 * `<regionN>`, joined with their instance masks. QA records carry `{ region, id, box }`; the dataset
 * adds each region's mask (COCO RLE, see rle.ts) or `null` when the object came as a box and no
 * segmenter ran (the lift stage then took the box's dominant 3D cluster, which is not stored).
 */
import { InputError, type QARecord, type QARegion } from '@spatialforge/core';
import type { RleMask } from './rle.js';

export interface DatasetRegion extends QARegion {
  mask: RleMask | null;
}

/**
 * Every region the image's QA names, once each, by region number. Throws `invalid` when one number
 * names two objects or one object two numbers (the numbering must be stable within an image).
 */
export function imageRegions(
  qa: readonly QARecord[],
  masks: ReadonlyMap<string, RleMask> | undefined,
  invalid: (message: string) => never,
): DatasetRegion[] {
  const byNumber = new Map<number, QARegion>();
  const numberOf = new Map<string, number>();
  for (const record of qa) {
    for (const region of record.regions ?? []) {
      const known = byNumber.get(region.region);
      if (known && known.id !== region.id) invalid(`<region${region.region}> names both ${known.id} and ${region.id} (QA ${record.id})`);
      const number = numberOf.get(region.id);
      if (number !== undefined && number !== region.region) invalid(`object ${region.id} is both <region${number}> and <region${region.region}> (QA ${record.id})`);
      byNumber.set(region.region, region);
      numberOf.set(region.id, region.region);
    }
  }
  return [...byNumber.values()]
    .sort((a, b) => a.region - b.region)
    .map((region) => ({ region: region.region, id: region.id, box: region.box, mask: masks?.get(region.id) ?? null }));
}

/** A record with its regions' masks, for formats with one QA pair per line. */
export function withRegionMasks(record: QARecord, regions: readonly DatasetRegion[]): Omit<QARecord, 'regions'> & { regions?: DatasetRegion[] } {
  const { regions: named, ...rest } = record;
  if (!named) return rest;
  const byNumber = new Map(regions.map((r) => [r.region, r]));
  return { ...rest, regions: named.map((r) => byNumber.get(r.region)!) };
}

export const INVALID_EXAMPLE = 'invalid-dataset-example';

export function invalidExample(imageId: string, field: string): (message: string) => never {
  return (message) => {
    throw new InputError(`image ${imageId || '(no id)'}: ${message}`, INVALID_EXAMPLE, imageId, field);
  };
}
