// Runs one batch of log records through the transform graph: decodes envelopes, applies each
// transform in topological order, counts outcomes, and returns what each sink receives.
import type { Transform } from '../core/component.ts'
import { errorMessage } from '../core/errors.ts'
import type { ClickEvent, DeadLetter } from '../core/event.ts'
import { decodeEnvelope } from '../log/envelope.ts'
import { ALL_FIELDS, decodeEvent, type FieldMask, FORMAT_V1 } from '../log/event-codec.ts'
import type { LogRecord } from '../log/log.ts'
import type { ComponentMetrics } from '../telemetry/metrics.ts'

/** A transform in the graph. */
export interface TransformNode {
  readonly id: string
  readonly inputs: readonly string[]
  readonly transform: Transform
  readonly metrics: ComponentMetrics
}

/** A sink's place in the graph. */
export interface SinkNode {
  readonly id: string
  readonly inputs: readonly string[]
}

/** The outcome of one batch. */
export interface GraphOutput {
  /** Events per sink id. */
  readonly bySink: ReadonlyMap<string, ClickEvent[]>
  /** Dead letters: from sources (via the log) and from transforms. */
  readonly deadLetters: DeadLetter[]
  /** Events whose source no node reads. */
  readonly unrouted: number
}

/**
 * The events decoded from log records and their records, index for index. Two arrays rather than a
 * Map from event to record: a Map entry per event was a hash insertion here and a lookup in every
 * sink asking for a partition, on a table of one batch's size built anew for each batch.
 */
export interface DecodedRecords {
  readonly events: ClickEvent[]
  readonly records: LogRecord[]
}

/** Evaluates the graph on decoded records. `transforms` must be in topological order. */
export function evaluateGraph(
  records: readonly LogRecord[],
  transforms: readonly TransformNode[],
  sinks: readonly SinkNode[],
  sourceIds: ReadonlySet<string>,
  countMetrics: boolean,
  /** Filled with each decoded event and its log record, in decoding order, when given. */
  decoded?: DecodedRecords,
  /** The fields to decode (see Sink.fields): all unless every reader declared its own. */
  mask: FieldMask = ALL_FIELDS,
): GraphOutput {
  const outputs = new Map<string, ClickEvent[]>()
  for (const id of sourceIds) outputs.set(id, [])
  const deadLetters: DeadLetter[] = []
  let unrouted = 0
  // Consecutive events mostly come from one source: its list is looked up once per run of them.
  let lastSource = ''
  let lastList: ClickEvent[] | undefined
  for (const r of records) {
    let event: ClickEvent
    try {
      // A binary event (nearly every record) is decoded without the envelope object around it;
      // JSON records are dead letters and events of older versions (always decoded whole).
      if (r.value[0] === FORMAT_V1) event = decodeEvent(r.value, mask)
      else {
        const envelope = decodeEnvelope(r.value)
        if ('dead_letter' in envelope) {
          deadLetters.push(envelope.dead_letter)
          continue
        }
        event = envelope.event
      }
    } catch (err) {
      deadLetters.push({
        component_id: 'pipeline',
        reason: 'undecodable_record',
        message: `log record ${r.partition}/${r.offset} is not an event: ${errorMessage(err)}`,
        received_at: r.timestamp,
        payload: r.value.toString('utf8').slice(0, 64 * 1024),
      })
      continue
    }
    if (decoded) {
      decoded.events.push(event)
      decoded.records.push(r)
    }
    if (event.source_id !== lastSource || lastList === undefined) {
      lastSource = event.source_id
      lastList = outputs.get(lastSource)
    }
    if (lastList) lastList.push(event)
    else unrouted++
  }
  const gather = (inputs: readonly string[]): ClickEvent[] => {
    if (inputs.length === 1) return outputs.get(inputs[0]!) ?? []
    return inputs.flatMap((i) => outputs.get(i) ?? [])
  }
  for (const t of transforms) {
    const input = gather(t.inputs)
    const out: ClickEvent[] = []
    if (countMetrics) t.metrics.received(input.length)
    for (const e of input) {
      let result: ReturnType<Transform['apply']>
      try {
        result = t.transform.apply(e)
      } catch (err) {
        // A transform that throws on one event is a bug; keep the event where people can see it.
        if (countMetrics) t.metrics.error('transform_threw')
        result = { kind: 'dead_letter', reason: 'transform_failed', message: errorMessage(err) }
      }
      if (result.kind === 'pass') out.push(e)
      else if (result.kind === 'ok') {
        for (const x of result.events) out.push(x)
      } else {
        if (countMetrics) t.metrics.discarded(result.reason)
        if (result.kind === 'dead_letter') {
          deadLetters.push({
            component_id: t.id,
            reason: result.reason,
            message: result.message,
            received_at: e.received_at,
            payload: JSON.stringify(e),
          })
        }
      }
    }
    if (countMetrics) t.metrics.sent(out.length)
    outputs.set(t.id, out)
  }
  const bySink = new Map<string, ClickEvent[]>()
  for (const s of sinks) bySink.set(s.id, gather(s.inputs))
  return { bySink, deadLetters, unrouted }
}
