// Per-event outcomes: what a transform decided about one event. Outcomes are values, not exceptions.
import type { ClickEvent } from './event.ts'

/** The result of one transform step on one event. */
export type StepResult =
  | { readonly kind: 'pass' }
  | { readonly kind: 'ok'; readonly events: readonly ClickEvent[] }
  | { readonly kind: 'drop'; readonly reason: string }
  | { readonly kind: 'dead_letter'; readonly reason: string; readonly message: string }

const PASSED: StepResult = Object.freeze({ kind: 'pass' })

/**
 * The event passes on as it is (possibly changed in place): the common case, and one shared value,
 * where `ok(e)` allocates an array and a result per event and transform.
 */
export function pass(): StepResult {
  return PASSED
}

/** The event passes on (replaced by other events, or split into several). */
export function ok(...events: ClickEvent[]): StepResult {
  return { kind: 'ok', events }
}

/** The event is intentionally discarded; counted under `reason`. */
export function drop(reason: string): StepResult {
  return { kind: 'drop', reason }
}

/** The event is invalid; it goes to the dead-letter store with the reason and a readable message. */
export function deadLetter(reason: string, message: string): StepResult {
  return { kind: 'dead_letter', reason, message }
}
