/**
 * Recognising an input's format from its first bytes, before any decoder sees it. Only formats on the
 * allow-list reach sharp/libvips; SVG (which can reference external files) is refused, as are formats
 * this build cannot decode, and anything else is `not-an-image` — whatever the file is called.
 */

export type DecodableFormat = 'jpeg' | 'png' | 'gif' | 'webp' | 'tiff' | 'avif' | 'heic';
export type SniffResult =
  | { kind: 'image'; format: DecodableFormat }
  | { kind: 'svg' }
  | { kind: 'unsupported'; format: string }
  | { kind: 'unknown'; looksLike?: string };

/** ISO-BMFF brands of HEVC-coded HEIF (HEIC) and of AV1-coded HEIF (AVIF). */
const HEVC_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'hevm', 'hevs']);
const AVIF_BRANDS = new Set(['avif', 'avis']);

export function sniffFormat(bytes: Uint8Array): SniffResult {
  const starts = (...sig: number[]) => sig.every((b, i) => bytes[i] === b);
  const ascii = (from: number, to: number) => Buffer.from(bytes.subarray(from, to)).toString('latin1');
  if (starts(0xff, 0xd8, 0xff)) return { kind: 'image', format: 'jpeg' };
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return { kind: 'image', format: 'png' };
  if (ascii(0, 6) === 'GIF87a' || ascii(0, 6) === 'GIF89a') return { kind: 'image', format: 'gif' };
  if (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return { kind: 'image', format: 'webp' };
  if (starts(0x49, 0x49, 0x2a, 0x00) || starts(0x4d, 0x4d, 0x00, 0x2a)) return { kind: 'image', format: 'tiff' };
  if (ascii(4, 8) === 'ftyp') {
    const boxSize = Buffer.from(bytes.subarray(0, 4)).readUInt32BE(0);
    const brands = [ascii(8, 12)];
    for (let at = 16; at + 4 <= Math.min(boxSize, bytes.length, 64); at += 4) brands.push(ascii(at, at + 4));
    if (brands.some((b) => AVIF_BRANDS.has(b))) return { kind: 'image', format: 'avif' };
    if (brands.some((b) => HEVC_BRANDS.has(b)) || brands.includes('mif1') || brands.includes('msf1')) return { kind: 'image', format: 'heic' };
    return { kind: 'unsupported', format: `ISO media (${brands[0].trim()})` };
  }
  if (ascii(0, 2) === 'BM') return { kind: 'unsupported', format: 'bmp' };
  if (ascii(0, 4) === '%PDF') return { kind: 'unsupported', format: 'pdf' };
  if (ascii(0, 4) === '8BPS') return { kind: 'unsupported', format: 'psd' };
  if (starts(0x00, 0x00, 0x01, 0x00)) return { kind: 'unsupported', format: 'ico' };
  if (starts(0xff, 0x0a) || starts(0x00, 0x00, 0x00, 0x0c, 0x4a, 0x58, 0x4c, 0x20)) return { kind: 'unsupported', format: 'jpeg-xl' };
  if (starts(0x00, 0x00, 0x00, 0x0c, 0x6a, 0x50, 0x20, 0x20)) return { kind: 'unsupported', format: 'jpeg-2000' };
  const head = Buffer.from(bytes.subarray(0, 1024)).toString('utf8').replace(/^\uFEFF/, '').trimStart().toLowerCase();
  if (/^(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*(<!doctype svg[^>]*>\s*)?<svg[\s>]/.test(head) || (head.startsWith('<?xml') && head.includes('<svg'))) {
    return { kind: 'svg' };
  }
  if (starts(0x1f, 0x8b)) return { kind: 'unknown', looksLike: 'gzip data (an .svgz?)' };
  if (/^(<!doctype html|<html|<head|<body)/.test(head)) return { kind: 'unknown', looksLike: 'HTML' };
  if (head.length > 0 && !/[\u0000-\u0008\u000e-\u001f]/.test(head.slice(0, 256))) return { kind: 'unknown', looksLike: 'text' };
  return { kind: 'unknown' };
}

/**
 * Why a file of this format is cut short (its end marker is missing, or its header declares more
 * bytes than it has), or undefined when it ends as it should or the format has no such marker.
 * Read from the bytes, not from libvips' error text: libvips keeps one error buffer per process, so
 * with several images decoding at once the text can belong to another image (or read "Unknown error").
 */
export function truncation(bytes: Uint8Array, format: DecodableFormat): string | undefined {
  const tail = Buffer.from(bytes.subarray(Math.max(0, bytes.length - 64)));
  switch (format) {
    case 'jpeg':
      // The end-of-image marker; 0xFF 0xD9 cannot occur inside entropy-coded data.
      return tail.includes(Buffer.from([0xff, 0xd9])) ? undefined : 'no end-of-image marker';
    case 'png':
      return tail.includes(Buffer.from('IEND', 'latin1')) ? undefined : 'no IEND chunk';
    case 'gif':
      return bytes[bytes.length - 1] === 0x3b ? undefined : 'no trailer';
    case 'webp': {
      const declared = bytes.length >= 8 ? Buffer.from(bytes.subarray(4, 8)).readUInt32LE(0) + 8 : Infinity;
      return bytes.length < declared ? `the RIFF header declares ${declared} bytes` : undefined;
    }
    default:
      return undefined;
  }
}
