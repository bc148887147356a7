// The EventWriter `clickflow import` uses beside a running clickflow: each batch is POSTed to that
// process's admin listener (/api/import), whose answer comes once the batch is durable in its log.
// The admin URL is the one the running process wrote into the data directory.
import { readFile } from 'node:fs/promises'
import type { EventWriter } from '../core/component.ts'
import { ClickflowError } from '../core/errors.ts'
import type { ClickEvent, DeadLetter } from '../core/event.ts'
import { adminUrlFile } from '../topology/runtime.ts'

/** A writer that hands batches to the clickflow running on `dataDir`. */
export async function handoffWriter(dataDir: string, token: string | undefined): Promise<EventWriter> {
  let base: string
  try {
    base = (await readFile(adminUrlFile(dataDir), 'utf8')).trim()
  } catch {
    throw new ClickflowError(
      'data_dir_locked',
      `a clickflow holds ${dataDir} but has not published its admin URL yet; retry in a moment`,
    )
  }
  const post = async (events: readonly ClickEvent[], dead: readonly DeadLetter[]): Promise<void> => {
    let res: Response
    try {
      res = await fetch(`${base}/api/import`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify({ events, dead_letters: dead }),
      })
    } catch (err) {
      throw new ClickflowError('import_handoff_failed', `cannot reach the running clickflow at ${base}`, {
        cause: err,
      })
    }
    if (res.status !== 200) {
      throw new ClickflowError(
        'import_handoff_failed',
        `the running clickflow at ${base} refused the batch: ${res.status} ${await res.text()}`,
      )
    }
  }
  return {
    write: (events) => post(events, []),
    deadLetter: (items) => post([], items),
  }
}
