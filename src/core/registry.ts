// The registry of component types: the config loader looks types up here, the CLI lists them.
import type { ComponentKind, SinkSpec, SourceSpec, TransformSpec } from './component.ts'

/** Any component spec (config type erased). */
// biome-ignore lint/suspicious/noExplicitAny: specs of different config types live in one table
export type AnySpec = SourceSpec<any> | TransformSpec<any> | SinkSpec<any>

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
