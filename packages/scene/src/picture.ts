/**
 * A picture of a lifted scene: the image with each object's 2D box and name, beside a top-down map
 * of the canonical frame (x right, y forward, metres grid) with the camera and each object's
 * oriented footprint. Used by `spatialforge scene`, `inspect` and the dashboard. The lift's flags
 * are drawn: an object cut by the border or largely hidden has a dashed outline and says so ("cut",
 * "hidden"), one extended to the support plane a dotted line down to where it meets it ("+12 cm to
 * support"), one lifted from sparse depth its sample count. Labels never overprint each other.
 */
import sharp from 'sharp';
import type { Frame, SceneGraph, SceneObject } from '@spatialforge/core';

const SWATCH: Record<string, string> = {
  red: '#e53935', orange: '#fb8c00', yellow: '#fdd835', green: '#43a047', blue: '#1e88e5', purple: '#8e24aa',
  pink: '#ec407a', brown: '#8d6e63', black: '#212121', white: '#fafafa', gray: '#9e9e9e',
};
/** Outline colours for boxes, cycled per object so neighbours differ whatever their own colour. */
const OUTLINE = ['#ff1744', '#00e676', '#2979ff', '#ffea00', '#d500f9', '#00e5ff', '#ff9100', '#76ff03'];

export async function renderScenePicture(frame: Frame, scene: SceneGraph): Promise<Buffer> {
  const { width, height } = frame.rgb;
  const mapSize = height;
  const fontSize = Math.max(10, Math.round(height / 40));
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width + mapSize}" height="${height}" font-family="DejaVu Sans" font-size="${fontSize}">
${imageOverlay(scene, fontSize)}
<g transform="translate(${width},0)">${topDownMap(scene, mapSize, fontSize)}</g>
</svg>`;
  return sharp({ create: { width: width + mapSize, height, channels: 3, background: '#ffffff' } })
    .composite([
      { input: Buffer.from(frame.rgb.data.buffer, frame.rgb.data.byteOffset, frame.rgb.data.byteLength), raw: { width, height, channels: 3 }, left: 0, top: 0 },
      { input: Buffer.from(svg), left: 0, top: 0 },
    ])
    .png()
    .toBuffer();
}

/** A label's rectangle on the picture: left, top, right, bottom (pixels). */
export type LabelRect = [number, number, number, number];

/** Width of a label in pixels: DejaVu Sans averages about 0.62 em per character. */
function textWidth(text: string, fontSize: number): number {
  return Math.ceil(text.length * fontSize * 0.62) + 4;
}

/**
 * Places labels one by one so none overprints another: each takes the first of its `anchors` (text
 * baseline-left positions, in order of preference) where its rectangle stays inside `bounds` and
 * clear of those placed, then positions stepping down and up from its first anchor by a line; the
 * first anchor if the picture is full. Returns each label's baseline-left position and rectangle.
 */
export function placeLabels(
  labels: { text: string; anchors: [number, number][] }[],
  fontSize: number,
  bounds: [number, number],
): { x: number; y: number; rect: LabelRect }[] {
  const placed: LabelRect[] = [];
  const line = Math.ceil(fontSize * 1.25);
  return labels.map(({ text, anchors }) => {
    const w = textWidth(text, fontSize);
    const rectAt = ([x, y]: [number, number]): LabelRect => [x, y - fontSize, x + w, y + Math.ceil(fontSize * 0.25)];
    const fits = (r: LabelRect) => r[0] >= 0 && r[1] >= 0 && r[2] <= bounds[0] && r[3] <= bounds[1] && !placed.some((q) => r[0] < q[2] && q[0] < r[2] && r[1] < q[3] && q[1] < r[3]);
    const [x0, y0] = anchors[0];
    const shifted: [number, number][] = [];
    for (let k = 1; k * line < bounds[1]; k++) shifted.push([x0, y0 + k * line], [x0, y0 - k * line]);
    const inside = ([x, y]: [number, number]): [number, number] => [Math.min(Math.max(0, x), Math.max(0, bounds[0] - w)), y];
    const chosen = [...anchors, ...shifted].map(inside).find((anchor) => fits(rectAt(anchor))) ?? inside(anchors[0]);
    const rect = rectAt(chosen);
    placed.push(rect);
    return { x: chosen[0], y: chosen[1], rect };
  });
}

/** The label an object carries: its name and the adjustments the lift made to it. */
export function objectLabel(object: SceneObject): string {
  const notes = [
    object.truncated ? 'cut' : '',
    object.occluded ? 'hidden' : '',
    object.extendedToSupport !== undefined ? `+${Math.round(object.extendedToSupport * 100)} cm to support` : '',
    object.sparseDepth ? `${object.sparseDepth.samples} depth samples` : '',
  ].filter(Boolean);
  return [object.name.replace(/^the /, ''), ...notes].join(' · ');
}

/** Where each object's label goes on the image: above its box, else inside its top, else below it. */
export function imageLabels(scene: SceneGraph, fontSize: number): { x: number; y: number; rect: LabelRect }[] {
  return placeLabels(
    scene.objects.map((object) => {
      const [x1, y1, , y2] = object.box2d;
      return { text: objectLabel(object), anchors: [[x1 + 2, y1 - 4], [x1 + 2, y1 + fontSize + 2], [x1 + 2, y2 + fontSize + 2]] };
    }),
    fontSize,
    [scene.width, scene.height],
  );
}

function imageOverlay(scene: SceneGraph, fontSize: number): string {
  const labels = imageLabels(scene, fontSize);
  return scene.objects
    .map((object, i) => {
      const [x1, y1, x2, y2] = object.box2d;
      const colour = OUTLINE[i % OUTLINE.length];
      // Cut by the border or largely hidden: a dashed outline, as the box is not the whole object.
      const dash = object.truncated || object.occluded ? ' stroke-dasharray="6 4"' : '';
      const parts = [`<rect x="${x1}" y="${y1}" width="${x2 - x1}" height="${y2 - y1}" fill="none" stroke="${colour}" stroke-width="2"${dash}/>`];
      const foot = object.extendedToSupport !== undefined ? supportFoot(scene, object) : undefined;
      if (foot) {
        // The amodal extension: a dotted line from the box's bottom edge to where the object meets the support.
        parts.push(`<line x1="${(x1 + x2) / 2}" y1="${y2}" x2="${foot[0].toFixed(1)}" y2="${foot[1].toFixed(1)}" stroke="${colour}" stroke-width="2" stroke-dasharray="2 3"/>`);
        parts.push(`<circle cx="${foot[0].toFixed(1)}" cy="${foot[1].toFixed(1)}" r="3" fill="${colour}"/>`);
      }
      const { x, y } = labels[i];
      parts.push(`<text x="${x}" y="${y}" fill="${colour}" stroke="#000" stroke-width="0.6" paint-order="stroke">${escapeXml(objectLabel(object))}</text>`);
      return parts.join('\n');
    })
    .join('\n');
}

/** The image point (pixels) of the object's bottom centre on the support plane, or undefined behind the camera. */
function supportFoot(scene: SceneGraph, object: SceneObject): [number, number] | undefined {
  const r = scene.camera.rotation;
  const t = scene.camera.position;
  const p = [object.centre[0] - t[0], object.centre[1] - t[1], object.min[2] - t[2]];
  // Canonical → camera frame: the transpose of the camera-to-canonical rotation.
  const x = r[0] * p[0] + r[3] * p[1] + r[6] * p[2];
  const y = r[1] * p[0] + r[4] * p[1] + r[7] * p[2];
  const z = r[2] * p[0] + r[5] * p[1] + r[8] * p[2];
  if (z <= 0) return undefined;
  const { fx, fy, cx, cy } = scene.camera.intrinsics;
  return [(fx * x) / z + cx, (fy * y) / z + cy];
}

function topDownMap(scene: SceneGraph, size: number, fontSize: number): string {
  // Extent: the camera and every footprint corner, with a margin; square, so metres stay square.
  const xs = [0], ys = [0];
  for (const object of scene.objects) for (const [x, y] of footprint(object)) { xs.push(x); ys.push(y); }
  const margin = 0.5;
  const minX = Math.min(...xs) - margin, maxX = Math.max(...xs) + margin;
  const minY = Math.min(...ys) - margin, maxY = Math.max(...ys) + margin;
  const span = Math.max(maxX - minX, maxY - minY, 2);
  const midX = (minX + maxX) / 2, midY = (minY + maxY) / 2;
  const pad = 24;
  const scale = (size - 2 * pad) / span;
  // Canonical x to the right, y (forward) up the page.
  const px = (x: number) => pad + (x - (midX - span / 2)) * scale;
  const py = (y: number) => size - pad - (y - (midY - span / 2)) * scale;
  const parts: string[] = [`<rect width="${size}" height="${size}" fill="#f7f7f7"/>`];
  const step = span > 12 ? 2 : span > 6 ? 1 : 0.5;
  for (let g = Math.ceil((midX - span / 2) / step) * step; g <= midX + span / 2; g += step) {
    parts.push(`<line x1="${px(g)}" y1="${pad}" x2="${px(g)}" y2="${size - pad}" stroke="${Math.abs(g) < 1e-9 ? '#bbb' : '#e0e0e0'}"/>`);
    parts.push(`<text x="${px(g) + 2}" y="${size - 8}" fill="#888" font-size="10">${+g.toFixed(1)} m</text>`);
  }
  for (let g = Math.ceil((midY - span / 2) / step) * step; g <= midY + span / 2; g += step) {
    parts.push(`<line x1="${pad}" y1="${py(g)}" x2="${size - pad}" y2="${py(g)}" stroke="${Math.abs(g) < 1e-9 ? '#bbb' : '#e0e0e0'}"/>`);
    parts.push(`<text x="2" y="${py(g) - 2}" fill="#888" font-size="10">${+g.toFixed(1)}</text>`);
  }
  // The camera: a wedge of its horizontal field of view (fx and the image width) at the origin.
  const halfFov = Math.atan(scene.width / 2 / scene.camera.intrinsics.fx);
  const reach = Math.min(1, span / 4);
  const cx = px(0), cy = py(0);
  parts.push(`<path d="M ${cx} ${cy} L ${px(-Math.tan(halfFov) * reach)} ${py(reach)} L ${px(Math.tan(halfFov) * reach)} ${py(reach)} Z" fill="#90caf9" fill-opacity="0.5" stroke="#1565c0"/>`);
  parts.push(`<circle cx="${cx}" cy="${cy}" r="4" fill="#1565c0"/>`);
  const labels = placeLabels(
    scene.objects.map((object) => {
      const [x, y] = [px(object.obb.centre[0]), py(object.obb.centre[1])];
      return { text: object.name.replace(/^the /, ''), anchors: [[x + 6, y - 6], [x + 6, y + fontSize + 6], [x - 6 - textWidth(object.name, fontSize), y - 6]] };
    }),
    fontSize,
    [size, size],
  );
  scene.objects.forEach((object, i) => {
    const corners = footprint(object).map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ');
    const fill = SWATCH[object.colour] ?? '#9e9e9e';
    const dash = object.truncated || object.occluded ? ' stroke-dasharray="6 4"' : '';
    parts.push(`<polygon points="${corners}" fill="${fill}" fill-opacity="0.7" stroke="${OUTLINE[i % OUTLINE.length]}" stroke-width="2"${dash}/>`);
    parts.push(`<text x="${labels[i].x}" y="${labels[i].y}" fill="#111" stroke="#fff" stroke-width="1.5" paint-order="stroke">${escapeXml(object.name.replace(/^the /, ''))}</text>`);
  });
  const note = scene.canonical
    ? `top view · camera ${scene.camera.height!.toFixed(2)} m above the ${scene.plane ? 'support plane' : 'floor'}`
    : 'top view · no support plane found (camera axes)';
  parts.push(`<text x="${pad}" y="16" fill="#444" font-size="12">${note}</text>`);
  return parts.join('\n');
}

/** The four corners (canonical x, y; metres) of an object's oriented footprint. */
function footprint(object: SceneObject): [number, number][] {
  const { centre, size, yaw } = object.obb;
  const c = Math.cos(yaw), s = Math.sin(yaw);
  const hl = size[0] / 2, hw = size[1] / 2;
  return [[hl, hw], [-hl, hw], [-hl, -hw], [hl, -hw]].map(([u, v]) => [centre[0] + u * c - v * s, centre[1] + u * s + v * c]);
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}
