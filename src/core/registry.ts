// The registry of component types: the config loader looks types up here, the CLI lists them.
import type { ComponentKind, ComponentSpec, SinkSpec, SourceSpec, TransformSpec } from './component.ts'

/** Any component spec (config type erased). */
// biome-ignore lint/suspicious/noExplicitAny: specs of different config types live in one table
export type AnySpec = SourceSpec<any> | TransformSpec<any> | SinkSpec<any>

/** What a spec is without its code: enough to validate a config, list the type and document it. */
export type SpecHead<K extends ComponentKind, C, R> = Omit<ComponentSpec<K, C, R>, 'build'>

/**
 * A spec whose build code (and whatever that imports: DuckDB's native library, the stream
 * processor, parsers) is imported on its first build. A process loads the code of the components
 * its config uses and that it builds: the collector's process in `runtime.processing: process`
 * builds only the sources and must not carry the processing side's code and native libraries.
 * `load` must resolve to the spec `head` describes (builtin-registry.test.ts checks each).
 */
export function lazySpec<K extends ComponentKind, C, R>(
  head: SpecHead<K, C, R>,
  load: () => Promise<ComponentSpec<K, C, R>>,
): ComponentSpec<K, C, R> {
  let loading: Promise<ComponentSpec<K, C, R>> | null = null
  return {
    ...head,
    build: async (config, ctx) => {
      loading ??= load()
      return (await loading).build(config, ctx)
    },
  }
}

/** Component types by kind and type name. */
export class Registry {
  readonly #specs = new Map<ComponentKind, Map<string, AnySpec>>([
    ['source', new Map()],
    ['transform', new Map()],
    ['sink', new Map()],
  ])

  /** Adds specs; a type registered twice for one kind is a programming error. */
  register(...specs: AnySpec[]): this {
    for (const spec of specs) {
      const byType = this.#specs.get(spec.kind)!
      if (byType.has(spec.type)) throw new Error(`${spec.kind} type "${spec.type}" is registered twice`)
      byType.set(spec.type, spec)
    }
    return this
  }

  /** The spec of a type, if registered. */
  get(kind: ComponentKind, type: string): AnySpec | undefined {
    return this.#specs.get(kind)!.get(type)
  }

  /** All registered specs of a kind, sorted by type. */
  list(kind: ComponentKind): AnySpec[] {
    return [...this.#specs.get(kind)!.values()].sort((a, b) => a.type.localeCompare(b.type))
  }
}
