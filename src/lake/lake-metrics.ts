// Prometheus metrics of the lake, erasure and retention, registered on the process registry.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client'

/** The families the lake and its scheduled jobs update. */
export class LakeMetrics {
  readonly commits: Counter<'operation'>
  readonly rowsWritten: Counter<'operation'>
  readonly filesDeleted: Counter<'reason'>
  readonly seconds: Histogram<'operation'>
  readonly failures: Counter<'operation'>
  readonly version: Gauge
  readonly liveFiles: Gauge
  readonly erasures: Counter<'subject_kind'>
  readonly erasedRows: Counter<'table'>
  readonly retentionRows: Counter<'table'>

  constructor(registry: Registry) {
    const registers = [registry]
    this.commits = new Counter({
      name: 'clickflow_lake_commits_total',
      help: 'Versions committed to the lake table, by operation (WRITE, OPTIMIZE, DELETE).',
      labelNames: ['operation'],
      registers,
    })
    this.rowsWritten = new Counter({
      name: 'clickflow_lake_rows_written_total',
      help: 'Rows written into new lake files, by operation.',
      labelNames: ['operation'],
      registers,
    })
    this.filesDeleted = new Counter({
      name: 'clickflow_lake_files_deleted_total',
      help: 'Files physically deleted from the lake (vacuum, erasure purge).',
      labelNames: ['reason'],
      registers,
    })
    this.seconds = new Histogram({
      name: 'clickflow_lake_operation_seconds',
      help: 'Duration of lake operations.',
      labelNames: ['operation'],
      buckets: [0.05, 0.1, 0.5, 1, 5, 15, 60, 300],
      registers,
    })
    this.failures = new Counter({
      name: 'clickflow_lake_failures_total',
      help: 'Lake operations (export, compact, vacuum, erase, retention) that failed.',
      labelNames: ['operation'],
      registers,
    })
    this.version = new Gauge({
      name: 'clickflow_lake_version',
      help: 'Newest version of the lake table.',
      registers,
    })
    this.liveFiles = new Gauge({
      name: 'clickflow_lake_files',
      help: 'Data files in the newest version of the lake table.',
      registers,
    })
    this.erasures = new Counter({
      name: 'clickflow_erasures_total',
      help: 'Erasure requests carried out, by subject kind (visitor, user).',
      labelNames: ['subject_kind'],
      registers,
    })
    this.erasedRows = new Counter({
      name: 'clickflow_erased_rows_total',
      help: 'Rows removed by erasure requests, by table (lake counts rows removed from current files).',
      labelNames: ['table'],
      registers,
    })
    this.retentionRows = new Counter({
      name: 'clickflow_retention_deleted_rows_total',
      help: 'Rows deleted from the store for being older than the retention period, by table.',
      labelNames: ['table'],
      registers,
    })
  }
}
