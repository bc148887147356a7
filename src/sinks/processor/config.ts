// Settings of the processor sink: event time, lateness, sessions and checkpoints.
import { z } from 'zod'

/** Schema of a `processor` sink. */
export const processorSinkConfig = z.strictObject({
  path: z
    .string()
    .min(1)
    .optional()
    .describe(
      'Database file for sessions, rollups, late events and the checkpoint; default the store the API queries.',
    ),
  watermark_bound_ms: z
    .number()
    .int()
    .min(0)
    .default(5_000)
    .describe(
      "How far out of order events may arrive: a partition's watermark is the latest event time seen there minus this.",
    ),
  idle_timeout_ms: z
    .number()
    .int()
    .positive()
    .default(10_000)
    .describe(
      'A partition without events for this long (wall time) stops holding the watermark back, so a quiet partition does not stall windows and sessions.',
    ),
  allowed_lateness_ms: z
    .number()
    .int()
    .min(0)
    .default(300_000)
    .describe(
      'Events older than watermark minus this are late: counted (discarded, reason `late`) and kept in `late_events`, not added to sessions or rollups. Raise it to import history out of time order.',
    ),
  session_gap_ms: z.number().int().positive().default(1_800_000).describe('Inactivity that ends a session.'),
  session_max_ms: z
    .number()
    .int()
    .positive()
    .default(86_400_000)
    .describe('Longest session: an event this long after the session started begins a new one.'),
  bounce_engaged_ms: z
    .number()
    .int()
    .min(0)
    .default(10_000)
    .describe('A session with one page view and less engaged time than this is a bounce.'),
  checkpoint_interval_ms: z
    .number()
    .int()
    .positive()
    .default(1_000)
    .describe(
      'How often sessions, rollups and the state are written with the log position (one transaction) while the processor keeps up with the stream; the tables are this current.',
    ),
  checkpoint_max_interval_ms: z
    .number()
    .int()
    .positive()
    .default(10_000)
    .describe(
      'Longest interval between checkpoints while working through a backlog: when the events come in more than `checkpoint_interval_ms` after they were received, checkpoints come as often as that lag, up to this. The tables are at most about twice as far behind as the stream, and a backlog is worked off faster (a checkpoint costs per changed session, not per event).',
    ),
  checkpoint_max_events: z
    .number()
    .int()
    .positive()
    .default(500_000)
    .describe('Also checkpoint after this many events, which bounds what a restart reads again.'),
  reconcile_late_interval_ms: z
    .number()
    .int()
    .min(0)
    .default(10_000)
    .describe(
      "How often late events are folded into `sessions`: their visitors' sessions are rebuilt from the stored events once every session they touch is closed (history imported while live traffic flows arrives late). 0 turns it off. Only when the processor writes to the store the API queries (no `path`).",
    ),
})

/** Parsed `processor` sink settings. */
export type ProcessorSinkConfig = z.infer<typeof processorSinkConfig>
