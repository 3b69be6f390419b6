/**
 * Named object colours (sRGB, 0-255). The values sit near the middle of each name's region so that,
 * after the renderer's mild shading (brightness 0.78-1.0) and noise, naming the colour from pixels works.
 */
export const PALETTE = {
  red: [205, 35, 35],
  green: [45, 160, 55],
  blue: [35, 75, 205],
  yellow: [235, 210, 40],
  orange: [245, 135, 25],
  purple: [135, 55, 175],
  pink: [245, 140, 185],
  brown: [135, 85, 45],
  black: [32, 32, 32],
  white: [245, 245, 245],
  gray: [130, 130, 130],
} as const satisfies Record<string, readonly [number, number, number]>;

export type ColourName = keyof typeof PALETTE;

export const COLOUR_NAMES = Object.keys(PALETTE) as ColourName[];
