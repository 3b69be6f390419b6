/**
 * The scene graph's default names (DESIGN.md's ambiguity rules): a label seen once is "the chair"; two
 * of a label get a qualifier that tells them apart (left/right, nearer/farther, or their colours); three
 * or more are named by their order from the left ("the leftmost cup", "the second cup from the left")
 * when each is at least `minSeparation` from the next across the view. Every object stays in the scene
 * graph, which is the record of what was seen: one that nothing tells apart keeps the plain
 * "the <label>", and the QA catalog (which chooses a name per question, see @spatialforge/qa) leaves it
 * out of questions.
 */
import type { SceneObject } from '@spatialforge/core';

export interface NamingOptions {
  /** Least difference (metres) in x, or in distance from the camera, that a qualifier may rest on. */
  minSeparation: number;
}

const ORDINALS = ['first', 'second', 'third', 'fourth', 'fifth', 'sixth', 'seventh', 'eighth'];

/** Fills `name` on every object (in place) and returns them. */
export function nameObjects(objects: SceneObject[], options: NamingOptions): SceneObject[] {
  const byLabel = new Map<string, SceneObject[]>();
  for (const object of objects) {
    const key = object.label.trim().toLowerCase();
    byLabel.set(key, [...(byLabel.get(key) ?? []), object]);
  }
  for (const [label, group] of byLabel) {
    for (const object of group) object.name = `the ${label}`;
    if (group.length === 2) namePair(group[0], group[1], label, options.minSeparation);
    else if (group.length > 2) nameInOrder(group, label, options.minSeparation);
  }
  return objects;
}

/** Names a pair by its clearest difference; leaves both plain when there is none. */
function namePair(a: SceneObject, b: SceneObject, label: string, minSeparation: number): void {
  const lateral = b.centre[0] - a.centre[0];
  const depth = b.distanceFromCamera - a.distanceFromCamera;
  if (Math.abs(lateral) >= minSeparation && Math.abs(lateral) >= Math.abs(depth)) {
    const [left, right] = lateral > 0 ? [a, b] : [b, a];
    left.name = `the left ${label}`;
    right.name = `the right ${label}`;
  } else if (Math.abs(depth) >= minSeparation) {
    const [nearer, farther] = depth > 0 ? [a, b] : [b, a];
    nearer.name = `the nearer ${label}`;
    farther.name = `the farther ${label}`;
  } else if (a.colour !== b.colour) {
    a.name = `the ${a.colour} ${label}`;
    b.name = `the ${b.colour} ${label}`;
  }
}

/** Three or more: ordinals from the left when every neighbour is at least `minSeparation` apart across the view. */
function nameInOrder(group: SceneObject[], label: string, minSeparation: number): void {
  const order = [...group].sort((a, b) => a.centre[0] - b.centre[0]);
  if (order.some((object, i) => i > 0 && object.centre[0] - order[i - 1].centre[0] < minSeparation)) return;
  order.forEach((object, i) => {
    object.name = i === 0 ? `the leftmost ${label}` : i === order.length - 1 ? `the rightmost ${label}` : `the ${ORDINALS[i]} ${label} from the left`;
  });
}
