// The component types that ship with clickflow. Each is registered by its head (type, description,
// config schema: cheap to import, all a config needs to be validated and documented); its code is
// imported when a component of that type is first built (lazySpec). So a process loads only what
// it runs: the collector's process in `runtime.processing: process` builds the sources alone and
// never loads DuckDB's native library, the stream processor or the transforms' databases; `clickflow
// validate` and `config components` load no component code at all.
import { lazySpec, Registry } from '../core/registry.ts'
import { liveSinkConfig } from '../live/config.ts'
import { duckdbSinkConfig } from '../sinks/duckdb/config.ts'
import { processorSinkConfig } from '../sinks/processor/config.ts'
import { fileTailConfig } from '../sources/file-tail/config.ts'
import { httpCollectorConfig } from '../sources/http-collector/config.ts'
import { anonymizeIpConfig } from '../transforms/anonymize-ip/config.ts'
import { dedupeConfig } from '../transforms/dedupe/config.ts'
import { enrichGeoConfig } from '../transforms/enrich-geo/config.ts'
import { enrichReferrerConfig } from '../transforms/enrich-referrer/config.ts'
import { enrichUserAgentConfig } from '../transforms/enrich-user-agent/config.ts'
import { validateConfig } from '../transforms/validate/config.ts'

/** The built-in specs, each with its head here and its code behind a dynamic import. */
export const BUILTIN_SPECS = [
  lazySpec(
    {
      kind: 'source',
      type: 'http_collector',
      description:
        'HTTP endpoint for browsers and servers (POST /collect); acknowledges once events are in the durable log.',
      config: httpCollectorConfig,
    },
    async () => (await import('../sources/http-collector/index.ts')).httpCollectorSource,
  ),
  lazySpec(
    {
      kind: 'source',
      type: 'file_tail',
      description:
        'Tails log files (directory + glob), survives rotation, and remembers positions once lines are in the durable log.',
      config: fileTailConfig,
    },
    async () => (await import('../sources/file-tail/index.ts')).fileTailSource,
  ),
  lazySpec(
    {
      kind: 'transform',
      type: 'validate',
      description:
        'Checks each event against the contract; invalid ones go to the dead-letter store with the reason.',
      config: validateConfig,
    },
    async () => (await import('../transforms/validate/index.ts')).validateTransform,
  ),
  lazySpec(
    {
      kind: 'transform',
      type: 'dedupe',
      description: 'Flags events whose event id was seen recently (bounded memory) as duplicates.',
      config: dedupeConfig,
    },
    async () => (await import('../transforms/dedupe/index.ts')).dedupeTransform,
  ),
  lazySpec(
    {
      kind: 'transform',
      type: 'enrich_user_agent',
      description: 'Browser, version, OS and device type from the user agent; flags bots.',
      config: enrichUserAgentConfig,
    },
    async () => (await import('../transforms/enrich-user-agent/index.ts')).enrichUserAgentTransform,
  ),
  lazySpec(
    {
      kind: 'transform',
      type: 'enrich_geo',
      description:
        'Country (and region, city with a city database) from the client IP, read from an MMDB file.',
      config: enrichGeoConfig,
    },
    async () => (await import('../transforms/enrich-geo/index.ts')).enrichGeoTransform,
  ),
  lazySpec(
    {
      kind: 'transform',
      type: 'enrich_referrer',
      description:
        'Referrer host and acquisition channel (direct, search, social, email, paid, referral, internal).',
      config: enrichReferrerConfig,
    },
    async () => (await import('../transforms/enrich-referrer/index.ts')).enrichReferrerTransform,
  ),
  lazySpec(
    {
      kind: 'transform',
      type: 'anonymize_ip',
      description:
        'Truncates (or drops) the client IP before storage; runs after the transforms that need it.',
      config: anonymizeIpConfig,
    },
    async () => (await import('../transforms/anonymize-ip/index.ts')).anonymizeIpTransform,
  ),
  lazySpec(
    {
      kind: 'sink',
      type: 'duckdb',
      description:
        'Stores events (and dead letters) in DuckDB, exactly once, where the API and SQL read them.',
      config: duckdbSinkConfig,
    },
    async () => (await import('../sinks/duckdb/index.ts')).duckdbSink,
  ),
  lazySpec(
    {
      kind: 'sink',
      type: 'live',
      description:
        'Live metrics updated every second (GET /api/live, Server-Sent Events) and alert rules with webhooks (GET /api/alerts).',
      config: liveSinkConfig,
    },
    async () => (await import('../live/index.ts')).liveSink,
  ),
  lazySpec(
    {
      kind: 'sink',
      type: 'processor',
      description:
        'Stream processor: event-time watermarks, sessions and per-minute rollups, checkpointed with the log position (exactly once).',
      config: processorSinkConfig,
    },
    async () => (await import('../sinks/processor/index.ts')).processorSink,
  ),
]

/** A registry holding every built-in source, transform and sink. */
export function builtinRegistry(): Registry {
  return new Registry().register(...BUILTIN_SPECS)
}
