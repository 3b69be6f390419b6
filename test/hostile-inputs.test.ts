/**
 * Issue 7's hostile and broken inputs, each generated here at test time, each with the outcome ingest
 * must give: a normalised image, or an InputError with a stable code whose message names the input.
 * URL cases run against local HTTP servers on 127.0.0.1 (allow-listed, except in the SSRF cases, where
 * the point is that loopback, private and metadata addresses are refused, also after a redirect).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { InputError } from '@spatialforge/core';
import { HttpFetcher, listSource, normaliseFrame, normaliseImage, readUri, type NormalisedImage, type SourceItem } from '@spatialforge/ingest';

const MAX_SIDE = 256;

/** Resolves to the code of the InputError `promise` rejects with, checking that its message names `input`. */
async function codeOf(promise: Promise<unknown>, input: string): Promise<string> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof InputError, `expected an InputError, got ${(err as Error).stack}`);
    assert.ok(err.message.includes(input), `message ${JSON.stringify(err.message)} should name ${input}`);
    return err.code;
  }
  assert.fail(`${input} was accepted`);
}

const normalise = (bytes: Uint8Array, input: string) => normaliseImage(bytes, { maxSide: MAX_SIDE, input });

async function photo(width: number, height: number, background = '#3080c0'): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background, noise: { type: 'gaussian', mean: 120, sigma: 20 } } }).jpeg().toBuffer();
}

async function pixelAt(image: NormalisedImage, x: number, y: number): Promise<number[]> {
  const { data, info } = await sharp(image.bytes).raw().toBuffer({ resolveWithObject: true });
  const at = (y * info.width + x) * info.channels;
  return [...data.subarray(at, at + info.channels)];
}

/** Three solid frames: red, green, blue. */
function animationFrames(width: number, height: number): Buffer {
  const colours = [[255, 0, 0], [0, 255, 0], [0, 0, 255]];
  const raw = Buffer.alloc(width * height * 3 * 4);
  colours.forEach(([r, g, b], frame) => {
    for (let i = 0; i < width * height; i++) raw.set([r, g, b, 255], (frame * width * height + i) * 4);
  });
  return raw;
}

/** A valid PNG whose IHDR declares `width`×`height` (CRC fixed up) over a tiny real image: a decompression bomb. */
async function pngDeclaring(width: number, height: number): Promise<Buffer> {
  const png = Buffer.from(await sharp({ create: { width: 8, height: 8, channels: 3, background: '#fff' } }).png().toBuffer());
  png.writeUInt32BE(width, 16);
  png.writeUInt32BE(height, 20);
  png.writeUInt32BE(crc32(png.subarray(12, 29)), 29);
  return png;
}

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/**
 * A structurally valid HEIC (ISO-BMFF `heic` brand, one `hvc1` item with its `hvcC` and `ispe`
 * properties) whose payload needs an HEVC decoder, which the prebuilt libvips in sharp does not ship.
 */
function heicFile(width: number, height: number): Buffer {
  const box = (type: string, ...parts: Buffer[]) => {
    const body = Buffer.concat(parts);
    const header = Buffer.alloc(8);
    header.writeUInt32BE(8 + body.length);
    header.write(type, 4, 'latin1');
    return Buffer.concat([header, body]);
  };
  const full = (type: string, version: number, flags: number, ...parts: Buffer[]) => {
    const vf = Buffer.alloc(4);
    vf.writeUInt32BE((version << 24) | flags);
    return box(type, vf, ...parts);
  };
  const u8 = (...v: number[]) => Buffer.from(v);
  const u16 = (v: number) => { const b = Buffer.alloc(2); b.writeUInt16BE(v); return b; };
  const u32 = (v: number) => { const b = Buffer.alloc(4); b.writeUInt32BE(v); return b; };
  const text = (s: string) => Buffer.from(s, 'latin1');
  const payload = Buffer.from([0, 0, 0, 4, 0x26, 0x01, 0xaf, 0x13]);
  const build = (dataOffset: number) => {
    const ftyp = box('ftyp', text('heic'), u32(0), text('mif1'), text('heic'));
    const hvcC = box('hvcC', u8(1, 0x01, 0x60, 0, 0, 0, 0x90, 0, 0, 0, 0, 0, 0x5d, 0xf0, 0, 0xfc, 0xfd, 0xf8, 0xf8, 0, 0, 0x0f, 0));
    const meta = full('meta', 0, 0,
      full('hdlr', 0, 0, u32(0), text('pict'), u32(0), u32(0), u32(0), u8(0)),
      full('pitm', 0, 0, u16(1)),
      full('iloc', 0, 0, u8(0x44, 0x00), u16(1), u16(1), u16(0), u16(1), u32(dataOffset), u32(payload.length)),
      full('iinf', 0, 0, u16(1), full('infe', 2, 0, u16(1), u16(0), text('hvc1'), u8(0))),
      box('iprp', box('ipco', hvcC, full('ispe', 0, 0, u32(width), u32(height))), full('ipma', 0, 0, u32(1), u16(1), u8(2), u8(0x81, 0x02))),
    );
    return Buffer.concat([ftyp, meta]);
  };
  const head = build(0);
  return Buffer.concat([build(head.length + 8), box('mdat', payload)]);
}

