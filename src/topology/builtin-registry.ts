// The component types that ship with clickflow.
import { Registry } from '../core/registry.ts'
import { duckdbSink } from '../sinks/duckdb/index.ts'
import { httpCollectorSource } from '../sources/http-collector/index.ts'
import { validateTransform } from '../transforms/validate/index.ts'

/** A registry holding every built-in source, transform and sink. */
export function builtinRegistry(): Registry {
  return new Registry().register(httpCollectorSource, validateTransform, duckdbSink)
}
