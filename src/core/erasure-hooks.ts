// Components that hold personal data in memory (the processor's open sessions, the live view)
// register here to forget people when an erasure runs. The erasure calls every hook, and waits for
// it, before it deletes the stored rows: a component that kept a visitor's open session would
// otherwise write its row back at its next checkpoint.

/** Forgets the given visitor ids; resolves once that is durable where the component persists state. */
export type ErasureHook = (visitorIds: ReadonlySet<string>) => Promise<void>

/** The process's erasure hooks (processing role). */
export class ErasureHooks {
  readonly #hooks: ErasureHook[] = []

  add(hook: ErasureHook): void {
    this.#hooks.push(hook)
  }

  /** Runs every hook, one after another. */
  async run(visitorIds: ReadonlySet<string>): Promise<void> {
    for (const hook of this.#hooks) await hook(visitorIds)
  }
}