describe('hostile images: each gets a code or a correct normalisation', () => {
  test('truncated JPEG and PNG → truncated', async () => {
    const jpeg = await photo(300, 200);
    assert.equal(await codeOf(normalise(jpeg.subarray(0, jpeg.length >> 1), 'half.jpg'), 'half.jpg'), 'truncated');
    const png = await sharp(await photo(300, 200)).png().toBuffer();
    assert.equal(await codeOf(normalise(png.subarray(0, png.length >> 1), 'half.png'), 'half.png'), 'truncated');
  });

  test('zero bytes → empty; text and HTML named .jpg → not-an-image', async () => {
    assert.equal(await codeOf(normalise(new Uint8Array(0), 'zero.jpg'), 'zero.jpg'), 'empty');
    assert.equal(await codeOf(normalise(Buffer.from('just some notes\n'), 'notes.jpg'), 'notes.jpg'), 'not-an-image');
    const html = Buffer.from('<!DOCTYPE html><html><body>Not found</body></html>');
    await assert.rejects(normalise(html, 'page.jpg'), (err: unknown) => err instanceof InputError && err.code === 'not-an-image' && /HTML/.test(err.message));
  });

  test('a decompression bomb (PNG header declaring 100000×100000) → too-many-pixels, before any decoding', async () => {
    const bomb = await pngDeclaring(100_000, 100_000);
    assert.equal(await codeOf(normalise(bomb, 'bomb.png'), 'bomb.png'), 'too-many-pixels');
    // The per-call limit is what decides: the same file under a limit it fits is decoded (and found broken).
    assert.equal(await codeOf(normaliseImage(await pngDeclaring(9, 9), { maxSide: MAX_SIDE, input: 'nine.png', minSide: 1, maxPixels: 100 }), 'nine.png'), 'truncated');
  });

  test('huge EXIF is read safely and stripped from the output', async () => {
    const jpeg = await sharp(await photo(320, 240))
      .withExif({ IFD0: { ImageDescription: 'x'.repeat(60_000), Make: 'hostile' }, IFD2: { FocalLengthIn35mmFilm: '28' } })
      .jpeg()
      .toBuffer();
    assert.ok(jpeg.length > 60_000);
    const image = await normalise(jpeg, 'exif.jpg');
    assert.equal(image.focal35mm, 28);
    assert.equal((await sharp(image.bytes).metadata()).exif, undefined);
    assert.ok(image.bytes.length < 60_000);
  });

  test('CMYK, 16-bit, greyscale and alpha inputs all become 8-bit, 3-channel sRGB; alpha is flattened on white', async () => {
    const red = { width: 64, height: 48, channels: 3 as const, background: '#e02020' };
    const inputs: Record<string, Buffer> = {
      'cmyk.jpg': await sharp({ create: red }).toColourspace('cmyk').jpeg().toBuffer(),
      'rgb16.png': await sharp({ create: red }).toColourspace('rgb16').png().toBuffer(),
      'grey.png': await sharp({ create: red }).toColourspace('b-w').png().toBuffer(),
      'grey16.png': await sharp({ create: red }).toColourspace('grey16').png().toBuffer(),
    };
    assert.equal((await sharp(inputs['cmyk.jpg']).metadata()).space, 'cmyk');
    assert.equal((await sharp(inputs['rgb16.png']).metadata()).depth, 'ushort');
    for (const [name, bytes] of Object.entries(inputs)) {
      const image = await normalise(bytes, name);
      const meta = await sharp(image.bytes).metadata();
      assert.deepEqual([meta.format, meta.space, meta.channels, meta.depth], ['jpeg', 'srgb', 3, 'uchar'], name);
      const [r, g, b] = await pixelAt(image, 10, 10);
      if (name.startsWith('grey')) assert.ok(Math.abs(r - g) < 4 && Math.abs(g - b) < 4, `${name} is grey: ${[r, g, b]}`);
      else assert.ok(r > 180 && g < 90 && b < 90, `${name} stays red: ${[r, g, b]}`);
    }
    // Left half opaque blue, right half fully transparent.
    const raw = Buffer.alloc(64 * 48 * 4);
    for (let y = 0; y < 48; y++) for (let x = 0; x < 32; x++) raw.set([0, 0, 255, 255], (y * 64 + x) * 4);
    const alpha = await sharp(raw, { raw: { width: 64, height: 48, channels: 4 } }).png().toBuffer();
    const image = await normalise(alpha, 'alpha.png');
    assert.deepEqual((await pixelAt(image, 48, 24)).map((v) => v > 245), [true, true, true], 'transparent → white');
    const [r, g, b] = await pixelAt(image, 10, 24);
    assert.ok(b > 200 && r < 40 && g < 40, 'opaque stays blue');
  });

  test('EXIF orientation is applied: a 6 (rotate 90°) 60×40 photo becomes 40×60', async () => {
    const rotated = await sharp(await photo(60, 40)).withMetadata({ orientation: 6 }).jpeg().toBuffer();
    const image = await normalise(rotated, 'rotated.jpg');
    assert.deepEqual([image.width, image.height, image.sourceWidth, image.sourceHeight], [40, 60, 40, 60]);
    assert.equal((await sharp(image.bytes).metadata()).orientation, undefined);
  });

  test('animated GIF and WebP, multi-page TIFF: the first frame or page only', async () => {
    const raw = animationFrames(80, 60);
    const pages = { raw: { width: 80, height: 180, channels: 4 as const, pageHeight: 60 } };
    const inputs: Record<string, Buffer> = {
      'anim.gif': await sharp(raw, pages).gif({ delay: [100, 100, 100] }).toBuffer(),
      'anim.webp': await sharp(raw, pages).webp({ delay: [100, 100, 100], lossless: true }).toBuffer(),
      'pages.tiff': await sharp(raw, pages).tiff().toBuffer(),
    };
    for (const [name, bytes] of Object.entries(inputs)) {
      const image = await normalise(bytes, name);
      assert.deepEqual([image.width, image.height, image.pages], [80, 60, 3], name);
      const [r, g, b] = await pixelAt(image, 40, 30);
      assert.ok(r > 200 && g < 60 && b < 60, `${name}: first (red) frame, got ${[r, g, b]}`);
    }
  });

  test('AVIF decodes; HEIC (HEVC), which this libvips cannot decode, → unsupported-format', async () => {
    const avif = await sharp(await photo(80, 60)).avif().toBuffer();
    const image = await normalise(avif, 'photo.avif');
    assert.deepEqual([image.sourceFormat, image.width, image.height], ['avif', 80, 60]);
    await assert.rejects(normalise(heicFile(64, 64), 'photo.heic'), (err: unknown) =>
      err instanceof InputError && err.code === 'unsupported-format' && /HEIC/.test(err.message) && err.message.includes('photo.heic'));
  });

  test('1×1 pixel → too-small; 4000×100 → aspect-ratio', async () => {
    const dot = await sharp({ create: { width: 1, height: 1, channels: 3, background: '#000' } }).png().toBuffer();
    assert.equal(await codeOf(normalise(dot, 'dot.png'), 'dot.png'), 'too-small');
    const strip = await sharp({ create: { width: 4000, height: 100, channels: 3, background: '#888' } }).png().toBuffer();
    assert.equal(await codeOf(normalise(strip, 'strip.png'), 'strip.png'), 'aspect-ratio');
  });

  test('the same input always gives the same bytes and image id; the long side is capped', async () => {
    const jpeg = await photo(1000, 500);
    const [a, b] = [await normalise(jpeg, 'a.jpg'), await normalise(Buffer.from(jpeg), 'b.jpg')];
    assert.equal(a.imageId, b.imageId);
    assert.ok(Buffer.from(a.bytes).equals(Buffer.from(b.bytes)));
    assert.deepEqual([a.width, a.height, a.scale], [MAX_SIDE, MAX_SIDE / 2, MAX_SIDE / 1000]);
  });
});

