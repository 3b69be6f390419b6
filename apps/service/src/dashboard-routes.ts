/**
 * The dashboard: static HTML, CSS and vanilla JS modules from ../dashboard, read once at start and
 * served from memory. It calls the same /v1 API as any client, with the token the user pastes in.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';

const DASHBOARD_DIR = new URL('../dashboard/', import.meta.url);

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

// Everything is served from here: no CDN, no inline script; pictures arrive as blob: URLs.
const CSP = "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'";

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

function loadAssets(): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const name of readdirSync(DASHBOARD_DIR)) {
    const extension = name.slice(name.lastIndexOf('.'));
    const type = TYPES[extension];
    if (!type) continue;
    const body = readFileSync(new URL(name, DASHBOARD_DIR));
    assets.set(name, { body, type, etag: `"${createHash('sha1').update(body).digest('hex').slice(0, 16)}"` });
  }
  return assets;
}

export const dashboardRoutes: FastifyPluginAsync = async (app) => {
  const assets = loadAssets();

  app.get('/', { schema: { hide: true } }, async (request, reply) => {
    const asset = assets.get('index.html');
    if (!asset) return reply.status(404).send('dashboard not found');
    return reply.type(asset.type).header('content-security-policy', CSP).header('cache-control', 'no-cache').send(asset.body);
  });

  app.get<{ Params: { file: string } }>('/dashboard/:file', { schema: { hide: true } }, async (request, reply) => {
    const asset = assets.get(request.params.file);
    if (!asset || request.params.file === 'index.html') return reply.status(404).send({ statusCode: 404, error: 'Not Found', code: 'not-found', message: 'no such file' });
    if (request.headers['if-none-match'] === asset.etag) return reply.status(304).send();
    return reply.type(asset.type).header('etag', asset.etag).header('cache-control', 'no-cache').send(asset.body);
  });
};
