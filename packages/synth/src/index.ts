/**
 * Synthetic RGB-D scenes and episodes with exact ground truth, for tests, benchmarks and the demo.
 * Truth is in the canonical frame of @spatialforge/core (metres, z up, origin on the floor under the
 * camera, x = camera right, y = forward); see camera.ts for the pixel convention.
 */
export { generateScene, MAX_OBJECTS, type SceneOptions, type SyntheticScene, type SceneCamera, type TruthObject } from './scene.js';
export { toFrame } from './frame.js';
export { generateHardScene, HARD_RULES, type HardScene, type HardSceneOptions, type HardDepth } from './hard.js';
export { writeScene, writeEpisode, frameDir, sceneFolderName, sceneManifest, sceneTruth, depthMillimetres, DEPTH_SCALE, SCENE_FILES, type SceneTruth, type EpisodeManifest } from './write.js';
export { cameraPose, defaultIntrinsics, project, pixelRay, toCameraFrame, type CameraPose } from './camera.js';
export type { Room } from './render.js';
export type { LayoutRules } from './layout.js';
export type { ShapeKind } from './shapes.js';
export { PALETTE, COLOUR_NAMES, type ColourName } from './palette.js';
export { generateEpisode, boxGap, type EpisodeOptions, type EpisodeObject, type EpisodeFrameTruth, type SyntheticEpisode } from './episode.js';
