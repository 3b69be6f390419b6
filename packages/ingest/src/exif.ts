/**
 * Reading the one EXIF field ingest keeps: FocalLengthIn35mmFilm (tag 0xA405 in the Exif sub-IFD), the
 * 35 mm-equivalent focal length in millimetres, from which the depth stage can derive intrinsics. The
 * EXIF block comes from an untrusted file, so every offset is bounds-checked and loops are cut short.
 */

const EXIF_IFD_POINTER = 0x8769;
const FOCAL_LENGTH_35MM = 0xa405;
/** More entries than any real IFD holds; a larger count means a corrupt or hostile block. */
const MAX_ENTRIES = 1000;

/** The 35 mm-equivalent focal length in mm, or undefined when absent, zero or unreadable. */
export function focal35mmFromExif(exif: Uint8Array | undefined): number | undefined {
  if (!exif || exif.length < 8) return undefined;
  // sharp returns the APP1 payload, which starts with "Exif\0\0" before the TIFF header.
  const start = Buffer.from(exif.subarray(0, 6)).toString('latin1') === 'Exif\0\0' ? 6 : 0;
  const tiff = new DataView(exif.buffer, exif.byteOffset + start, exif.byteLength - start);
  if (tiff.byteLength < 8) return undefined;
  const order = tiff.getUint16(0);
  if (order !== 0x4949 && order !== 0x4d4d) return undefined;
  const little = order === 0x4949;
  if (tiff.getUint16(2, little) !== 42) return undefined;

  const entry = (ifdOffset: number, tag: number): number | undefined => {
    if (ifdOffset < 8 || ifdOffset + 2 > tiff.byteLength) return undefined;
    const count = tiff.getUint16(ifdOffset, little);
    if (count > MAX_ENTRIES) return undefined;
    for (let i = 0; i < count; i++) {
      const at = ifdOffset + 2 + i * 12;
      if (at + 12 > tiff.byteLength) return undefined;
      if (tiff.getUint16(at, little) !== tag) continue;
      const type = tiff.getUint16(at + 2, little);
      if (type === 3) return tiff.getUint16(at + 8, little); // SHORT, stored inline
      if (type === 4) return tiff.getUint32(at + 8, little); // LONG, stored inline
      return undefined;
    }
    return undefined;
  };

  const exifIfd = entry(tiff.getUint32(4, little), EXIF_IFD_POINTER);
  if (exifIfd === undefined) return undefined;
  const focal = entry(exifIfd, FOCAL_LENGTH_35MM);
  return focal !== undefined && focal > 0 && focal < 10_000 ? focal : undefined;
}
