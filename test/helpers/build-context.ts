// BuildContexts for tests that build components directly (no runtime): silent logs, a private
// metrics registry, the system clock unless given, and no store unless a test supplies one.
import type { Clock } from '../../src/core/clock.ts'
import { systemClock } from '../../src/core/clock.ts'
import type { BuildContext, ComponentKind, Sink, Source } from '../../src/core/component.ts'
import { duckdbSink } from '../../src/sinks/duckdb/index.ts'
import { httpCollectorSource } from '../../src/sources/http-collector/index.ts'
import { type Database, openDatabase } from '../../src/store/duckdb/database.ts'
import { createLogger } from '../../src/telemetry/logger.ts'
import { Metrics } from '../../src/telemetry/metrics.ts'

/** What a test may set; everything else gets a harmless default. */
export interface TestContextOptions {
  readonly id?: string
  readonly type: string
  readonly kind: ComponentKind
  readonly clock?: Clock
  readonly dataDir?: string
  readonly openDuckdb?: (path?: string) => Promise<Database>
  readonly metrics?: Metrics
}

/** A BuildContext for one component under test. */
export function testContext(o: TestContextOptions): BuildContext {
  const id = o.id ?? o.type
  const metrics = o.metrics ?? new Metrics({ defaultMetrics: false })
  return {
    id,
    type: o.type,
    log: createLogger({ level: 'silent' }),
    metrics: metrics.component(id, o.type, o.kind),
    registry: metrics,
    clock: o.clock ?? systemClock,
    dataDir: o.dataDir ?? '/nonexistent',
    openDuckdb: o.openDuckdb ?? (() => Promise.reject(new Error('this test has no store'))),
  }
}

/** Builds an http_collector on 127.0.0.1 and a free port with `config` over the defaults (not started). */
export function buildTestCollector(config: Record<string, unknown> = {}, dataDir?: string): Promise<Source> {
  return httpCollectorSource.build(
    httpCollectorSource.config.parse({ host: '127.0.0.1', port: 0, ...config }),
    testContext({ id: 'collector', type: 'http_collector', kind: 'source', dataDir }),
  )
}

/** Builds a duckdb sink (id `store`) over the database file at `path`, with a test-sized memory limit. */
export function buildTestDuckdbSink(
  path: string,
  options: { clock?: Clock; dataDir?: string } = {},
): Promise<Sink> {
  return duckdbSink.build(
    duckdbSink.config.parse({}),
    testContext({
      id: 'store',
      type: 'duckdb',
      kind: 'sink',
      clock: options.clock,
      dataDir: options.dataDir,
      openDuckdb: (p?: string) => openDatabase(p ?? path, { memoryLimit: '256MB', allowedDirectories: [] }),
    }),
  )
}
