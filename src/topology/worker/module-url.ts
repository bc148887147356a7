// Worker and child entries are named by URL relative to the module that starts them. Under tsx the
// running modules are the `.ts` sources; compiled (scripts/build.mjs) they are `.js` files at the
// same places in dist/: an entry keeps the extension of the module that names it.

/** The URL of `path` (written `./x.ts`) relative to `base` (an `import.meta.url`), with base's extension. */
export function moduleUrl(path: string, base: string): URL {
  const ext = new URL(base).pathname.endsWith('.js') ? '.js' : '.ts'
  return new URL(path.replace(/\.ts$/, ext), base)
}
