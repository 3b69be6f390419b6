/**
 * Frames in, scene graphs out: load a frame manifest (RGB, metric depth, intrinsics, masks or boxes),
 * lift it to a 3D scene graph in the canonical frame, and draw it.
 */
export { decodeGrey, loadFrame, loadFrameFile } from './load-frame.js';
export type { LoadFrameOptions, ReadRelative } from './load-frame.js';
export { liftFrame, DEFAULT_LIFT_OPTIONS } from './lift.js';
export type { LiftOptions } from './lift.js';
export { renderScenePicture } from './picture.js';
export { colourName, dominantColour, COLOUR_NAMES } from './colour.js';
export type { ColourName } from './colour.js';
export { readNpy, writeNpy } from './npy.js';
export type { NpyArray } from './npy.js';
