// Compiles clickflow's TypeScript into plain ES modules that Node runs without a loader (no tsx in
// any process or thread at run time: see "Compiled at run time" in docs/architecture.md).
//
// esbuild strips the types of each module on its own (every relative import stays external,
// `./x.ts` -> `./x.js`), so the output has the same modules as the sources:
// - src/a/b.ts -> dist/a/b.js: dist/ sits at src/'s depth, so a path a module finds relative to
//   itself (`new URL('../../dashboard/src/main.tsx', import.meta.url)`) is the same from either;
// - a module outside src/ that src/ imports (tag/build.ts) is emitted next to its source
//   (tag/build.js), for the same reason: it finds the tag's sources relative to itself;
// - src/topology/worker/boot.mjs is copied as it is.
// Files are written only when their content changed, each by write-to-temp and rename, and outputs
// of deleted sources are removed: a clickflow already running from dist/ (a test, another shell)
// never reads a half-written module. dist/.inputs records the inputs it was built from (count and
// newest mtime): `--if-stale` builds only when they changed (what the test and bench helpers call
// before they spawn the CLI). Usage: node scripts/build.mjs [--quiet] [--if-stale]
import { randomBytes } from 'node:crypto'
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const SRC = join(ROOT, 'src')
/** Where src/ is compiled to (git-ignored). */
export const DIST = join(ROOT, 'dist')
/** Files copied as they are (already JavaScript). */
const COPIED = ['topology/worker/boot.mjs']
/** The modules outside src/ that src/ imports (found by the build; listed here for --if-stale). */
const OUTSIDE = [join(ROOT, 'tag', 'build.ts')]
/** What the last build was made from. */
const INPUTS_FILE = join(DIST, '.inputs')

/** Every module the product runs: src/**.ts without the tests. */
function sources(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) sources(path, out)
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.endsWith('.d.ts')) out.push(path)
  }
  return out
}

/** A fingerprint of the build's inputs: how many, and the newest modification time. */
function inputsFingerprint(entries) {
  const files = [...entries, ...COPIED.map((n) => join(SRC, n)), ...OUTSIDE, fileURLToPath(import.meta.url)]
  let newest = 0
  for (const f of files) if (existsSync(f)) newest = Math.max(newest, statSync(f).mtimeMs)
  return `${files.length} ${newest}`
}

/** Whether dist/ was built from the sources as they are now. */
export function isFresh() {
  return existsSync(INPUTS_FILE) && readFileSync(INPUTS_FILE, 'utf8') === inputsFingerprint(sources(SRC))
}

/** Keeps each module its own output: relative imports stay imports, renamed to the emitted `.js`. */
const keepModules = {
  name: 'keep-modules',
  setup(b) {
    b.onResolve({ filter: /^\.\.?\// }, (args) => {
      if (args.kind === 'entry-point') return undefined
      const target = resolve(args.resolveDir, args.path)
      if (!target.endsWith('.ts')) {
        throw new Error(
          `${relative(ROOT, args.importer)} imports ${args.path}: only .ts modules are compiled`,
        )
      }
      if (!target.startsWith(SRC + sep)) outside.add(target)
      return { path: args.path.replace(/\.ts$/, '.js'), external: true }
    })
  },
}
/** Modules outside src/ that src/ imports; compiled next to their sources. */
const outside = new Set()

const OPTIONS = {
  bundle: true,
  write: false,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  // Linked maps: `node --enable-source-maps` shows the TypeScript lines; no cost otherwise.
  sourcemap: 'linked',
  sourcesContent: false,
  logLevel: 'silent',
  plugins: [keepModules],
}

/** Writes `text` to `path` unless it already holds it; returns whether it wrote. */
function writeIfChanged(path, text) {
  if (existsSync(path) && readFileSync(path, 'utf8') === text) return false
  mkdirSync(dirname(path), { recursive: true })
  const temp = `${path}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`
  writeFileSync(temp, text)
  renameSync(temp, path)
  return true
}

/** Removes files under `dir` that are not in `keep` (outputs of deleted sources), then empty folders. */
function prune(dir, keep) {
  let left = 0
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) {
      if (prune(path, keep) === 0) rmSync(path, { recursive: true, force: true })
      else left++
    } else if (keep.has(path) || name.endsWith('.tmp')) left++
    else rmSync(path, { force: true })
  }
  return left
}

/** Compiles src/ into dist/; returns what it did. */
export async function buildProduct() {
  const started = performance.now()
  const entries = sources(SRC)
  // Taken before compiling: a source saved during the build leaves dist/ stale, not marked fresh.
  const fingerprint = inputsFingerprint(entries)
  // Imported here: an --if-stale check that finds dist/ fresh does not load esbuild.
  const { build } = await import('esbuild')
  const result = await build({ ...OPTIONS, entryPoints: entries, outdir: DIST, outbase: SRC })
  // A second pass for the modules outside src/ (each next to its own source).
  const extra = [...outside]
  const results = [result]
  for (const path of extra) {
    results.push(await build({ ...OPTIONS, entryPoints: [path], outdir: dirname(path) }))
  }
  const written = new Set()
  let changed = 0
  for (const r of results) {
    for (const f of r.outputFiles) {
      written.add(f.path)
      if (writeIfChanged(f.path, f.text)) changed++
    }
  }
  for (const name of COPIED) {
    const to = join(DIST, name)
    written.add(to)
    if (writeIfChanged(to, readFileSync(join(SRC, name), 'utf8'))) changed++
  }
  written.add(INPUTS_FILE)
  prune(DIST, written)
  for (const path of extra)
    if (!OUTSIDE.includes(path)) throw new Error(`add ${path} to OUTSIDE in scripts/build.mjs`)
  writeIfChanged(INPUTS_FILE, fingerprint)
  return { modules: entries.length + extra.length, changed, ms: performance.now() - started }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    if (process.argv.includes('--if-stale') && isFresh()) process.exit(0)
    const r = await buildProduct()
    if (!process.argv.includes('--quiet')) {
      console.error(`built ${r.modules} modules into dist/ (${r.changed} changed) in ${Math.round(r.ms)} ms`)
    }
  } catch (err) {
    // esbuild's errors carry the file and line; print them as it would.
    const messages = err?.errors ?? []
    for (const m of messages) {
      const at = m.location ? `${m.location.file}:${m.location.line}:${m.location.column}: ` : ''
      console.error(`${at}${m.text}`)
    }
    if (messages.length === 0) console.error(err?.message ?? err)
    console.error('the build failed: fix the errors above in src/ and run `npm run build` again')
    process.exit(1)
  }
}
