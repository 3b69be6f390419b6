/**
 * Structural validation of a frame manifest (packages/core/src/frame.ts) as found in a manifest line or
 * a frame file, resolving its image, depth and mask references (see references.ts). Pixel sizes are
 * checked later, when the files are read (normalise-frame.ts).
 */
import { InputError, type FrameManifest, type FrameObject } from '@spatialforge/core';
import { resolveReference, type ReferenceContext } from './references.js';

/** A structural problem; the caller turns it into `bad-manifest` or `bad-manifest-line`. */
export class ManifestProblem extends Error {}

/**
 * Validates `value` (parsed JSON) and returns the manifest with every reference resolved. Throws
 * ManifestProblem for a malformed structure and InputError (path-escape, …) for a refused reference.
 */
export function parseFrameManifest(value: unknown, context: ReferenceContext): FrameManifest {
  if (!isObject(value)) throw new ManifestProblem('expected a JSON object with an "image" field');
  const resolveField = (ref: unknown, field: string) => {
    if (typeof ref !== 'string' || ref.trim() === '') throw new ManifestProblem(`"${field}" must be a non-empty string`);
    return resolveReference(ref, context, field);
  };
  const manifest: FrameManifest = { image: resolveField(value.image, 'image') };

  if (value.depth !== undefined) {
    if (!isObject(value.depth)) throw new ManifestProblem('"depth" must be an object { "uri": …, "scale": … }');
    const scale = value.depth.scale;
    if (scale !== undefined && !(typeof scale === 'number' && Number.isFinite(scale) && scale > 0)) {
      throw new ManifestProblem(`"depth.scale" must be a positive number of metres per unit, got ${JSON.stringify(scale)}`);
    }
    manifest.depth = { uri: resolveField(value.depth.uri, 'depth.uri'), ...(scale !== undefined ? { scale } : {}) };
  }

  if (value.intrinsics !== undefined) {
    const k = value.intrinsics;
    if (!isObject(k)) throw new ManifestProblem('"intrinsics" must be an object { fx, fy, cx, cy } in pixels');
    for (const name of ['fx', 'fy', 'cx', 'cy'] as const) {
      const v = k[name];
      if (typeof v !== 'number' || !Number.isFinite(v) || ((name === 'fx' || name === 'fy') && v <= 0)) {
        throw new ManifestProblem(`"intrinsics.${name}" must be a ${name.startsWith('f') ? 'positive ' : ''}number of pixels, got ${JSON.stringify(v)}`);
      }
    }
    manifest.intrinsics = { fx: k.fx as number, fy: k.fy as number, cx: k.cx as number, cy: k.cy as number };
  }

  if (value.objects !== undefined) {
    if (!Array.isArray(value.objects)) throw new ManifestProblem('"objects" must be an array');
    const ids = new Set<string>();
    manifest.objects = value.objects.map((object, i): FrameObject => {
      const field = `objects[${i}]`;
      if (!isObject(object)) throw new ManifestProblem(`"${field}" must be an object`);
      const { id, label } = object;
      if (typeof id !== 'string' || !id) throw new ManifestProblem(`"${field}.id" must be a non-empty string`);
      if (ids.has(id)) throw new ManifestProblem(`"${field}.id" ${JSON.stringify(id)} is used twice`);
      ids.add(id);
      if (typeof label !== 'string' || !label.trim()) throw new ManifestProblem(`"${field}.label" must be a non-empty string`);
      const { score } = object;
      if (score !== undefined && (typeof score !== 'number' || !(score >= 0 && score <= 1))) {
        throw new ManifestProblem(`"${field}.score" must be a detector confidence from 0 to 1, got ${JSON.stringify(score)}`);
      }
      const scored = score === undefined ? {} : { score };
      if (object.box !== undefined) {
        const box = object.box;
        if (!Array.isArray(box) || box.length !== 4 || box.some((v) => typeof v !== 'number' || !Number.isFinite(v))) {
          throw new ManifestProblem(`"${field}.box" must be [x1, y1, x2, y2] in pixels`);
        }
        const [x1, y1, x2, y2] = box as number[];
        if (!(x1 < x2 && y1 < y2)) throw new ManifestProblem(`"${field}.box" [${box.join(', ')}] is empty (x1 < x2 and y1 < y2 needed)`);
        return { id, label, box: [x1, y1, x2, y2], ...scored };
      }
      if (object.mask !== undefined) {
        const maskValue = object.maskValue;
        if (!Number.isInteger(maskValue) || (maskValue as number) < 0 || (maskValue as number) > 65535) {
          throw new ManifestProblem(`"${field}.maskValue" must be an integer from 0 to 65535, got ${JSON.stringify(maskValue)}`);
        }
        return { id, label, mask: resolveField(object.mask, `${field}.mask`), maskValue: maskValue as number, ...scored };
      }
      throw new ManifestProblem(`"${field}" needs a "box" [x1, y1, x2, y2] or a "mask" with a "maskValue"`);
    });
  }
  return manifest;
}

/** True when the manifest carries more than an image (depth, intrinsics or objects): an RGB-D frame. */
export function isFrame(manifest: FrameManifest): boolean {
  return manifest.depth !== undefined || manifest.intrinsics !== undefined || (manifest.objects?.length ?? 0) > 0;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Wraps a ManifestProblem as the InputError the coordinator records. */
export function manifestError(err: unknown, code: 'bad-manifest' | 'bad-manifest-line', where: string): InputError {
  // References are resolved with the field name as their input, so it becomes the error's field.
  if (err instanceof InputError) return new InputError(`${where}: ${err.message}`, err.code, where, err.field ?? err.input);
  if (err instanceof ManifestProblem) return new InputError(`${where}: ${err.message}`, code, where);
  throw err;
}
