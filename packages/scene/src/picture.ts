/**
 * A picture of a lifted scene: the image with each object's 2D box and name, beside a top-down map
 * of the canonical frame (x right, y forward, metres grid) with the camera and each object's
 * oriented footprint. Used by `spatialforge scene`, `inspect` and the dashboard.
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
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width + mapSize}" height="${height}" font-family="DejaVu Sans" font-size="${Math.max(10, Math.round(height / 40))}">
${imageOverlay(scene)}
<g transform="translate(${width},0)">${topDownMap(scene, mapSize)}</g>
</svg>`;
  return sharp({ create: { width: width + mapSize, height, channels: 3, background: '#ffffff' } })
    .composite([
      { input: Buffer.from(frame.rgb.data.buffer, frame.rgb.data.byteOffset, frame.rgb.data.byteLength), raw: { width, height, channels: 3 }, left: 0, top: 0 },
      { input: Buffer.from(svg), left: 0, top: 0 },
    ])
    .png()
    .toBuffer();
}

function imageOverlay(scene: SceneGraph): string {
  return scene.objects
    .map((object, i) => {
      const [x1, y1, x2, y2] = object.box2d;
      const colour = OUTLINE[i % OUTLINE.length];
      const label = escapeXml(object.name.replace(/^the /, ''));
      const textY = y1 > 16 ? y1 - 4 : y2 + 14;
      return `<rect x="${x1}" y="${y1}" width="${x2 - x1}" height="${y2 - y1}" fill="none" stroke="${colour}" stroke-width="2"/>
<text x="${x1 + 2}" y="${textY}" fill="${colour}" stroke="#000" stroke-width="0.6" paint-order="stroke">${label}</text>`;
    })
    .join('\n');
}

function topDownMap(scene: SceneGraph, size: number): string {
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
  scene.objects.forEach((object, i) => {
    const corners = footprint(object).map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ');
    const fill = SWATCH[object.colour] ?? '#9e9e9e';
    parts.push(`<polygon points="${corners}" fill="${fill}" fill-opacity="0.7" stroke="${OUTLINE[i % OUTLINE.length]}" stroke-width="2"/>`);
    parts.push(`<text x="${px(object.obb.centre[0]) + 6}" y="${py(object.obb.centre[1]) - 6}" fill="#111" stroke="#fff" stroke-width="1.5" paint-order="stroke">${escapeXml(object.name.replace(/^the /, ''))}</text>`);
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
