// The rule state machine: hysteresis, hold time and cooldown keep a noisy metric from flapping.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { OK_STATE, type RuleState, type RuleTiming, stepRule } from './rule-state.ts'

function run(
  values: readonly (number | null)[],
  rule: RuleTiming = { condition: 'above', forMs: 0, cooldownMs: 60_000 },
  levels = { fire: 10, recover: 6 },
): string[] {
  let s: RuleState = OK_STATE
  const out: string[] = []
  values.forEach((v, i) => {
    const step = stepRule(rule, s, v, levels, i * 1000)
    s = step.next
    if (step.transition) out.push(`${step.transition}@${i}`)
  })
  return out
}

describe('alert rule state', () => {
  test('noise between the recovery level and the threshold neither re-fires nor recovers', () => {
    assert.deepEqual(run([1, 5, 11, 9, 10.5, 7, 12, 8, 6, 5.9, 8, 9.9]), ['firing@2', 'recovery@9'])
  })

  test('a value exactly at a level changes nothing', () => {
    assert.deepEqual(run([10, 10, 11, 6, 6]), ['firing@2'])
  })

  test('cooldown: a second firing waits until a minute after the first', () => {
    const values = [11, 1, ...Array.from({ length: 70 }, () => 20)]
    assert.deepEqual(run(values), ['firing@0', 'recovery@1', 'firing@60'])
  })

  test('`for`: the condition must hold that long, both ways', () => {
    const rule = { condition: 'above' as const, forMs: 3000, cooldownMs: 0 }
    assert.deepEqual(run([11, 11, 1, 11, 11, 11, 11, 1, 1, 11, 1, 1, 1, 1], rule), [
      'firing@6',
      'recovery@13',
    ])
  })

  test('below rules mirror above rules; no data changes nothing', () => {
    const rule = { condition: 'below' as const, forMs: 0, cooldownMs: 0 }
    assert.deepEqual(run([50, 9, null, 9, 12, 20, null, 5], rule, { fire: 10, recover: 15 }), [
      'firing@1',
      'recovery@5',
      'firing@7',
    ])
  })
})
