/**
 * How questions refer to objects (DESIGN.md's ambiguity rules): a label seen once is "the chair";
 * two of a label get a qualifier that tells them apart (left/right, nearer/farther, or their colours);
 * three or more, or two that nothing tells apart, are left out of questions.
 */
import type { DroppedObject, SceneObject } from '@spatialforge/core';

export interface NamingOptions {
  /** Least difference (metres) in x, or in distance from the camera, that a qualifier may rest on. */
  minSeparation: number;
}

/** Fills `name` on the objects that can be named and returns the others as dropped (`ambiguous`). */
export function nameObjects(objects: SceneObject[], options: NamingOptions): { named: SceneObject[]; dropped: DroppedObject[] } {
  const byLabel = new Map<string, SceneObject[]>();
  for (const object of objects) {
    const key = object.label.trim().toLowerCase();
    byLabel.set(key, [...(byLabel.get(key) ?? []), object]);
  }
  const dropped: DroppedObject[] = [];
  const ambiguous = new Set<SceneObject>();
  for (const [label, group] of byLabel) {
    if (group.length === 1) {
      group[0].name = `the ${label}`;
      continue;
    }
    if (group.length === 2 && namePair(group[0], group[1], label, options.minSeparation)) continue;
    for (const object of group) {
      ambiguous.add(object);
      dropped.push({
        id: object.id,
        label: object.label,
        reason: 'ambiguous',
        detail: group.length === 2
          ? `two objects labelled "${label}" that neither position nor colour tells apart`
          : `${group.length} objects labelled "${label}": too many to refer to unambiguously`,
      });
    }
  }
  return { named: objects.filter((o) => !ambiguous.has(o)), dropped };
}

/** Names a pair by its clearest difference; false when there is none. */
function namePair(a: SceneObject, b: SceneObject, label: string, minSeparation: number): boolean {
  const lateral = b.centre[0] - a.centre[0];
  const depth = b.distanceFromCamera - a.distanceFromCamera;
  if (Math.abs(lateral) >= minSeparation && Math.abs(lateral) >= Math.abs(depth)) {
    const [left, right] = lateral > 0 ? [a, b] : [b, a];
    left.name = `the left ${label}`;
    right.name = `the right ${label}`;
    return true;
  }
  if (Math.abs(depth) >= minSeparation) {
    const [nearer, farther] = depth > 0 ? [a, b] : [b, a];
    nearer.name = `the nearer ${label}`;
    farther.name = `the farther ${label}`;
    return true;
  }
  if (a.colour !== b.colour) {
    a.name = `the ${a.colour} ${label}`;
    b.name = `the ${b.colour} ${label}`;
    return true;
  }
  return false;
}
