// Prometheus metrics. Every component counts received / sent / discarded (by reason) / errors,
// labelled by its id, type and kind, so one dashboard query covers all components.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'

/** The counters a component updates; obtained from {@link Metrics.component}. */
export interface ComponentMetrics {
  received(n?: number): void
  sent(n?: number): void
  discarded(reason: string, n?: number): void
  error(code: string): void
}

/** The process-wide metrics registry and the shared metric families. */
export class Metrics {
  readonly registry = new Registry()
  readonly #received: Counter<'component_id' | 'component_type' | 'component_kind'>
  readonly #sent: Counter<'component_id' | 'component_type' | 'component_kind'>
  readonly #discarded: Counter<'component_id' | 'component_type' | 'component_kind' | 'reason'>
  readonly #errors: Counter<'component_id' | 'component_type' | 'component_kind' | 'code'>
  /** HTTP requests answered, by listener, route and status. */
  readonly httpRequests: Counter<'listener' | 'route' | 'status'>
  /** Log append latency from request to fsync'd acknowledgement. */
  readonly logAppendSeconds: Histogram<'topic'>
  /** Records and bytes appended to the log. */
  readonly logAppendedRecords: Counter<'topic'>
  readonly logAppendedBytes: Counter<'topic'>
  /** Records between a consumer group's committed offset and the log end. */
  readonly consumerLag: Gauge<'topic' | 'group'>
  /** Duration of the parallel write + fdatasync of one group-commit cycle. */
  readonly logFsyncSeconds: Histogram<string>
  /** Segments and bytes deleted by retention, by reason (age, size). */
  readonly logRetentionDeletedSegments: Counter<'topic' | 'reason'>
  readonly logRetentionDeletedBytes: Counter<'topic' | 'reason'>
  /** Consumer offsets reset because they fell out of the log, and the records that skipped. */
  readonly logOffsetResets: Counter<'topic' | 'group' | 'policy'>
  readonly logOffsetResetSkippedRecords: Counter<'topic' | 'group'>

  constructor(options: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry]
    const labels = ['component_id', 'component_type', 'component_kind'] as const
    this.#received = new Counter({
      name: 'clickflow_component_received_events_total',
      help: 'Events a component took in.',
      labelNames: labels,
      registers,
    })
    this.#sent = new Counter({
      name: 'clickflow_component_sent_events_total',
      help: 'Events a component passed on or stored.',
      labelNames: labels,
      registers,
    })
    this.#discarded = new Counter({
      name: 'clickflow_component_discarded_events_total',
      help: 'Events or requests a component refused, dropped or dead-lettered, by reason.',
      labelNames: [...labels, 'reason'],
      registers,
    })
    this.#errors = new Counter({
      name: 'clickflow_component_errors_total',
      help: 'Infrastructure errors inside a component, by code.',
      labelNames: [...labels, 'code'],
      registers,
    })
    this.httpRequests = new Counter({
      name: 'clickflow_http_requests_total',
      help: 'HTTP requests answered, by listener, route and status code.',
      labelNames: ['listener', 'route', 'status'],
      registers,
    })
    this.logAppendSeconds = new Histogram({
      name: 'clickflow_log_append_seconds',
      help: 'Time from an append request to its fsync acknowledgement.',
      labelNames: ['topic'],
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1],
      registers,
    })
    this.logAppendedRecords = new Counter({
      name: 'clickflow_log_appended_records_total',
      help: 'Records appended durably to the log.',
      labelNames: ['topic'],
      registers,
    })
    this.logAppendedBytes = new Counter({
      name: 'clickflow_log_appended_bytes_total',
      help: 'Bytes appended durably to the log.',
      labelNames: ['topic'],
      registers,
    })
    this.consumerLag = new Gauge({
      name: 'clickflow_log_consumer_lag_records',
      help: 'Records between the committed offset of a consumer group and the end of the log.',
      labelNames: ['topic', 'group'],
      registers,
    })
    this.logFsyncSeconds = new Histogram({
      name: 'clickflow_log_fsync_seconds',
      help: 'Time of the durable writes of one group-commit cycle, all partitions in parallel (O_DSYNC writes, or write + fdatasync where the platform has no O_DSYNC).',
      buckets: [0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1],
      registers,
    })
    this.logRetentionDeletedSegments = new Counter({
      name: 'clickflow_log_retention_deleted_segments_total',
      help: 'Log segments deleted by retention, by reason (age or size).',
      labelNames: ['topic', 'reason'],
      registers,
    })
    this.logRetentionDeletedBytes = new Counter({
      name: 'clickflow_log_retention_deleted_bytes_total',
      help: 'Bytes of log segments deleted by retention, by reason (age or size).',
      labelNames: ['topic', 'reason'],
      registers,
    })
    this.logOffsetResets = new Counter({
      name: 'clickflow_log_offset_resets_total',
      help: 'Times a consumer group offset was out of the log and reset by the reset policy.',
      labelNames: ['topic', 'group', 'policy'],
      registers,
    })
    this.logOffsetResetSkippedRecords = new Counter({
      name: 'clickflow_log_offset_reset_skipped_records_total',
      help: 'Records a consumer group never read because its offset was reset past them.',
      labelNames: ['topic', 'group'],
      registers,
    })
    if (options.defaultMetrics !== false)
      collectDefaultMetrics({ register: this.registry, prefix: 'clickflow_' })
  }

  /** The counters of one component. */
  component(id: string, type: string, kind: string): ComponentMetrics {
    const l = { component_id: id, component_type: type, component_kind: kind }
    const received = this.#received.labels(l)
    const sent = this.#sent.labels(l)
    // Touch the children so a component's series exist (at 0) from the start.
    received.inc(0)
    sent.inc(0)
    // Labelled children are looked up once per reason: label lookups cost on hot paths.
    const discarded = new Map<string, { inc(n: number): void }>()
    return {
      received: (n = 1) => received.inc(n),
      sent: (n = 1) => sent.inc(n),
      discarded: (reason, n = 1) => {
        let c = discarded.get(reason)
        if (!c) {
          c = this.#discarded.labels({ ...l, reason })
          discarded.set(reason, c)
        }
        c.inc(n)
      },
      error: (code) => this.#errors.inc({ ...l, code }),
    }
  }

  /** Counts one answered request of a listener (children cached per route and status). */
  httpRequestCounter(listener: string): (route: string, status: number) => void {
    const children = new Map<string, { inc(): void }>()
    return (route, status) => {
      const key = `${route} ${status}`
      let c = children.get(key)
      if (!c) {
        c = this.httpRequests.labels({ listener, route, status: String(status) })
        children.set(key, c)
      }
      c.inc()
    }
  }

  /** The exposition text for `/metrics`. */
  async text(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() }
  }
}