describe('SVG: refused, and its external references are never fetched', () => {
  let server: Server;
  let hits = 0;
  before(async () => {
    server = await listen(createServer((_req, res) => {
      hits++;
      res.end('');
    }));
  });
  after(() => closeServer(server));

  test('an SVG naming an image on a local server → svg-refused, and the server saw no request', async () => {
    const url = `http://127.0.0.1:${port(server)}/tracker.png`;
    const svg = `<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="64" height="64">` +
      `<image href="${url}" xlink:href="${url}" width="64" height="64"/><rect width="10" height="10"/></svg>`;
    assert.equal(await codeOf(normalise(Buffer.from(svg), 'drawing.svg'), 'drawing.svg'), 'svg-refused');
    assert.equal(await codeOf(normalise(Buffer.from(svg.replace('<?xml version="1.0"?>\n', '')), 'renamed.jpg'), 'renamed.jpg'), 'svg-refused');
    assert.equal(hits, 0);
  });
});

describe('RGB-D frames and manifests', () => {
  let dir: string;
  before(async () => (dir = await mkdtemp(join(tmpdir(), 'spatialforge-hostile-'))));
  after(() => rm(dir, { recursive: true, force: true }));

  test('a depth map of the wrong size → depth-size-mismatch naming the depth file', async () => {
    await writeFile(join(dir, 'rgb.jpg'), await photo(64, 48));
    const depth = new Uint16Array(32 * 24).fill(1500);
    await writeFile(join(dir, 'depth.png'), await sharp(depth, { raw: { width: 32, height: 24, channels: 1 } }).toColourspace('grey16').png().toBuffer());
    const item: SourceItem = { input: 'frame.json', image: join(dir, 'rgb.jpg'), frame: { image: join(dir, 'rgb.jpg'), depth: { uri: join(dir, 'depth.png'), scale: 0.001 } } };
    await assert.rejects(normaliseFrame(item, { maxSide: MAX_SIDE }), (err: unknown) =>
      err instanceof InputError && err.code === 'depth-size-mismatch' && err.message.includes('depth.png') && err.message.includes('32×24'));
  });

  test('malformed manifest lines become items carrying their error and line number; good lines are still listed', async () => {
    await writeFile(join(dir, 'good.jpg'), await photo(64, 48));
    const lines = [
      '"good.jpg"', // 1
      '{"image": "good.jpg"', // 2: not JSON
      '42', // 3: not an object or string
      '{"depth": {"uri": "d.png"}}', // 4: no image
      '{"image": "good.jpg", "objects": [{"id": "a", "label": "cup", "box": [10, 10, 5, 20]}]}', // 5: empty box
      '{"image": "good.jpg", "depth": {"uri": "d.png", "scale": -1}}', // 6: bad scale
      '', // 7: blank, skipped
      '"../outside.jpg"', // 8: escapes the manifest's folder
      '"%2e%2e/outside.jpg"', // 9: encoded escape
      '"ftp://example.com/a.jpg"', // 10: unsupported scheme
      '{"image": "good.jpg", "objects": [{"id": "a", "label": "cup", "mask": "../m.png", "maskValue": 1}]}', // 11: mask escapes
      '{"image": "good.jpg", "intrinsics": {"fx": 500, "fy": 500, "cx": 320, "cy": 240}}', // 12: a good frame
    ];
    await writeFile(join(dir, 'list.jsonl'), lines.join('\n'));
    const manifest = join(dir, 'list.jsonl');
    const items: SourceItem[] = [];
    for await (const item of listSource({ kind: 'uri', uri: manifest })) items.push(item);
    const outcome = items.map((item) => [item.input.replace(manifest, 'M'), item.error ? item.error.code : 'ok']);
    assert.deepEqual(outcome, [
      ['M line 1', 'ok'],
      ['M line 2', 'bad-manifest-line'],
      ['M line 3', 'bad-manifest-line'],
      ['M line 4', 'bad-manifest-line'],
      ['M line 5', 'bad-manifest-line'],
      ['M line 6', 'bad-manifest-line'],
      ['M line 8', 'path-escape'],
      ['M line 9', 'path-escape'],
      ['M line 10', 'unsupported-uri'],
      ['M line 11', 'path-escape'],
      ['M line 12', 'ok'],
    ]);
    for (const item of items) if (item.error) assert.ok(item.error.message.includes(item.input), item.error.message);
    assert.match(items[1].error!.message, /not valid JSON/);
    assert.equal(items[10].frame?.intrinsics?.fx, 500);
  });
});

