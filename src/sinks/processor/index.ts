// The processor sink: the stream processor (watermarks, sessions, per-minute rollups) as a sink.
import type { SinkSpec } from '../../core/component.ts'
import { EVENTS_TOPIC } from '../../log/envelope.ts'
import { CheckpointStore } from '../../processor/checkpoint-store.ts'
import { type ProcessorSinkConfig, processorSinkConfig } from './config.ts'
import { ProcessorSink } from './sink.ts'

/** Spec of the `processor` sink. */
export const processorSink: SinkSpec<ProcessorSinkConfig> = {
  kind: 'sink',
  type: 'processor',
  description:
    'Stream processor: event-time watermarks, sessions and per-minute rollups, checkpointed with the log position (exactly once).',
  config: processorSinkConfig,
  build: async (config, ctx) => {
    const db = await ctx.openDuckdb(config.path)
    const conn = await db.connect()
    const store = new CheckpointStore(conn, ctx.id)
    const sink = new ProcessorSink(config, ctx, db, conn, store)
    await sink.restore(EVENTS_TOPIC)
    return sink
  },
}
