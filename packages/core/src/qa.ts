/** The records the QA engine emits. */

export type QACategory = 'qualitative' | 'quantitative' | 'reasoning';
export type Units = 'metric' | 'imperial';

/**
 * The machine-readable fact behind a QA pair, so a dataset can be re-rendered and a VLM's answer scored.
 * `value` is metres for distances and sizes, a boolean for predicates, an object id for choices,
 * a clock hour (1-12) for directions, or ordered object ids for sorts.
 */
export interface Fact {
  predicate: string;
  objects: string[];
  value: number | boolean | string | string[];
}

/** One reasoning step of a chain-of-thought answer, with the primitive fact it uses. */
export interface ReasoningStep {
  text: string;
  fact: Fact;
}

/** An object a region-referenced question points at as `<regionN>` (SpatialRGPT's format). */
export interface QARegion {
  /** N in `<regionN>`: numbered per image, in a stable order. */
  region: number;
  /** The scene graph object id. */
  id: string;
  /** The object's 2D box in the image, pixels: [x1, y1, x2, y2]. */
  box: [number, number, number, number];
}

export interface QARecord {
  /** Stable: a hash of imageId, type, objects and seed, so re-runs produce the same ids. */
  id: string;
  imageId: string;
  /** Catalog type, e.g. "left_of", "choice_closer", "distance_centre", "closest_to". */
  type: string;
  category: QACategory;
  question: string;
  answer: string;
  fact: Fact;
  steps?: ReasoningStep[];
  /** With `refer: 'regions'`: every region the question and answer name. */
  regions?: QARegion[];
}

/** How questions name objects: in words ("the red chair") or as `<regionN>` with the region's box beside. */
export type ReferMode = 'names' | 'regions';

export interface QAOptions {
  seed: number;
  units: Units;
  /** Most QA pairs for one image. */
  maxPerImage: number;
  /** Most pairs of one type for one image; types not named use `defaultQuota`. */
  quotas?: Record<string, number>;
  defaultQuota?: number;
  /** Only these types (all when absent). */
  types?: string[];
  /**
   * How clear a difference must be for a question about it to be asked; fields left out keep
   * @spatialforge/qa's DEFAULT_MARGINS (its QAMargins documents each). `metres`: metres; `ratio`: a
   * share of the larger length; `degrees`: degrees.
   */
  margins?: { metres?: number; ratio?: number; degrees?: number };
  /** @defaultValue 'names' */
  refer?: ReferMode;
}
