/**
 * Pictures of one processed image for the REST `samples` routes and the dashboard: the image with
 * its objects' boxes and masks, the depth map in false colour, and a top-down view of the objects'
 * oriented boxes in the canonical frame. All are SVG rendered to PNG with sharp.
 */
import sharp, { type OverlayOptions } from 'sharp';
import type { DepthMap, SceneGraph } from '@spatialforge/core';

/** Object colours, picked by the object's index in the scene graph so every picture agrees. */
const OBJECT_COLOURS = ['#4cc9f0', '#f72585', '#b5e48c', '#ffb703', '#9d4edd', '#fb8500', '#06d6a0', '#ef476f', '#8ecae6', '#e9c46a'];

export function objectColour(index: number): string {
  return OBJECT_COLOURS[index % OBJECT_COLOURS.length];
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

function hexToRgb(hex: string): [number, number, number] {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Places labels greedily: each takes the first candidate spot that overlaps no earlier label and stays inside the picture. */
class LabelPlacer {
  private readonly placed: Rect[] = [];
  constructor(private readonly bounds: Rect) {}

  place(candidates: Rect[]): Rect {
    const { x, y, w, h } = this.bounds;
    const fits = (r: Rect) =>
      r.x >= x && r.y >= y && r.x + r.w <= x + w && r.y + r.h <= y + h &&
      this.placed.every((p) => r.x >= p.x + p.w || p.x >= r.x + r.w || r.y >= p.y + p.h || p.y >= r.y + r.h);
    const chosen = candidates.find(fits) ?? candidates[0];
    this.placed.push(chosen);
    return chosen;
  }
}

export async function svgToPng(svg: string): Promise<Buffer> {
  return sharp(Buffer.from(svg)).png().toBuffer();
}

/** One instance mask: 1 = object, row-major, the image's size. */
export interface ObjectMask {
  objectId: string;
  data: Uint8Array;
}

/**
 * The image with each scene object's 2D box (pixels) and label, and its mask tinted in the object's
 * colour when masks are given.
 */
export async function overlayPicture(image: Uint8Array, scene: SceneGraph, masks: ObjectMask[] = []): Promise<Buffer> {
  const base = sharp(image).rotate();
  const { width = scene.width, height = scene.height } = await base.metadata();
  const layers: OverlayOptions[] = [];
  const colourById = new Map(scene.objects.map((o, i) => [o.id, objectColour(i)]));
  for (const mask of masks) {
    const colour = colourById.get(mask.objectId);
    if (!colour || mask.data.length !== width * height) continue;
    const [r, g, b] = hexToRgb(colour);
    const rgba = Buffer.alloc(width * height * 4);
    for (let i = 0; i < mask.data.length; i++) {
      if (!mask.data[i]) continue;
      rgba[i * 4] = r;
      rgba[i * 4 + 1] = g;
      rgba[i * 4 + 2] = b;
      rgba[i * 4 + 3] = 110;
    }
    layers.push({ input: rgba, raw: { width, height, channels: 4 } });
  }
  layers.push({ input: Buffer.from(boxesSvg(scene, width, height)) });
  return base.composite(layers).png().toBuffer();
}

/** SVG (the image's size, pixels) with a box and a label chip per object. */
export function boxesSvg(scene: SceneGraph, width: number, height: number): string {
  const sx = width / scene.width;
  const sy = height / scene.height;
  const font = Math.max(9, Math.round(Math.min(width, height) / 36));
  const stroke = Math.max(2, Math.round(font / 6));
  const chipHeight = font * 1.5;
  const labels = new LabelPlacer({ x: 0, y: 0, w: width, h: height });
  const parts = scene.objects.map((object, i) => {
    const colour = objectColour(i);
    const [x1, y1, x2, y2] = object.box2d;
    const x = x1 * sx;
    const y = y1 * sy;
    const w = (x2 - x1) * sx;
    const h = (y2 - y1) * sy;
    const label = escapeXml(`${object.name.replace(/^the /, '')} · ${object.distanceFromCamera.toFixed(1)} m`);
    const chipWidth = label.length * font * 0.58 + font * 0.8;
    const at = (cx: number, cy: number): Rect => ({ x: Math.min(Math.max(0, cx), Math.max(0, width - chipWidth)), y: cy, w: chipWidth, h: chipHeight });
    // Above the box, inside its top, below it, then stacked higher.
    const chip = labels.place([at(x, y - chipHeight), at(x, y), at(x, y + h), at(x, y - 2 * chipHeight), at(x, y + h + chipHeight)]);
    return `<g>
  <rect x="${x}" y="${y}" width="${w}" height="${h}" fill="none" stroke="${colour}" stroke-width="${stroke}" rx="${stroke}"/>
  <rect x="${chip.x}" y="${chip.y}" width="${chip.w}" height="${chip.h}" fill="${colour}" rx="${stroke}"/>
  <text x="${chip.x + font * 0.4}" y="${chip.y + font * 1.1}" font-family="DejaVu Sans" font-size="${font}" font-weight="bold" fill="#0b1220">${label}</text>
</g>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${parts.join('')}</svg>`;
}

/** Turbo colour map (Mikhailov 2019, polynomial fit), t in [0, 1] → sRGB 0-255. */
export function turbo(t: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, t));
  const r = 0.13572138 + x * (4.6153926 + x * (-42.66032258 + x * (132.13108234 + x * (-152.94239396 + x * 59.28637943))));
  const g = 0.09140261 + x * (2.19418839 + x * (4.84296658 + x * (-14.18503333 + x * (4.27729857 + x * 2.82956604))));
  const b = 0.1066733 + x * (12.64194608 + x * (-60.58204836 + x * (110.36276771 + x * (-89.90310912 + x * 27.34824973))));
  const byte = (v: number) => Math.round(Math.min(1, Math.max(0, v)) * 255);
  return [byte(r), byte(g), byte(b)];
}

/** Near and far ends of the colour scale: the 2nd and 98th percentiles of the valid depths, metres. */
export function depthRange(depth: DepthMap): { near: number; far: number } | undefined {
  const valid = depth.data.filter((d) => d > 0 && Number.isFinite(d)).sort();
  if (valid.length === 0) return undefined;
  const near = valid[Math.floor(valid.length * 0.02)];
  const far = valid[Math.min(valid.length - 1, Math.floor(valid.length * 0.98))];
  return { near, far: far > near ? far : near + 0.01 };
}

const LEGEND_WIDTH = 72;

/**
 * The depth map (metres along the optical axis) in false colour, near warm and far cool, with a
 * scale bar in metres on the right. Pixels without a measurement are dark grey.
 */
export async function depthPicture(depth: DepthMap): Promise<Buffer> {
  const { width, height, data } = depth;
  const range = depthRange(depth) ?? { near: 0, far: 1 };
  const rgb = Buffer.alloc(width * height * 3);
  for (let i = 0; i < data.length; i++) {
    const d = data[i];
    const [r, g, b] = d > 0 && Number.isFinite(d) ? turbo(1 - (d - range.near) / (range.far - range.near)) : [28, 32, 40];
    rgb[i * 3] = r;
    rgb[i * 3 + 1] = g;
    rgb[i * 3 + 2] = b;
  }
  const barTop = 14;
  const barHeight = Math.max(20, height - 28);
  const steps = 32;
  const stops = Array.from({ length: steps + 1 }, (_, i) => {
    const [r, g, b] = turbo(1 - i / steps);
    return `<stop offset="${(i / steps).toFixed(3)}" stop-color="rgb(${r},${g},${b})"/>`;
  }).join('');
  const font = 11;
  const legend = `<svg xmlns="http://www.w3.org/2000/svg" width="${LEGEND_WIDTH}" height="${height}">
  <rect width="${LEGEND_WIDTH}" height="${height}" fill="#0b1220"/>
  <defs><linearGradient id="g" x1="0" y1="0" x2="0" y2="1">${stops}</linearGradient></defs>
  <rect x="10" y="${barTop}" width="14" height="${barHeight}" fill="url(#g)" rx="3"/>
  <text x="30" y="${barTop + font}" font-family="DejaVu Sans" font-size="${font}" fill="#e2e8f0">${range.near.toFixed(1)} m</text>
  <text x="30" y="${barTop + barHeight}" font-family="DejaVu Sans" font-size="${font}" fill="#e2e8f0">${range.far.toFixed(1)} m</text>
</svg>`;
  return sharp(rgb, { raw: { width, height, channels: 3 } })
    .extend({ right: LEGEND_WIDTH, background: '#0b1220' })
    .composite([{ input: Buffer.from(legend), left: width, top: 0 }])
    .png()
    .toBuffer();
}

/** Corners of an object's oriented-box footprint on the ground plane, canonical x/y metres. */
export function footprint(obb: SceneGraph['objects'][number]['obb']): [number, number][] {
  const [cx, cy] = obb.centre;
  const [length, width] = obb.size;
  const ux = Math.cos(obb.yaw);
  const uy = Math.sin(obb.yaw);
  const half = [
    [length / 2, width / 2],
    [-length / 2, width / 2],
    [-length / 2, -width / 2],
    [length / 2, -width / 2],
  ];
  return half.map(([a, b]) => [cx + a * ux - b * uy, cy + a * uy + b * ux]);
}

/**
 * Top-down view of the scene in the canonical frame (metres): x to the right, y (forward, away from
 * the camera) up the picture. Each object is its oriented box's footprint; the camera and its
 * horizontal field of view are drawn at their position.
 */
export function topDownSvg(scene: SceneGraph, size = 560): string {
  const camera: [number, number] = [scene.camera.position[0], scene.camera.position[1]];
  const points = [camera, ...scene.objects.flatMap((o) => footprint(o.obb))];
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  const margin = 0.4;
  let minX = Math.min(...xs) - margin;
  let maxX = Math.max(...xs) + margin;
  let minY = Math.min(...ys) - margin;
  let maxY = Math.max(...ys) + margin;
  // Equal scale on both axes: grow the shorter side around its centre.
  const span = Math.max(maxX - minX, maxY - minY, 1);
  const midX = (minX + maxX) / 2;
  const midY = (minY + maxY) / 2;
  minX = midX - span / 2;
  maxX = midX + span / 2;
  minY = midY - span / 2;
  maxY = midY + span / 2;
  const pad = 34;
  const scale = (size - 2 * pad) / span; // pixels per metre
  const px = (x: number) => pad + (x - minX) * scale;
  const py = (y: number) => size - pad - (y - minY) * scale;

  const grid: string[] = [];
  const step = span > 12 ? 2 : span > 5 ? 1 : 0.5;
  for (let x = Math.ceil(minX / step) * step; x <= maxX; x += step) {
    const major = Math.abs(x - Math.round(x)) < 1e-6;
    grid.push(`<line x1="${px(x)}" y1="${pad}" x2="${px(x)}" y2="${size - pad}" stroke="${major ? '#233247' : '#18243a'}"/>`);
    if (major) grid.push(`<text x="${px(x)}" y="${size - 10}" text-anchor="middle" class="axis">${Math.round(x)}</text>`);
  }
  for (let y = Math.ceil(minY / step) * step; y <= maxY; y += step) {
    const major = Math.abs(y - Math.round(y)) < 1e-6;
    grid.push(`<line x1="${pad}" y1="${py(y)}" x2="${size - pad}" y2="${py(y)}" stroke="${major ? '#233247' : '#18243a'}"/>`);
    if (major) grid.push(`<text x="12" y="${py(y) + 4}" text-anchor="middle" class="axis">${Math.round(y)}</text>`);
  }

  // Horizontal field of view from the intrinsics: half-angle atan(cx / fx).
  const halfFov = Math.atan2(scene.camera.intrinsics.cx, scene.camera.intrinsics.fx);
  const reach = span * 1.5;
  const wedge = [
    [camera[0], camera[1]],
    [camera[0] - Math.sin(halfFov) * reach, camera[1] + Math.cos(halfFov) * reach],
    [camera[0] + Math.sin(halfFov) * reach, camera[1] + Math.cos(halfFov) * reach],
  ];

  const labelFont = 15;
  const labels = new LabelPlacer({ x: pad, y: pad, w: size - 2 * pad, h: size - 2 * pad });
  const objects = scene.objects.map((object, i) => {
    const colour = objectColour(i);
    const corners = footprint(object.obb).map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ');
    const [cx, cy] = [px(object.obb.centre[0]), py(object.obb.centre[1])];
    const text = `${object.name.replace(/^the /, '')} · ${object.size[2].toFixed(2)} m tall`;
    const w = text.length * labelFont * 0.62;
    const h = labelFont * 1.2;
    // Right of the centre above and below, then left, then further out.
    const spot = labels.place([
      { x: cx + 7, y: cy - 7 - h, w, h },
      { x: cx + 7, y: cy + 7, w, h },
      { x: cx - 7 - w, y: cy - 7 - h, w, h },
      { x: cx - 7 - w, y: cy + 7, w, h },
      { x: cx + 7, y: cy - 7 - 2 * h, w, h },
      { x: cx + 7, y: cy + 7 + h, w, h },
    ]);
    return `<g>
  <polygon points="${corners}" fill="${colour}" fill-opacity="0.28" stroke="${colour}" stroke-width="2"/>
  <circle cx="${cx}" cy="${cy}" r="3" fill="${colour}"/>
  <text x="${spot.x}" y="${spot.y + labelFont}" class="label" fill="${colour}">${escapeXml(text)}</text>
</g>`;
  });

  const barMetres = step >= 1 ? step : 1;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 ${size} ${size}">
<style>
  .axis { font: 12px 'DejaVu Sans'; fill: #64748b; }
  .label { font: bold ${labelFont}px 'DejaVu Sans'; paint-order: stroke; stroke: #0b1220; stroke-width: 3px; }
  .note { font: 13px 'DejaVu Sans'; fill: #94a3b8; }
</style>
<defs><clipPath id="plot"><rect x="${pad}" y="${pad}" width="${size - 2 * pad}" height="${size - 2 * pad}"/></clipPath></defs>
<rect width="${size}" height="${size}" fill="#0b1220"/>
${grid.join('\n')}
<polygon clip-path="url(#plot)" points="${wedge.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ')}" fill="#e2e8f0" fill-opacity="0.05" stroke="#e2e8f0" stroke-opacity="0.25" stroke-dasharray="4 4"/>
<g clip-path="url(#plot)">${objects.join('\n')}</g>
<path d="M ${px(camera[0]) - 7} ${py(camera[1]) + 6} L ${px(camera[0])} ${py(camera[1]) - 8} L ${px(camera[0]) + 7} ${py(camera[1]) + 6} Z" fill="#e2e8f0"/>
<text x="${px(camera[0]) + 10}" y="${py(camera[1]) + 4}" class="note">camera</text>
<line x1="${size - pad - barMetres * scale}" y1="${pad - 10}" x2="${size - pad}" y2="${pad - 10}" stroke="#e2e8f0" stroke-width="2"/>
<text x="${size - pad - (barMetres * scale) / 2}" y="${pad - 14}" text-anchor="middle" class="note">${barMetres} m</text>
<text x="${pad}" y="${pad - 10}" class="note">top view · x right, y forward · metres${scene.canonical ? '' : ' · no floor found (camera axes)'}</text>
</svg>`;
}
