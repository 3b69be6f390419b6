/**
 * What things are for, by label, so fits questions are only asked where a person would ask them:
 * "would A fit on B" only when B has a top that bears things, "inside B" only when B holds things,
 * "under B" only when B stands on legs with room beneath its top, and A only when it is something a
 * person moves and places. Covers the synthetic catalog, COCO-80 and the common SUN RGB-D / ScanNet
 * indoor labels; a label not in the table is never asked about in a fits question.
 */

export interface Affordance {
  /** Its top bears things put on it (a table, a cabinet, a box). */
  supports: boolean;
  /** Things can be put inside it (a box, a bowl, a suitcase). */
  holds: boolean;
  /** It stands on legs with free room under its top (a table, a desk, a bench). */
  roomUnder: boolean;
  /** A person moves it and puts it somewhere (a mug, a chair, a box); fixed or heavy furniture is not. */
  movable: boolean;
}

const NONE: Affordance = { supports: false, holds: false, roomUnder: false, movable: false };

type Flag = 'S' | 'H' | 'U' | 'M';

/** Flags per label: S supports on top, H holds inside, U room underneath, M movable. */
const TABLE: Record<string, readonly Flag[]> = {
  // Legged tables and seats: a top on legs.
  table: ['S', 'U'], 'dining table': ['S', 'U'], desk: ['S', 'U'], 'coffee table': ['S', 'U'], 'end table': ['S', 'U'],
  'side table': ['S', 'U'], 'night stand': ['S'], nightstand: ['S'], bench: ['S', 'U'], stool: ['S', 'U', 'M'],
  // Solid furniture with a top.
  counter: ['S'], cabinet: ['S', 'H'], 'kitchen cabinet': ['S', 'H'], dresser: ['S', 'H'], 'chest of drawers': ['S', 'H'],
  bookshelf: ['S'], bookcase: ['S'], shelf: ['S'], shelves: ['S'], 'tv stand': ['S', 'H'], 'file cabinet': ['S', 'H'],
  bed: ['S'], ottoman: ['S', 'M'], wardrobe: ['H'], closet: ['H'], refrigerator: ['H'], fridge: ['H'], oven: ['H'],
  microwave: ['S', 'H'], dishwasher: ['H'], 'washing machine': ['S', 'H'], sink: ['H'], bathtub: ['H'], toilet: [],
  sofa: [], couch: [], chair: ['M'], 'office chair': ['M'], armchair: ['M'], piano: ['S'],
  // Containers a person carries.
  box: ['S', 'H', 'M'], crate: ['S', 'H', 'M'], carton: ['S', 'H', 'M'], bin: ['H', 'M'], 'trash can': ['H', 'M'],
  'garbage bin': ['H', 'M'], 'recycling bin': ['H', 'M'], basket: ['H', 'M'], 'laundry basket': ['H', 'M'],
  bucket: ['H', 'M'], suitcase: ['S', 'H', 'M'], backpack: ['H', 'M'], bag: ['H', 'M'], handbag: ['H', 'M'],
  bowl: ['H', 'M'], mug: ['H', 'M'], cup: ['H', 'M'], 'wine glass': ['H', 'M'], pot: ['H', 'M'], vase: ['H', 'M'],
  // Small things that are put somewhere.
  book: ['S', 'M'], books: ['S', 'M'], laptop: ['M'], monitor: ['M'], tv: ['M'], television: ['M'], keyboard: ['M'],
  mouse: ['M'], remote: ['M'], 'cell phone': ['M'], bottle: ['M'], lamp: ['M'], 'desk lamp': ['M'], plant: ['M'],
  'potted plant': ['M'], clock: ['M'], pillow: ['M'], towel: ['M'], 'teddy bear': ['M'], toaster: ['M'],
  printer: ['S', 'M'], speaker: ['M'], fan: ['M'], 'hair drier': ['M'], scissors: ['M'], toothbrush: ['M'],
  fork: ['M'], knife: ['M'], spoon: ['M'], banana: ['M'], apple: ['M'], orange: ['M'], sandwich: ['M'],
  broccoli: ['M'], carrot: ['M'], 'hot dog': ['M'], pizza: ['M'], donut: ['M'], cake: ['M'], umbrella: ['M'],
  tie: ['M'], frisbee: ['M'], 'sports ball': ['M'], kite: ['M'], 'baseball bat': ['M'], 'baseball glove': ['M'],
  skateboard: ['M'], surfboard: ['M'], 'tennis racket': ['M'], skis: ['M'], snowboard: ['M'], paper: ['M'],
  // Known, but never part of a fits question: people, animals, vehicles, street furniture, fixtures.
  person: [], bicycle: [], car: [], motorcycle: [], airplane: [], bus: [], train: [], truck: [], boat: [],
  'traffic light': [], 'fire hydrant': [], 'stop sign': [], 'parking meter': [], bird: [], cat: [], dog: [],
  horse: [], sheep: [], cow: [], elephant: [], bear: [], zebra: [], giraffe: [], door: [], window: [],
  picture: [], curtain: [], mirror: [], whiteboard: [], 'shower curtain': [], radiator: [], gripper: [],
};

const BY_LABEL = new Map<string, Affordance>(
  Object.entries(TABLE).map(([label, flags]) => [label, {
    supports: flags.includes('S'), holds: flags.includes('H'), roomUnder: flags.includes('U'), movable: flags.includes('M'),
  }]),
);

/** The affordances of a label (case and spacing ignored, `_` read as a space); none for an unknown label. */
export function affordanceOf(label: string): Affordance {
  return BY_LABEL.get(label.trim().toLowerCase().replace(/[_\s]+/g, ' ')) ?? NONE;
}

/** The labels the table knows, for documentation and tests. */
export const AFFORDANCE_LABELS: readonly string[] = [...BY_LABEL.keys()];
