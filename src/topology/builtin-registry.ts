// The component types that ship with clickflow.
import { Registry } from '../core/registry.ts'
import { liveSink } from '../live/index.ts'
import { duckdbSink } from '../sinks/duckdb/index.ts'
import { processorSink } from '../sinks/processor/index.ts'
import { fileTailSource } from '../sources/file-tail/index.ts'
import { httpCollectorSource } from '../sources/http-collector/index.ts'
import { anonymizeIpTransform } from '../transforms/anonymize-ip/index.ts'
import { dedupeTransform } from '../transforms/dedupe/index.ts'
import { enrichGeoTransform } from '../transforms/enrich-geo/index.ts'
import { enrichReferrerTransform } from '../transforms/enrich-referrer/index.ts'
import { enrichUserAgentTransform } from '../transforms/enrich-user-agent/index.ts'
import { validateTransform } from '../transforms/validate/index.ts'

/** A registry holding every built-in source, transform and sink. */
export function builtinRegistry(): Registry {
  return new Registry().register(
    httpCollectorSource,
    fileTailSource,
    validateTransform,
    dedupeTransform,
    enrichUserAgentTransform,
    enrichGeoTransform,
    enrichReferrerTransform,
    anonymizeIpTransform,
    duckdbSink,
    liveSink,
    processorSink,
  )
}
