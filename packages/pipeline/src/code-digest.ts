/**
 * A stage's code identity: a digest of the source it runs, so a change to lift or QA code gives the
 * stage (and every stage after it) new cache keys, and a `--new-run` never answers from outputs the old
 * code made. No hand-kept version number to forget.
 *
 * What is hashed: the stage module and every source file it reaches through run-time imports, in this
 * repository's workspace packages as well (a package import goes to the file its package.json
 * `exports` names). Imports are followed by name through re-exports: importing readNpy from
 * @spatialforge/scene reaches scene's index and the file that index takes readNpy from, not lift.ts
 * beside it, so a lift fix re-keys lift and not ingest (and, through the chained keys, not the
 * GPU stages after ingest). Every import a reached file makes for its own code is followed in full;
 * `import type` (erased at run time) is not. Other packages (npm) count by their installed version.
 *
 * Only file contents and paths relative to the repository root go in, never times or absolute paths,
 * so the tree `docker/Dockerfile` copies into the image (`COPY . .`, less `.dockerignore`, which leaves
 * out nothing under packages/ but node_modules) digests the same as the checkout it was built from.
 */
import { createHash } from 'node:crypto';
import { readFile, readdir, stat } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';

/** Static imports and re-exports with a clause, side-effect imports, dynamic imports of a literal. */
const FROM_STATEMENT = /(?:^|[\s;{}])(import|export)\s+(type\s+)?([^'";]*?)\s*from\s*['"]([^'"\n]+)['"]/g;
const SIDE_EFFECT_IMPORT = /(?:^|[\s;{}])import\s*['"]([^'"\n]+)['"]/g;
const DYNAMIC_IMPORT = /\bimport\(\s*['"]([^'"\n]+)['"]\s*\)/g;
const SOURCE_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs'];

/** The names a module is asked for: some, or all of them (namespace, side-effect and dynamic imports). */
type Wanted = ReadonlySet<string> | 'all';

/** One run-time edge of a module: a target specifier and the names that follow it. */
export interface ImportEdge {
  specifier: string;
  /** Names this module takes from the target for its own code ('all' for `* as`, side effects, dynamic). */
  uses?: Wanted;
  /** Re-exports: exported name → the target's name (`export { a as b }` is b → a); '*' forwards every name. */
  forwards?: ReadonlyMap<string, string> | '*';
}

/** Named items of `{ a, b as c, type D }`: [name in the other module, name here]; type-only items left out. */
function namedItems(braces: string): [string, string][] {
  return braces.split(',').map((item) => item.trim()).filter((item) => item && !item.startsWith('type '))
    .map((item) => {
      const [from, as] = item.split(/\s+as\s+/);
      return [from!.trim(), (as ?? from!).trim()];
    });
}

/** The run-time import and re-export edges of a source file. */
export function importEdges(source: string): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const [, keyword, typeOnly, clause, specifier] of source.matchAll(FROM_STATEMENT)) {
    if (typeOnly) continue;
    const braces = /\{([^}]*)\}/.exec(clause!)?.[1];
    const named = braces === undefined ? [] : namedItems(braces);
    const outside = clause!.replace(/\{[^}]*\}/, '').replace(/,/g, ' ').trim();
    if (keyword === 'import') {
      if (outside.startsWith('*')) edges.push({ specifier: specifier!, uses: 'all' });
      else if (outside || named.length) edges.push({ specifier: specifier!, uses: new Set([...named.map(([from]) => from), ...(outside ? ['default'] : [])]) });
      // `import { type A } from 'x'`: every binding is a type, and TypeScript drops the import.
    } else if (clause === '*') {
      edges.push({ specifier: specifier!, forwards: '*' });
    } else if (/^\*\s+as\s+/.test(clause!)) {
      edges.push({ specifier: specifier!, forwards: new Map([[clause!.replace(/^\*\s+as\s+/, '').trim(), '*']]) });
    } else if (named.length) {
      edges.push({ specifier: specifier!, forwards: new Map(named.map(([from, as]) => [as, from])) });
    }
  }
  for (const match of source.matchAll(SIDE_EFFECT_IMPORT)) edges.push({ specifier: match[1]!, uses: 'all' });
  for (const match of source.matchAll(DYNAMIC_IMPORT)) edges.push({ specifier: match[1]!, uses: 'all' });
  return edges;
}

/** The names a target is asked for through one edge of a module asked for `wanted`; undefined: none. */
function wantedThrough(edge: ImportEdge, wanted: Wanted): Wanted | undefined {
  if (edge.uses) return edge.uses;
  if (edge.forwards === '*') return wanted;
  const names = new Set<string>();
  for (const [exported, from] of edge.forwards!) {
    if (wanted !== 'all' && !wanted.has(exported)) continue;
    if (from === '*') return 'all'; // `export * as ns`
    names.add(from);
  }
  return names.size ? names : undefined;
}

/** `@scope/name/sub` → [`@scope/name`, `./sub`]; `name` → [`name`, `.`]. */
function splitSpecifier(specifier: string): [string, string] {
  const parts = specifier.split('/');
  const length = specifier.startsWith('@') ? 2 : 1;
  const rest = parts.slice(length).join('/');
  return [parts.slice(0, length).join('/'), rest ? `./${rest}` : '.'];
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then((s) => s.isFile(), () => false);
}