describe('URL ingest: HTTP failures, limits and SSRF', () => {
  let server: Server;
  let loopback2: Server;
  let loopback2Hits = 0;
  let base: string;
  let allowed: HttpFetcher;
  let guarded: HttpFetcher;
  let jpeg: Buffer;

  before(async () => {
    jpeg = await photo(64, 48);
    loopback2 = await listen(createServer((_req, res) => {
      loopback2Hits++;
      res.end('secret');
    }), '127.0.0.2');
    server = await listen(createServer((req, res) => route(req, res)));
    base = `http://127.0.0.1:${port(server)}`;
    allowed = new HttpFetcher({ allowHosts: ['127.0.0.1'], maxBytes: 4096 + jpeg.length, timeoutMs: 10_000, idleTimeoutMs: 5_000 });
    guarded = new HttpFetcher({ allowHosts: [], timeoutMs: 10_000, idleTimeoutMs: 5_000 });
  });
  after(async () => {
    await Promise.all([allowed.close(), guarded.close()]);
    await Promise.all([closeServer(server), closeServer(loopback2)]);
  });

  function route(req: IncomingMessage, res: ServerResponse) {
    const path = req.url ?? '/';
    const redirect = (to: string) => res.writeHead(302, { location: to }).end();
    if (path === '/photo.jpg') return res.writeHead(200, { 'content-type': 'image/jpeg' }).end(jpeg);
    if (path === '/missing.jpg') return res.writeHead(404).end('not here');
    if (path === '/broken.jpg') return res.writeHead(500).end('oops');
    if (path === '/busy.jpg') return res.writeHead(503).end('later');
    if (path === '/loop-a') return redirect('/loop-b');
    if (path === '/loop-b') return redirect('/loop-a');
    if (path === '/self') return redirect(`${base}/self`);
    const chain = /^\/chain\/(\d+)$/.exec(path);
    if (chain) return Number(chain[1]) === 0 ? res.end(jpeg) : redirect(`/chain/${Number(chain[1]) - 1}`);
    if (path === '/moved.jpg') return redirect('/photo.jpg');
    if (path === '/drip.jpg') {
      res.writeHead(200, { 'content-type': 'image/jpeg' });
      const timer = setInterval(() => res.write(Buffer.from([0xff])), 50);
      res.on('close', () => clearInterval(timer));
      return;
    }
    if (path === '/stall.jpg') return void res.writeHead(200, { 'content-type': 'image/jpeg' }).write(jpeg.subarray(0, 10));
    if (path === '/declared-huge.jpg') return res.writeHead(200, { 'content-length': String(10 * 1024 * 1024) }).end(jpeg);
    if (path === '/streamed-huge.jpg') {
      res.writeHead(200, { 'content-type': 'image/jpeg' });
      const chunk = Buffer.alloc(4096, 1);
      let sent = 0;
      const pump = () => {
        while (sent < 1024 && res.write(chunk)) sent++;
        if (sent < 1024) res.once('drain', pump);
        else res.end();
      };
      return pump();
    }
    if (path === '/to-loopback2') return redirect(`http://127.0.0.2:${port(loopback2)}/secret`);
    if (path === '/to-localhost') return redirect(`http://localhost:${port(loopback2)}/secret`);
    if (path === '/to-metadata') return redirect('http://169.254.169.254/latest/meta-data/iam/security-credentials/');
    if (path === '/to-ftp') return redirect('ftp://127.0.0.1/a.jpg');
    if (path === '/list.txt') return res.end(`# photos\n${base}/photo.jpg\n${base}/moved.jpg\n\n${base}/missing.jpg\n`);
    res.writeHead(404).end();
  }

  test('an allow-listed local server: a plain download and a redirected one succeed', async () => {
    assert.deepEqual(Buffer.from(await allowed.fetch(`${base}/photo.jpg`)), jpeg);
    const image = await normalise(await readUri(`${base}/moved.jpg`, { http: allowed }), 'moved');
    assert.equal(image.width, 64);
  });

  test('404 → http-404, 500 → http-500 (InputErrors); 503 is transient (retried, not an InputError)', async () => {
    assert.equal(await codeOf(allowed.fetch(`${base}/missing.jpg`), `${base}/missing.jpg`), 'http-404');
    assert.equal(await codeOf(allowed.fetch(`${base}/broken.jpg`), `${base}/broken.jpg`), 'http-500');
    await assert.rejects(allowed.fetch(`${base}/busy.jpg`), (err: unknown) => !(err instanceof InputError) && (err as { code?: string }).code === 'http-503');
  });

  test('a redirect loop → redirect-loop; more than 5 redirects → too-many-redirects; a redirect to ftp → unsupported-uri', async () => {
    assert.equal(await codeOf(allowed.fetch(`${base}/loop-a`), `${base}/loop-a`), 'redirect-loop');
    assert.equal(await codeOf(allowed.fetch(`${base}/self`), `${base}/self`), 'redirect-loop');
    assert.equal(await codeOf(allowed.fetch(`${base}/chain/6`), `${base}/chain/6`), 'too-many-redirects');
    assert.ok((await allowed.fetch(`${base}/chain/5`)).length > 0, 'five redirects are followed');
    assert.equal(await codeOf(allowed.fetch(`${base}/to-ftp`), `${base}/to-ftp`), 'unsupported-uri');
  });

  test('a slow drip (total time limit) and a stalled body (idle limit) → timeout', async () => {
    // Each fetcher has only one limit that can trip, so a slow machine cannot swap one for the other.
    const totalOnly = new HttpFetcher({ allowHosts: ['127.0.0.1'], timeoutMs: 1000, idleTimeoutMs: 30_000 });
    const idleOnly = new HttpFetcher({ allowHosts: ['127.0.0.1'], timeoutMs: 30_000, idleTimeoutMs: 400 });
    await assert.rejects(totalOnly.fetch(`${base}/drip.jpg`), (err: unknown) =>
      err instanceof InputError && err.code === 'timeout' && /longer than 1000 ms/.test(err.message));
    await assert.rejects(idleOnly.fetch(`${base}/stall.jpg`), (err: unknown) =>
      err instanceof InputError && err.code === 'timeout' && /went silent/.test(err.message));
    await Promise.all([totalOnly.close(), idleOnly.close()]);
  });

  test('a body over the limit → too-large, whether declared by Content-Length or streamed', async () => {
    assert.equal(await codeOf(allowed.fetch(`${base}/declared-huge.jpg`), `${base}/declared-huge.jpg`), 'too-large');
    assert.equal(await codeOf(allowed.fetch(`${base}/streamed-huge.jpg`), `${base}/streamed-huge.jpg`), 'too-large');
  });

  test('SSRF: loopback, private, link-local and metadata targets are refused without an allow-list entry', async () => {
    const targets = [
      `${base}/photo.jpg`,
      `http://localhost:${port(server)}/photo.jpg`, // a name that resolves to loopback: refused after DNS
      `http://[::1]:${port(server)}/photo.jpg`,
      `http://[::ffff:127.0.0.1]:${port(server)}/photo.jpg`,
      `http://2130706433:${port(server)}/photo.jpg`, // 127.0.0.1 as one decimal number
      `http://0x7f.1:${port(server)}/photo.jpg`,
      'http://10.1.2.3/a.jpg',
      'http://192.168.0.10/a.jpg',
      'http://100.100.100.200/latest/meta-data/', // CGNAT (Alibaba Cloud metadata)
      'http://169.254.169.254/latest/meta-data/',
      'http://[fd00:ec2::254]/latest/meta-data/',
      'http://metadata.google.internal/computeMetadata/v1/',
      'https://[fe80::1]/a.jpg',
    ];
    for (const url of targets) assert.equal(await codeOf(guarded.fetch(url), url), 'blocked-address', url);
  });

  test('SSRF: a redirect from an allowed host to another loopback address or to the metadata service is refused', async () => {
    assert.equal(await codeOf(allowed.fetch(`${base}/to-loopback2`), `${base}/to-loopback2`), 'blocked-address');
    assert.equal(await codeOf(allowed.fetch(`${base}/to-metadata`), `${base}/to-metadata`), 'blocked-address');
    assert.equal(loopback2Hits, 0, 'the refused loopback server was never contacted');
    // Sanity: 127.0.0.2 really answers when it is allowed, so the refusals above are the guard's doing.
    const both = new HttpFetcher({ allowHosts: ['127.0.0.1', '127.0.0.2'], timeoutMs: 10_000, idleTimeoutMs: 5_000 });
    assert.equal(Buffer.from(await both.fetch(`${base}/to-loopback2`)).toString(), 'secret');
    assert.equal(loopback2Hits, 1);
    await both.close();
  });

  test('a URL list source: good URLs become items; a 404 entry fails only when read', async () => {
    const items: SourceItem[] = [];
    for await (const item of listSource({ kind: 'uri', uri: `${base}/list.txt` }, { http: allowed })) items.push(item);
    assert.deepEqual(items.map((i) => i.image), [`${base}/photo.jpg`, `${base}/moved.jpg`, `${base}/missing.jpg`]);
    const outcomes = await Promise.all(items.map((item) => readUri(item.image!, { http: allowed, input: item.input }).then(() => 'ok', (err: InputError) => err.code)));
    assert.deepEqual(outcomes, ['ok', 'ok', 'http-404']);
  });
});

