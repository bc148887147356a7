// Vacuum (PROTOCOL.md: tombstones are kept so readers of recent versions still find their files):
// deletes data files that the newest version does not reference and that were removed, or left
// unreferenced by a write that never committed, longer ago than the retention period. Stale temp
// files of the log go too. Commits and checkpoints are kept.
import { readdir, stat, unlink } from 'node:fs/promises'
import { join, relative } from 'node:path'
import type { Snapshot } from './delta-log.ts'

/** The outcome of a vacuum. */
export interface VacuumResult {
  readonly files_deleted: number
  readonly bytes_deleted: number
  readonly files_kept: number
}

/** Every file under a table's root but its log, as absolute paths. */
export function listDataFiles(root: string): Promise<string[]> {
  return walk(root, [])
}

async function walk(dir: string, out: string[]): Promise<string[]> {
  let entries: import('node:fs').Dirent[]
  try {
    entries = await readdir(dir, { withFileTypes: true })
  } catch {
    return out
  }
  for (const e of entries) {
    const p = join(dir, e.name)
    if (e.isDirectory()) {
      if (e.name !== '_delta_log') await walk(p, out)
    } else out.push(p)
  }
  return out
}

/** Vacuums the table at `root` given its newest snapshot (null: no commit yet). */
export async function vacuumTable(
  root: string,
  snapshot: Snapshot | null,
  retentionMs: number,
  now: number,
): Promise<VacuumResult> {
  const horizon = now - retentionMs
  const keep = new Set<string>(snapshot ? snapshot.files.keys() : [])
  for (const [p, r] of snapshot?.tombstones ?? []) {
    if ((r.deletionTimestamp ?? 0) > horizon) keep.add(p)
  }
  let deleted = 0
  let bytes = 0
  let kept = 0
  for (const abs of await walk(root, [])) {
    const rel = relative(root, abs)
    const st = await stat(abs).catch(() => null)
    if (!st) continue
    // A file younger than the horizon may belong to a write that is about to commit.
    if (keep.has(rel) || st.mtimeMs > horizon) {
      kept++
      continue
    }
    await unlink(abs)
    deleted++
    bytes += st.size
  }
  const logDir = join(root, '_delta_log')
  for (const name of await readdir(logDir).catch(() => [] as string[])) {
    if (!name.startsWith('.tmp-')) continue
    const st = await stat(join(logDir, name)).catch(() => null)
    if (st && st.mtimeMs < now - 3600_000) await unlink(join(logDir, name)).catch(() => undefined)
  }
  return { files_deleted: deleted, bytes_deleted: bytes, files_kept: kept }
}
