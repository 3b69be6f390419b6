/**
 * Compiles the WebAssembly text sources next to this file into the `.wasm` binaries committed beside them
 * (the runtime loads the binaries, so wabt stays a development dependency; a test checks they are fresh).
 *
 * Run: node --import tsx packages/vision/src/wasm/build.ts
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import wabt from 'wabt';

/** Text sources in this folder, each compiled to the same name with `.wasm`. */
export const WAT_SOURCES = ['bilinear.wat'];

/** The binary `name` (a `.wat` in this folder) compiles to, with 128-bit SIMD enabled. */
export async function compileWat(name: string): Promise<Uint8Array> {
  const text = await readFile(new URL(`./${name}`, import.meta.url), 'utf8');
  const module = (await wabt()).parseWat(name, text, { simd: true });
  try {
    module.validate();
    return module.toBinary({ canonicalize_lebs: true }).buffer;
  } finally {
    module.destroy();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const name of WAT_SOURCES) {
    const binary = await compileWat(name);
    const target = new URL(`./${name.replace(/\.wat$/, '.wasm')}`, import.meta.url);
    await writeFile(target, binary);
    console.log(`${fileURLToPath(target)}: ${binary.length} bytes`);
  }
}
