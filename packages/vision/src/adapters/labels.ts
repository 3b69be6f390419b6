/** Mapping detector labels (COCO names, open-vocabulary phrases) to PASCAL VOC classes. */
import { VOC_CLASSES } from '../models/labels.js';

const SYNONYMS: Record<string, string> = {
  airplane: 'aeroplane',
  plane: 'aeroplane',
  aircraft: 'aeroplane',
  bike: 'bicycle',
  ship: 'boat',
  'wine glass': 'bottle',
  'dining table': 'diningtable',
  table: 'diningtable',
  desk: 'diningtable',
  'coffee table': 'diningtable',
  puppy: 'dog',
  kitten: 'cat',
  motorcycle: 'motorbike',
  motorbike: 'motorbike',
  scooter: 'motorbike',
  man: 'person',
  woman: 'person',
  child: 'person',
  people: 'person',
  'potted plant': 'pottedplant',
  plant: 'pottedplant',
  couch: 'sofa',
  armchair: 'sofa',
  tv: 'tvmonitor',
  television: 'tvmonitor',
  monitor: 'tvmonitor',
  screen: 'tvmonitor',
  display: 'tvmonitor',
  laptop: 'tvmonitor',
  lamb: 'sheep',
  calf: 'cow',
  truck: 'car',
  van: 'car',
};

/** The VOC class index for a label, or undefined when VOC has no such class. */
export function vocClassOf(label: string): number | undefined {
  const key = label.trim().toLowerCase().replace(/^(a|an|the)\s+/, '');
  const name = SYNONYMS[key] ?? key.replace(/\s+/g, '');
  const index = (VOC_CLASSES as readonly string[]).indexOf(name);
  if (index > 0) return index;
  // "office chair", "red car": fall back to the last word.
  const last = key.split(/\s+/).pop() as string;
  const lastIndex = (VOC_CLASSES as readonly string[]).indexOf(SYNONYMS[last] ?? last);
  return lastIndex > 0 ? lastIndex : undefined;
}
