// Routes one batch of log records to the sinks, evaluating every record through the transform graph
// exactly once, also when some sinks already stored part of the batch before a crash (their stored
// position is ahead): records are grouped by which sinks still need them and each group is
// evaluated once. Evaluating a record twice would feed stateful transforms (dedupe) twice and make
// them flag the second pass as duplicates.
import type { ClickEvent, DeadLetter } from '../core/event.ts'
import { decodeEnvelope } from '../log/envelope.ts'
import { ALL_FIELDS, type FieldMask } from '../log/event-codec.ts'
import type { LogRecord, PartitionOffsets } from '../log/log.ts'
import { type DecodedRecords, evaluateGraph, type SinkNode, type TransformNode } from './graph-eval.ts'

/** What each sink gets from one batch. */
export interface RoutedBatch {
  readonly events: ReadonlyMap<string, ClickEvent[]>
  /** Dead letters of the records each sink still needs (whether it keeps them is the caller's call). */
  readonly deadLetters: ReadonlyMap<string, DeadLetter[]>
  /** Every dead letter of the batch, once. */
  readonly allDeadLetters: readonly DeadLetter[]
  readonly unrouted: number
  /**
   * The log partitions of a sink's events, index for index with `events.get(sinkId)` (-1 for
   * events a transform created); computed on the first call for that sink.
   */
  readonly partitions: (sinkId: string) => Int32Array
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
  const groups = new Map<string, { sinks: readonly string[]; records: readonly LogRecord[] }>()
  // Usually no sink is ahead: one group of everything, without a per-record filter and key.
  if (skips.size === 0) groups.set('', { sinks: sinks.map((s) => s.id), records })
  else {
    const lists = new Map<string, { sinks: string[]; records: LogRecord[] }>()
    for (const r of records) {
      const needs = sinks.filter((s) => r.offset >= (skips.get(s.id)?.[r.partition] ?? 0)).map((s) => s.id)
      const key = needs.join('\u0000')
      let g = lists.get(key)
      if (!g) {
        g = { sinks: needs, records: [] }
        lists.set(key, g)
      }
      g.records.push(r)
    }
    for (const [key, g] of lists) groups.set(key, g)
  }
  const events = new Map<string, ClickEvent[]>()
  const deadLetters = new Map<string, DeadLetter[]>()
  const allDeadLetters: DeadLetter[] = []
  let unrouted = 0
  const decoded: DecodedRecords = { events: [], records: [] }
  const [first] = groups.values()
  if (groups.size === 1 && first!.sinks.length === sinks.length) {
    // Every sink needs every record: each gets the graph's own list (sinks take them read-only).
    const out = evaluateGraph(first!.records, transforms, sinks, sourceIds, true, decoded, mask)
    unrouted = out.unrouted
    for (const d of out.deadLetters) allDeadLetters.push(d)
    for (const s of sinks) {
      events.set(s.id, out.bySink.get(s.id) ?? [])
      deadLetters.set(s.id, out.deadLetters)
    }
  } else {
    for (const s of sinks) {
      events.set(s.id, [])
      deadLetters.set(s.id, [])
    }
    for (const g of groups.values()) {
      const out = evaluateGraph(g.records, transforms, sinks, sourceIds, true, decoded, mask)
      unrouted += out.unrouted
      for (const d of out.deadLetters) allDeadLetters.push(d)
      for (const id of g.sinks) {
        for (const e of out.bySink.get(id) ?? []) events.get(id)!.push(e)
        for (const d of out.deadLetters) deadLetters.get(id)!.push(d)
      }
    }
  }
  // The decoded index of an event, through a Map built only when an event is looked up alone
  // (complete() of a late event or a refused batch, a sink's list out of decoding order).
  let indexOf: Map<ClickEvent, number> | null = null
  const lookup = (e: ClickEvent): number => {
    if (indexOf === null) {
      indexOf = new Map()
      for (let i = 0; i < decoded.events.length; i++)
        if (!indexOf.has(decoded.events[i]!)) indexOf.set(decoded.events[i]!, i)
    }
    return indexOf.get(e) ?? -1
  }
  const partitionsBySink = new Map<string, Int32Array>()
  const partitions = (sinkId: string): Int32Array => {
    let out = partitionsBySink.get(sinkId)
    if (out !== undefined) return out
    const list = events.get(sinkId) ?? []
    out = new Int32Array(list.length)
    // A sink's events are its sources' decoded events in decoding order, unless transforms made
    // new ones or the sink reads several inputs: one forward walk matches them, and the first event
    // it cannot match sends the rest through the lookup.
    const all = decoded.events
    let j = 0
    let i = 0
    for (; i < list.length; i++, j++) {
      const e = list[i]!
      while (j < all.length && all[j] !== e) j++
      if (j === all.length) break
      out[i] = decoded.records[j]!.partition
    }
    for (; i < list.length; i++) {
      const k = lookup(list[i]!)
      out[i] = k < 0 ? -1 : decoded.records[k]!.partition
    }
    partitionsBySink.set(sinkId, out)
    return out
  }
  const complete = (e: ClickEvent): ClickEvent => {
    if (mask === ALL_FIELDS) return e
    const k = lookup(e)
    if (k < 0) return e
    const envelope = decodeEnvelope(decoded.records[k]!.value)
    return 'event' in envelope ? envelope.event : e
  }
  return {
    events,
    deadLetters,
    allDeadLetters,
    unrouted,
    partitions,
    complete,
  }
}