describe('a folder of every hostile file: one outcome per file and the listing completes', () => {
  let dir: string;
  before(async () => (dir = await mkdtemp(join(tmpdir(), 'spatialforge-hostile-folder-'))));
  after(() => rm(dir, { recursive: true, force: true }));

  test('good files normalise, each bad one fails with its own code', async () => {
    const jpeg = await photo(120, 90);
    const files: Record<string, [Uint8Array, string]> = {
      'good.jpg': [jpeg, 'ok'],
      'truncated.jpg': [jpeg.subarray(0, jpeg.length >> 1), 'truncated'],
      'zero.jpg': [new Uint8Array(0), 'empty'],
      'page.jpg': [Buffer.from('<html><body>login</body></html>'), 'not-an-image'],
      'bomb.png': [await pngDeclaring(60_000, 60_000), 'too-many-pixels'],
      'drawing.svg': [Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'), 'svg-refused'],
      'photo.heic': [heicFile(64, 64), 'unsupported-format'],
      'dot.png': [await sharp({ create: { width: 1, height: 1, channels: 3, background: '#000' } }).png().toBuffer(), 'too-small'],
      'sub/also-good.png': [await sharp(jpeg).png().toBuffer(), 'ok'],
    };
    await mkdir(join(dir, 'sub'));
    for (const [name, [bytes]] of Object.entries(files)) await writeFile(join(dir, name), bytes);
    const outcomes: Record<string, string> = {};
    for await (const item of listSource({ kind: 'uri', uri: dir })) {
      const name = item.input.slice(dir.length + 1);
      outcomes[name] = item.error
        ? item.error.code
        : await normaliseImage(await readUri(item.image), { maxSide: MAX_SIDE, input: item.input }).then(() => 'ok', (err: InputError) => err.code);
    }
    assert.deepEqual(outcomes, Object.fromEntries(Object.entries(files).map(([name, [, code]]) => [name, code])));
  });
});

async function listen(server: Server, host = '127.0.0.1'): Promise<Server> {
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return server;
}

function port(server: Server): number {
  return (server.address() as AddressInfo).port;
}

async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}
