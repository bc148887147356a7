// The state machine of one alert rule, pure: given the value at an evaluation, the levels and the
// clock, it says whether the rule fires, recovers or stays. Hold time (`for`), cooldown between
// firings and a recovery level past the threshold (hysteresis) keep a noisy metric from flapping.

/** Persisted state of one rule. */
export interface RuleState {
  readonly state: 'ok' | 'firing'
  /** When the current state began (null: ok since the start). */
  readonly since: number | null
  /** When the condition for the next change started holding, if it does. */
  readonly pendingSince: number | null
  readonly lastFiredAt: number | null
  readonly lastValue: number | null
}

/** The initial state. */
export const OK_STATE: RuleState = {
  state: 'ok',
  since: null,
  pendingSince: null,
  lastFiredAt: null,
  lastValue: null,
}

/** The levels of one evaluation: `fire` to start firing, `recover` to go back to ok. */
export interface Levels {
  readonly fire: number
  readonly recover: number
}

/** What the rule's timing asks for. */
export interface RuleTiming {
  readonly condition: 'above' | 'below'
  readonly forMs: number
  readonly cooldownMs: number
}

/** The outcome of one evaluation. */
export interface Step {
  readonly next: RuleState
  readonly transition: 'firing' | 'recovery' | null
}

/**
 * One evaluation at `now`. `value` null (no data, no baseline) changes nothing but clears a pending
 * change. Fires when the value is strictly past `fire` for `forMs` and the cooldown since the last
 * firing has passed; recovers when strictly back past `recover` for `forMs`.
 */
export function stepRule(
  rule: RuleTiming,
  s: RuleState,
  value: number | null,
  levels: Levels | null,
  now: number,
): Step {
  if (value === null || levels === null)
    return { next: { ...s, pendingSince: null, lastValue: value ?? s.lastValue }, transition: null }
  const above = rule.condition === 'above'
  if (s.state === 'ok') {
    const breached = above ? value > levels.fire : value < levels.fire
    if (!breached) return { next: { ...s, pendingSince: null, lastValue: value }, transition: null }
    const pendingSince = s.pendingSince ?? now
    const held = now - pendingSince >= rule.forMs
    const cooled = s.lastFiredAt === null || now - s.lastFiredAt >= rule.cooldownMs
    if (held && cooled)
      return {
        next: { state: 'firing', since: now, pendingSince: null, lastFiredAt: now, lastValue: value },
        transition: 'firing',
      }
    return { next: { ...s, pendingSince, lastValue: value }, transition: null }
  }
  const recovered = above ? value < levels.recover : value > levels.recover
  if (!recovered) return { next: { ...s, pendingSince: null, lastValue: value }, transition: null }
  const pendingSince = s.pendingSince ?? now
  if (now - pendingSince >= rule.forMs)
    return {
      next: { state: 'ok', since: now, pendingSince: null, lastFiredAt: s.lastFiredAt, lastValue: value },
      transition: 'recovery',
    }
  return { next: { ...s, pendingSince, lastValue: value }, transition: null }
}
