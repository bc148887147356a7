// Test fixture run as a child process by lake-cli.test.ts: adds five events to a day of a data
// directory's store, exports that day and SIGKILLs itself at a critical point of the commit (after the data files, or after the
// commit's temp file), the way a power cut or kill -9 would stop a real export.
// Usage: tsx src/lake/crash-fixture.ts <data_dir> <day> afterDataFiles|afterTempCommit
import { join } from 'node:path'
import { openDatabase } from '../store/duckdb/database.ts'
import { createLogger } from '../telemetry/logger.ts'
import { Lake } from './lake.ts'

const [dataDir, day, point] = process.argv.slice(2)
if (!dataDir || !day || (point !== 'afterDataFiles' && point !== 'afterTempCommit')) {
  process.stderr.write('usage: crash-fixture.ts <data_dir> <day> afterDataFiles|afterTempCommit\n')
  process.exit(2)
}
const db = await openDatabase(join(dataDir, 'store', 'clickflow.duckdb'), {
  memoryLimit: '512MB',
  allowedDirectories: [join(dataDir, 'lake')],
})
// Events that arrived since the last export, so this export has a file to write.
const conn = await db.connect()
await conn.run(
  `INSERT INTO events (event_id, event_type, event_time, received_at, source_id, visitor_id, is_bot, is_duplicate, is_corrupt)
   SELECT 'crash-${point}-' || i, 'page_view', TIMESTAMP '${day} 12:00:00' + i * INTERVAL 1 SECOND, now()::TIMESTAMP, 'test', 'crash-visitor', false, false, false
   FROM range(5) t(i)`,
)
// As the duckdb sink would, the store's log position moves with the rows it stored.
await conn.run(
  `INSERT INTO clickflow_sink_positions VALUES ('crash_fixture', 'events', 0, 5)
   ON CONFLICT DO UPDATE SET next_offset = clickflow_sink_positions.next_offset + 5`,
)
conn.closeSync()
const die = () => {
  process.stderr.write(`killing myself ${point}\n`)
  process.kill(process.pid, 'SIGKILL')
}
const lake = new Lake({ dataDir, db, log: createLogger({ level: 'silent' }), faults: { [point]: die } })
await lake.export({ day })
process.stderr.write('export finished: the fault point was never reached\n')
process.exit(1)
