/** A synthetic scene as the lift stage's in-memory input, without a round trip through PNG files. */
import type { Frame } from '@spatialforge/core';
import type { SyntheticScene } from './scene.js';

/**
 * The scene as a core `Frame`: its RGB, its exact depth, the intrinsics (source `provided`) and one
 * object per truth object with a per-pixel mask (1 = the object) cut from the instance map.
 */
export function toFrame(scene: SyntheticScene): Frame {
  return {
    imageId: scene.id,
    rgb: scene.rgb,
    depth: scene.depth,
    intrinsics: scene.intrinsics,
    intrinsicsSource: 'provided',
    objects: scene.objects.map((object) => {
      const mask = new Uint8Array(scene.instances.length);
      for (let i = 0; i < mask.length; i++) mask[i] = scene.instances[i] === object.maskValue ? 1 : 0;
      return { id: object.id, label: object.label, mask };
    }),
  };
}
