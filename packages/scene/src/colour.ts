/**
 * Plain colour names from pixels. Each pixel votes for one of eleven names by its hue, saturation and
 * value; the object's colour is the most voted name. Voting (rather than averaging) keeps a red mug
 * with a white logo red, and a shadowed side does not turn a colour into brown.
 */
export const COLOUR_NAMES = ['red', 'orange', 'yellow', 'green', 'blue', 'purple', 'pink', 'brown', 'black', 'white', 'gray'] as const;
export type ColourName = (typeof COLOUR_NAMES)[number];

/** Name of one sRGB colour (0–255 channels). */
export function colourName(r: number, g: number, b: number): ColourName {
  return COLOUR_NAMES[colourIndex(r, g, b)];
}

function colourIndex(r: number, g: number, b: number): number {
  const max = Math.max(r, g, b), min = Math.min(r, g, b);
  const value = max / 255;
  const chroma = (max - min) / 255;
  const saturation = max === 0 ? 0 : (max - min) / max;
  if (value < 0.2 || (value < 0.3 && saturation < 0.4)) return 8; // black
  // Achromatic: white down to 60 % brightness, as a white surface in shade still reads white.
  if (saturation < 0.18 || chroma < 0.08) return value > 0.6 ? 9 : value < 0.3 ? 8 : 10; // white, black, gray
  let hue: number;
  if (max === r) hue = ((g - b) / (max - min)) * 60;
  else if (max === g) hue = ((b - r) / (max - min)) * 60 + 120;
  else hue = ((r - g) / (max - min)) * 60 + 240;
  if (hue < 0) hue += 360;
  if (hue < 15 || hue >= 340) {
    if (saturation < 0.45 && value > 0.7) return 6; // light red reads as pink
    return value < 0.45 ? 7 : 0; // dark red-orange reads as brown
  }
  if (hue < 42) return value < 0.6 ? 7 : 1; // brown or orange
  if (hue < 70) return value < 0.45 ? 7 : 2; // dark yellow (olive, tan) reads as brown
  if (hue < 165) return 3;
  if (hue < 255) return 4;
  if (hue < 290) return 5;
  return value < 0.5 ? 5 : 6; // magenta: dark reads as purple, light as pink
}

/** Pixels that vote, at most: an even spread of this many names the colour as well as all of them. */
const MAX_VOTES = 2000;

/**
 * The most common colour name over the given pixels of an interleaved RGB image (row-major pixel
 * indices), from an even spread of at most 2,000 of them. Returns "gray" for an empty list.
 */
export function dominantColour(rgb: Uint8Array, pixels: ArrayLike<number>): ColourName {
  const votes = new Int32Array(COLOUR_NAMES.length);
  const step = Math.max(1, Math.floor(pixels.length / MAX_VOTES));
  for (let k = 0; k < pixels.length; k += step) {
    const o = 3 * pixels[k];
    votes[colourIndex(rgb[o], rgb[o + 1], rgb[o + 2])]++;
  }
  let best = 10;
  for (let c = 0; c < votes.length; c++) if (votes[c] > votes[best]) best = c;
  return COLOUR_NAMES[best];
}
