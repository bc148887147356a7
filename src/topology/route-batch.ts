// Routes one batch of log records to the sinks, evaluating every record through the transform graph
// exactly once, also when some sinks already stored part of the batch before a crash (their stored
// position is ahead): records are grouped by which sinks still need them and each group is
// evaluated once. Evaluating a record twice would feed stateful transforms (dedupe) twice and make
// them flag the second pass as duplicates.
import type { ClickEvent, DeadLetter } from '../core/event.ts'
import { decodeEnvelope } from '../log/envelope.ts'
import { ALL_FIELDS, type FieldMask } from '../log/event-codec.ts'
import type { LogRecord, PartitionOffsets } from '../log/log.ts'
import { evaluateGraph, type SinkNode, type TransformNode } from './graph-eval.ts'

/** What each sink gets from one batch. */
export interface RoutedBatch {
  readonly events: ReadonlyMap<string, ClickEvent[]>
  /** Dead letters of the records each sink still needs (whether it keeps them is the caller's call). */
  readonly deadLetters: ReadonlyMap<string, DeadLetter[]>
  /** Every dead letter of the batch, once. */
  readonly allDeadLetters: readonly DeadLetter[]
  readonly unrouted: number
  /** The log partition of each event (-1 for events a transform created). */
  readonly partitionOf: (event: ClickEvent) => number
  /**
   * The event with every field, when the batch was decoded with a mask (the event itself when it
   * was decoded whole or a transform created it).
   */
  readonly complete: (event: ClickEvent) => ClickEvent
}

/**
 * Evaluates `records` once and routes the results; `skips` holds, per sink, the offsets below which
 * it already stored the records.
 */
export function routeBatch(
  records: readonly LogRecord[],
  transforms: readonly TransformNode[],
  sinks: readonly SinkNode[],
  sourceIds: ReadonlySet<string>,
  skips: ReadonlyMap<string, PartitionOffsets>,
  mask: FieldMask = ALL_FIELDS,
): RoutedBatch {
  // Group records by the set of sinks that still need them (one group when nothing is skipped).
  const groups = new Map<string, { sinks: string[]; records: LogRecord[] }>()
  // Usually no sink is ahead: one group of everything, without a per-record filter and key.
  if (skips.size === 0) groups.set('', { sinks: sinks.map((s) => s.id), records: [...records] })
  else
    for (const r of records) {
      const needs = sinks.filter((s) => r.offset >= (skips.get(s.id)?.[r.partition] ?? 0)).map((s) => s.id)
      const key = needs.join('\u0000')
      let g = groups.get(key)
      if (!g) {
        g = { sinks: needs, records: [] }
        groups.set(key, g)
      }
      g.records.push(r)
    }
  const events = new Map<string, ClickEvent[]>(sinks.map((s) => [s.id, []]))
  const deadLetters = new Map<string, DeadLetter[]>(sinks.map((s) => [s.id, []]))
  const allDeadLetters: DeadLetter[] = []
  let unrouted = 0
  const recordOf = new Map<ClickEvent, LogRecord>()
  for (const g of groups.values()) {
    const out = evaluateGraph(g.records, transforms, sinks, sourceIds, true, recordOf, mask)
    unrouted += out.unrouted
    for (const d of out.deadLetters) allDeadLetters.push(d)
    for (const id of g.sinks) {
      for (const e of out.bySink.get(id) ?? []) events.get(id)!.push(e)
      for (const d of out.deadLetters) deadLetters.get(id)!.push(d)
    }
  }
  const complete = (e: ClickEvent): ClickEvent => {
    const r = mask === ALL_FIELDS ? undefined : recordOf.get(e)
    if (r === undefined) return e
    const envelope = decodeEnvelope(r.value)
    return 'event' in envelope ? envelope.event : e
  }
  return {
    events,
    deadLetters,
    allDeadLetters,
    unrouted,
    partitionOf: (e) => recordOf.get(e)?.partition ?? -1,
    complete,
  }
}
