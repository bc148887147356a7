// Writes a Parquet checkpoint of a snapshot (PROTOCOL.md "Checkpoints"): one row per action
// (protocol, metaData, txn, add, remove tombstones) in the struct columns Spark's checkpoints have,
// produced by DuckDB from JSON lines, then `_last_checkpoint`. Both are written under temp names and
// renamed, so a reader never sees half a checkpoint; a checkpoint is only a shortcut, so a failure
// here loses nothing.
import { randomUUID } from 'node:crypto'
import { rename, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import type { Action } from './actions.ts'
import { checkpointFileName } from './actions.ts'
import { writeDurably } from './commit.ts'
import type { Snapshot } from './delta-log.ts'
import { type ConnectionSource, sqlString, withConnection } from './parquet-io.ts'

const MAP = 'MAP(VARCHAR, VARCHAR)'
/** Column types of a checkpoint, as read_json should parse each action. */
const COLUMNS: Record<string, string> = {
  txn: 'STRUCT(appId VARCHAR, version BIGINT, lastUpdated BIGINT)',
  add: `STRUCT(path VARCHAR, partitionValues ${MAP}, size BIGINT, modificationTime BIGINT, dataChange BOOLEAN, stats VARCHAR, tags ${MAP})`,
  remove: `STRUCT(path VARCHAR, deletionTimestamp BIGINT, dataChange BOOLEAN, extendedFileMetadata BOOLEAN, partitionValues ${MAP}, size BIGINT)`,
  metaData: `STRUCT(id VARCHAR, name VARCHAR, description VARCHAR, format STRUCT(provider VARCHAR, options ${MAP}), schemaString VARCHAR, partitionColumns VARCHAR[], configuration ${MAP}, createdTime BIGINT)`,
  protocol: 'STRUCT(minReaderVersion INTEGER, minWriterVersion INTEGER)',
}

/** Writes the checkpoint of `snapshot` into `logDir`. */
export async function writeCheckpoint(
  db: ConnectionSource,
  logDir: string,
  snapshot: Snapshot,
): Promise<void> {
  const actions: Action[] = [{ protocol: snapshot.protocol }, { metaData: snapshot.metadata }]
  for (const txn of snapshot.txns.values()) actions.push({ txn })
  for (const add of snapshot.files.values()) actions.push({ add })
  for (const remove of snapshot.tombstones.values()) actions.push({ remove })
  const id = randomUUID()
  const jsonTmp = join(logDir, `.tmp-checkpoint-${id}.json`)
  const parquetTmp = join(logDir, `.tmp-checkpoint-${id}.parquet`)
  try {
    await writeDurably(jsonTmp, `${actions.map((a) => JSON.stringify(a)).join('\n')}\n`)
    const columns = Object.entries(COLUMNS)
      .map(([k, t]) => `${k}: '${t}'`)
      .join(', ')
    await withConnection(db, (conn) =>
      conn.run(
        `COPY (SELECT ${Object.keys(COLUMNS).join(', ')} FROM read_json(${sqlString(jsonTmp)}, format = 'newline_delimited', columns = {${columns}}))
         TO ${sqlString(parquetTmp)} (FORMAT parquet)`,
      ),
    )
    await rename(parquetTmp, join(logDir, checkpointFileName(snapshot.version)))
    const last = join(logDir, `.tmp-last-checkpoint-${id}`)
    await writeDurably(last, JSON.stringify({ version: snapshot.version, size: actions.length }))
    await rename(last, join(logDir, '_last_checkpoint'))
  } finally {
    await unlink(jsonTmp).catch(() => undefined)
    await unlink(parquetTmp).catch(() => undefined)
  }
}
