// Adds lockfile entries for optional platform packages (e.g. @biomejs/cli-win32-x64) that the
// registry reachable here does not serve, so `npm install` leaves them out of package-lock.json and
// `npm ci` then refuses the lock as out of sync. Each entry carries only the version and the
// platform fields read from its name; npm skips it on every other platform, and on the platform it
// names, installing fetches it as usual. Run after any `npm install`: node scripts/complete-lock.mjs
import { readFileSync, writeFileSync } from 'node:fs'

const OS = ['android', 'darwin', 'linux', 'win32', 'freebsd', 'openbsd', 'netbsd', 'sunos', 'aix']
const CPU = ['arm64', 'x64', 'ia32', 'arm', 'riscv64', 'ppc64', 's390x', 'loong64', 'mips64el']

/** Platform fields from a package name like `cli-linux-arm64-musl`, or null when it names none. */
function platformOf(name) {
  const base = name.split('/').pop()
  const parts = base.split('-')
  const os = parts.find((p) => OS.includes(p))
  const cpu = parts.find((p) => CPU.includes(p))
  if (!os || !cpu) return null
  const fields = { os: [os], cpu: [cpu] }
  if (parts.includes('musl')) fields.libc = ['musl']
  else if (parts.includes('gnu')) fields.libc = ['glibc']
  return fields
}

const lock = JSON.parse(readFileSync('package-lock.json', 'utf8'))
let added = 0
for (const [path, pkg] of Object.entries(lock.packages)) {
  for (const [dep, version] of Object.entries(pkg.optionalDependencies ?? {})) {
    const where = `${path ? `${path}/` : ''}node_modules/${dep}`
    if (lock.packages[where] || lock.packages[`node_modules/${dep}`]) continue
    const platform = platformOf(dep)
    if (!platform) continue
    lock.packages[`node_modules/${dep}`] = {
      version,
      ...(pkg.dev ? { dev: true } : {}),
      optional: true,
      ...platform,
    }
    added++
  }
}
if (added > 0) {
  lock.packages = Object.fromEntries(
    Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))),
  )
  writeFileSync('package-lock.json', `${JSON.stringify(lock, null, 2)}\n`)
}
process.stdout.write(`complete-lock: added ${added} platform entries\n`)
