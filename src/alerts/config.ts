// Settings of alert rules: a live metric over a window, compared with a fixed threshold or with the
// same window a day or a week ago, with a hold time, a cooldown and a recovery level (hysteresis).
import { z } from 'zod'
import { LIVE_METRICS, MAX_WINDOW_S } from '../live/live-state.ts'
import { durationMs, durationText } from './duration.ts'

const webhookUrl = z
  .url({ protocol: /^https?$/, error: 'a webhook URL must be an http:// or https:// URL' })
  .describe('Where firing and recovery are POSTed as JSON.')

/** Schema of one alert rule. */
export const alertRuleConfig = z
  .strictObject({
    id: z
      .string()
      .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/, 'a rule id is 1-64 letters, digits, `_`, `.` or `-`')
      .describe('Names the rule in /api/alerts, the webhook payload and metrics.'),
    metric: z
      .enum(LIVE_METRICS)
      .describe(
        "What to watch: `visitors_now` (distinct visitors), `events_per_second`, `page_views_per_minute`, `conversion_rate` (0..1, the live sink's `conversion_event`), `dead_letters_per_minute`, `error_rate` (dead letters / (events + dead letters)), each over `window`.",
      ),
    condition: z.enum(['above', 'below']).describe('Fire when the value goes above or below the level.'),
    window: durationText('window')
      .refine((w) => {
        const ms = durationMs(w)
        return ms >= 1000 && ms <= MAX_WINDOW_S * 1000 && ms % 1000 === 0
      }, 'window must be whole seconds from 1s to 60m')
      .default('5m')
      .describe('Span the metric is computed over, ending now (1s to 60m).'),
    threshold: z.number().optional().describe('Fixed level; give this or `change_percent`.'),
    change_percent: z
      .number()
      .positive()
      .optional()
      .describe(
        'Level relative to the same window a day or week ago (`compare_to`): `above` fires past baseline x (1 + p/100), `below` under baseline x (1 - p/100).',
      ),
    compare_to: z
      .enum(['day', 'week'])
      .optional()
      .describe('Baseline of `change_percent`: the same window one day or one week earlier, from the store.'),
    recovery_threshold: z
      .number()
      .optional()
      .describe(
        'Level the value must cross back to recover (default `threshold`); below `threshold` for `above` rules, so noise around the threshold does not flap.',
      ),
    recovery_change_percent: z
      .number()
      .min(0)
      .optional()
      .describe('Recovery level of change rules, in percent (default `change_percent`).'),
    for: durationText('for')
      .default('0s')
      .describe('How long the condition (and later the recovery) must hold before the state changes.'),
    cooldown: durationText('cooldown').default('5m').describe('Least time between two firings of the rule.'),
    webhook_url: webhookUrl.optional().describe('Overrides `alerts.webhook_url` for this rule.'),
  })
  .superRefine((r, ctx) => {
    if ((r.threshold === undefined) === (r.change_percent === undefined))
      ctx.addIssue({
        code: 'custom',
        message: 'give either `threshold` or `change_percent` (with `compare_to`)',
      })
    if (r.change_percent !== undefined && r.compare_to === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['compare_to'],
        message: '`change_percent` needs `compare_to: day` or `week`',
      })
    if (r.threshold === undefined && r.recovery_threshold !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['recovery_threshold'],
        message: 'only threshold rules take `recovery_threshold`',
      })
    if (r.threshold !== undefined && r.recovery_threshold !== undefined) {
      const wrongSide =
        r.condition === 'above' ? r.recovery_threshold > r.threshold : r.recovery_threshold < r.threshold
      if (wrongSide)
        ctx.addIssue({
          code: 'custom',
          path: ['recovery_threshold'],
          message: `for an \`${r.condition}\` rule the recovery level must be ${r.condition === 'above' ? 'at or below' : 'at or above'} the threshold`,
        })
    }
    if (r.change_percent === undefined && r.recovery_change_percent !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['recovery_change_percent'],
        message: 'only change rules take `recovery_change_percent`',
      })
    if (
      r.change_percent !== undefined &&
      r.recovery_change_percent !== undefined &&
      r.recovery_change_percent > r.change_percent
    )
      ctx.addIssue({
        code: 'custom',
        path: ['recovery_change_percent'],
        message: 'the recovery change must be at most `change_percent`',
      })
    if (r.condition === 'below' && r.change_percent !== undefined && r.change_percent >= 100)
      ctx.addIssue({ code: 'custom', path: ['change_percent'], message: 'a drop must be under 100%' })
  })

/** One parsed alert rule. */
export type AlertRuleConfig = z.infer<typeof alertRuleConfig>

/** Schema of the `alerts` section of the live sink. */
export const alertsConfig = z
  .strictObject({
    webhook_url: webhookUrl
      .optional()
      .describe('Default webhook of every rule; without one, rules only show in /api/alerts.'),
    evaluate_every: durationText('evaluate_every')
      .default('10s')
      .describe('How often the rules are evaluated.'),
    webhook_timeout: durationText('webhook_timeout')
      .default('5s')
      .describe('Time limit of one webhook request.'),
    webhook_retries: z
      .number()
      .int()
      .min(0)
      .max(20)
      .default(5)
      .describe('Retries after a failed delivery (network error, 5xx, 408, 429), with exponential backoff.'),
    webhook_backoff: durationText('webhook_backoff')
      .default('1s')
      .describe('Wait before the first retry; doubled each time, at most 1m.'),
    rules: z.array(alertRuleConfig).default([]).describe('The alert rules.'),
  })
  .superRefine((a, ctx) => {
    const seen = new Set<string>()
    a.rules.forEach((r, i) => {
      if (seen.has(r.id))
        ctx.addIssue({ code: 'custom', path: ['rules', i, 'id'], message: `rule id "${r.id}" is used twice` })
      seen.add(r.id)
    })
    if (durationMs(a.evaluate_every) < 100)
      ctx.addIssue({ code: 'custom', path: ['evaluate_every'], message: 'evaluate at most every 100ms' })
  })
  .describe(
    'Alert rules over the live metrics (`webhook_url`, `evaluate_every`, `webhook_timeout`, `webhook_retries`, `webhook_backoff`, `rules`; each rule and an example in docs/api.md, "Alert rules"); firing and recovery POST a JSON payload to a webhook.',
  )

/** Parsed alert settings. */
export type AlertsConfig = z.infer<typeof alertsConfig>
