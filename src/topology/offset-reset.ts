// The consumer reset policy (log.offset_reset): what a consumer group does when its offset is no
// longer in the log. Kept apart from the pipeline so every consumer applies it the same way.
import type { OffsetOutOfRangeError } from '../core/errors.ts'
import type { OffsetResetPolicy } from '../log/log.ts'
import type { Logger } from '../telemetry/logger.ts'
import type { Metrics } from '../telemetry/metrics.ts'

/** Who is resetting, and where it reports. */
export interface ResetContext {
  readonly topic: string
  readonly group: string
  readonly policy: OffsetResetPolicy
  readonly logger: Logger
  readonly metrics?: Metrics
  /** False when the failure was already reported (a `fail` policy logs once, not every retry). */
  readonly report: boolean
}

/**
 * The offset to continue at after `err` (the oldest record kept for `earliest`, the end for
 * `latest`), logged as a warning with the records skipped and counted; null for `fail`.
 */
export function resetOffset(err: OffsetOutOfRangeError, c: ResetContext): number | null {
  const where = {
    topic: c.topic,
    group: c.group,
    partition: err.partition,
    offset: err.offset,
    start_offset: err.startOffset,
    end_offset: err.endOffset,
    policy: c.policy,
  }
  if (c.policy === 'fail') {
    if (c.report)
      c.logger.error(
        where,
        'consumer offset is out of the log and log.offset_reset is "fail": consuming stopped until the offset is reset',
      )
    return null
  }
  const target = c.policy === 'earliest' ? err.startOffset : err.endOffset
  const skipped = Math.max(0, target - err.offset)
  c.logger.warn(
    { ...where, reset_to: target, skipped_records: skipped },
    `consumer offset out of range: reset to the ${c.policy} offset ${target}; ${skipped} records were never read by this group`,
  )
  c.metrics?.logOffsetResets.inc({ topic: c.topic, group: c.group, policy: c.policy })
  c.metrics?.logOffsetResetSkippedRecords.inc({ topic: c.topic, group: c.group }, skipped)
  return target
}