/** An import as written (`./keys.js`) to the file on disk (`./keys.ts`). */
async function resolveFile(fromFile: string, specifier: string, base = dirname(fromFile)): Promise<string> {
  const path = resolve(base, specifier);
  const stem = path.replace(/\.[cm]?[jt]s$/, '');
  const candidates = [path, ...SOURCE_EXTENSIONS.map((ext) => stem + ext), ...SOURCE_EXTENSIONS.map((ext) => join(path, `index${ext}`))];
  for (const candidate of candidates) if (await isFile(candidate)) return candidate;
  throw new Error(`${fromFile} imports ${specifier}, which is not a file (tried ${candidates.map((c) => relative(base, c)).join(', ')})`);
}

interface WorkspacePackage {
  dir: string;
  exports: Record<string, string>;
}

async function workspacePackages(root: string): Promise<Map<string, WorkspacePackage>> {
  const manifest = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { workspaces?: string[] };
  const packages = new Map<string, WorkspacePackage>();
  for (const pattern of manifest.workspaces ?? []) {
    if (!pattern.endsWith('/*')) throw new Error(`workspace pattern ${pattern} in ${root}/package.json: only "<folder>/*" patterns are understood`);
    const parent = join(root, pattern.slice(0, -2));
    for (const entry of await readdir(parent, { withFileTypes: true })) {
      const dir = join(parent, entry.name);
      if (!entry.isDirectory() || !(await isFile(join(dir, 'package.json')))) continue;
      const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as { name: string; exports?: string | Record<string, string>; main?: string };
      const exports = typeof pkg.exports === 'string' ? { '.': pkg.exports } : (pkg.exports ?? { '.': pkg.main ?? './src/index.ts' });
      packages.set(pkg.name, { dir, exports });
    }
  }
  return packages;
}

/** The version of an npm package as Node would resolve it from `fromDir` (nearest node_modules upwards). */
async function installedVersion(name: string, fromDir: string, root: string): Promise<string> {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const manifest = join(dir, 'node_modules', name, 'package.json');
    if (await isFile(manifest)) return (JSON.parse(await readFile(manifest, 'utf8')) as { version: string }).version;
    if (dir === root || dir === dirname(dir)) return 'not installed';
  }
}

/** File contents by path, shared by the digests of one registry (stages reach many of the same files). */
export type SourceCache = Map<string, Promise<Buffer>>;

function readCached(cache: SourceCache, path: string): Promise<Buffer> {
  let content = cache.get(path);
  if (!content) cache.set(path, (content = readFile(path)));
  return content;
}

function union(a: Wanted | undefined, b: Wanted): Wanted {
  if (a === 'all' || b === 'all') return 'all';
  return new Set([...(a ?? []), ...b]);
}

/**
 * What a module's digest covers: the source files (relative to `root`, sorted) it reaches and the npm
 * packages (`name@version`, sorted) those files import.
 */
export async function codeSources(root: string, entryFile: string, cache: SourceCache = new Map()): Promise<{ files: string[]; npm: string[] }> {
  const packages = await workspacePackages(root);
  const wantedOf = new Map<string, Wanted>();
  const npm = new Set<string>(); // `<folder it is resolved from>\0<package name>`
  const pending: [string, Wanted][] = [[entryFile, 'all']];
  while (pending.length > 0) {
    const [file, asked] = pending.pop()!;
    const before = wantedOf.get(file);
    const wanted = union(before, asked);
    if (before && (before === 'all' || (wanted !== 'all' && wanted.size === before.size))) continue;
    wantedOf.set(file, wanted);
    for (const edge of importEdges((await readCached(cache, file)).toString('utf8'))) {
      const through = wantedThrough(edge, wanted);
      if (!through || edge.specifier.startsWith('node:')) continue;
      let target: string;
      if (edge.specifier.startsWith('.')) {
        target = await resolveFile(file, edge.specifier);
      } else {
        const [name, subpath] = splitSpecifier(edge.specifier);
        const pkg = packages.get(name);
        if (!pkg) {
          npm.add(`${dirname(file)}\0${name}`);
          continue;
        }
        const entry = pkg.exports[subpath];
        if (!entry) throw new Error(`${file} imports ${edge.specifier}, which ${name}'s package.json does not export`);
        target = await resolveFile(file, entry, pkg.dir);
      }
      if (!target.startsWith(`${root}/`)) throw new Error(`${file} imports ${edge.specifier}, outside the repository ${root}`);
      pending.push([target, through]);
    }
  }
  const versions = new Set<string>();
  for (const entry of npm) {
    const [dir, name] = entry.split('\0') as [string, string];
    versions.add(`${name}@${await installedVersion(name, dir, root)}`);
  }
  return { files: [...wantedOf.keys()].map((file) => relative(root, file)).sort(), npm: [...versions].sort() };
}

/** The code digest of the module at `entryFile` inside the repository at `root` (see the file comment), hex SHA-256. */
export async function codeDigest(root: string, entryFile: string, cache: SourceCache = new Map()): Promise<string> {
  const { files, npm } = await codeSources(root, entryFile, cache);
  const contents = await Promise.all(files.map((file) => readCached(cache, join(root, file))));
  const hash = createHash('sha256');
  files.forEach((file, i) => hash.update(`file ${file} ${contents[i]!.length}\n`).update(contents[i]!));
  for (const version of npm) hash.update(`npm ${version}\n`);
  return hash.digest('hex');
}
