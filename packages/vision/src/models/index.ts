/** The model registry: every model spatialforge knows, by name. */
import { ConfigError } from '@spatialforge/core';
import type { ModelManifest, ModelTask } from '../manifest.js';
import { clipVitB32 } from './clip.js';
import { deeplabV3MobilenetVoc } from './deeplab.js';
import { depthAnythingV2MetricIndoorSmall, depthAnythingV2MetricOutdoorSmall, depthPro, metric3dVitSmall } from './depth.js';
import { groundingDinoTiny } from './grounding-dino.js';
import { owlv2Base, owlvitBase } from './owl.js';
import { slimsam77 } from './sam.js';
import { yoloxNano } from './yolox.js';

export const MODELS: readonly ModelManifest[] = [
  yoloxNano,
  owlv2Base,
  owlvitBase,
  groundingDinoTiny,
  deeplabV3MobilenetVoc,
  slimsam77,
  depthAnythingV2MetricIndoorSmall,
  depthAnythingV2MetricOutdoorSmall,
  depthPro,
  metric3dVitSmall,
  clipVitB32,
];

export function listManifests(task?: ModelTask): ModelManifest[] {
  return MODELS.filter((m) => task === undefined || m.task === task);
}

export function getManifest(name: string): ModelManifest {
  const manifest = MODELS.find((m) => m.name === name);
  if (!manifest) {
    throw new ConfigError(`unknown model "${name}": known models are ${MODELS.map((m) => m.name).join(', ')}`);
  }
  return manifest;
}

export { COCO_CLASSES, VOC_CLASSES } from './labels.js';
export {
  clipVitB32,
  deeplabV3MobilenetVoc,
  depthAnythingV2MetricIndoorSmall,
  depthAnythingV2MetricOutdoorSmall,
  depthPro,
  groundingDinoTiny,
  metric3dVitSmall,
  owlv2Base,
  owlvitBase,
  slimsam77,
  yoloxNano,
};
