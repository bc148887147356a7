// Evaluates the alert rules at an interval against the live metrics (and, for change rules, the
// store's history), persists each rule's state, and delivers firing and recovery to webhooks: in
// order per rule, with retries, recorded in `alert_history` and counted in Prometheus metrics.
import type { DuckDBConnection } from '@duckdb/node-api'
import { Counter, Gauge } from 'prom-client'
import type { AlertsResponse } from '../analytics/contract.ts'
import type { Clock } from '../core/clock.ts'
import type { LiveMetric } from '../live/live-state.ts'
import type { Logger } from '../telemetry/logger.ts'
import type { ComponentMetrics, Metrics } from '../telemetry/metrics.ts'
import type { AlertStore, HistoryEntry } from './alert-store.ts'
import { storeMetric } from './baseline.ts'
import type { AlertRuleConfig, AlertsConfig } from './config.ts'
import { durationMs } from './duration.ts'
import { type Levels, OK_STATE, type RuleState, stepRule } from './rule-state.ts'
import { deliverWebhook } from './webhook.ts'

/** Entries of the history /api/alerts lists. */
export const HISTORY_LIMIT = 100

const COMPARE_MS = { day: 86_400_000, week: 7 * 86_400_000 } as const

/** Where the rules read current values. */
export interface MetricSource {
  metric(name: LiveMetric, windowS: number, now: number): number
}

/** What the manager needs. */
export interface AlertManagerDeps {
  readonly clock: Clock
  readonly live: MetricSource
  readonly store: AlertStore
  /** Connection for baseline queries of change rules. */
  readonly history: DuckDBConnection
  readonly includeBots: boolean
  readonly conversionEvent: string | null
  readonly log: Logger
  readonly registry: Metrics
  readonly counters: ComponentMetrics
}

interface Rule {
  readonly config: AlertRuleConfig
  readonly windowS: number
  readonly forMs: number
  readonly cooldownMs: number
  readonly webhookUrl: string | null
  state: RuleState
}

/** How a rule reads in /api/alerts and in messages. */
export function describeCondition(r: AlertRuleConfig): string {
  if (r.threshold !== undefined) return `${r.condition} ${r.threshold}`
  return `${r.change_percent}% ${r.condition} the same window a ${r.compare_to} ago`
}

/** The running alert rules. */
export class AlertManager {
  readonly #cfg: AlertsConfig
  readonly #d: AlertManagerDeps
  readonly #rules: Rule[]
  readonly #history: HistoryEntry[] = []
  readonly #chains = new Map<string, Promise<void>>()
  readonly #abort = new AbortController()
  #timer: NodeJS.Timeout | null = null
  #evaluating: Promise<void> | null = null
  readonly #firing: Gauge<'rule_id'>
  readonly #value: Gauge<'rule_id'>
  readonly #transitions: Counter<'rule_id' | 'kind'>
  readonly #deliveries: Counter<'rule_id' | 'outcome'>
  readonly #retries: Counter<'rule_id'>

  constructor(config: AlertsConfig, deps: AlertManagerDeps) {
    this.#cfg = config
    this.#d = deps
    this.#rules = config.rules.map((r) => ({
      config: r,
      windowS: durationMs(r.window) / 1000,
      forMs: durationMs(r.for),
      cooldownMs: durationMs(r.cooldown),
      webhookUrl: r.webhook_url ?? config.webhook_url ?? null,
      state: OK_STATE,
    }))
    const registers = [deps.registry.registry]
    this.#firing = new Gauge({
      name: 'clickflow_alert_firing',
      help: 'Whether an alert rule is firing (1) or not (0).',
      labelNames: ['rule_id'],
      registers,
    })
    this.#value = new Gauge({
      name: 'clickflow_alert_value',
      help: "The value of an alert rule's metric at its last evaluation.",
      labelNames: ['rule_id'],
      registers,
    })
    this.#transitions = new Counter({
      name: 'clickflow_alert_transitions_total',
      help: 'Alert rules that started firing or recovered, by rule and kind.',
      labelNames: ['rule_id', 'kind'],
      registers,
    })
    this.#deliveries = new Counter({
      name: 'clickflow_alert_webhook_deliveries_total',
      help: 'Alert webhook deliveries that ended, by rule and outcome (delivered, failed).',
      labelNames: ['rule_id', 'outcome'],
      registers,
    })
    this.#retries = new Counter({
      name: 'clickflow_alert_webhook_retries_total',
      help: 'Failed webhook attempts that were retried, by rule.',
      labelNames: ['rule_id'],
      registers,
    })
  }

  /** Loads state and history, resumes pending deliveries and starts evaluating at the interval. */
  async start(): Promise<void> {
    const states = await this.#d.store.loadStates()
    for (const r of this.#rules) {
      r.state = states.get(r.config.id) ?? OK_STATE
      this.#firing.set({ rule_id: r.config.id }, r.state.state === 'firing' ? 1 : 0)
    }
    const { recent, pending } = await this.#d.store.loadHistory(HISTORY_LIMIT)
    this.#history.push(...recent)
    for (const p of pending) {
      // The same object in the listed history, so its status updates in place.
      const entry = this.#history.find((h) => h.id === p.id) ?? p
      if (entry.webhookUrl) this.#enqueue(entry)
    }
    if (this.#rules.length > 0) {
      this.#timer = setInterval(() => void this.evaluate(), durationMs(this.#cfg.evaluate_every))
      this.#timer.unref()
    }
  }

  /** Evaluates every rule once (the interval calls this; tests call it after moving the clock). */
  evaluate(): Promise<void> {
    // An evaluation still running (a slow baseline query) is not overlapped by the next one.
    this.#evaluating ??= this.#evaluateAll().finally(() => {
      this.#evaluating = null
    })
    return this.#evaluating
  }

  async #evaluateAll(): Promise<void> {
    for (const rule of this.#rules) {
      if (this.#abort.signal.aborted) return
      try {
        await this.#evaluateRule(rule)
      } catch (err) {
        this.#d.counters.error('alert_evaluation_failed')
        this.#d.log.error({ err, rule_id: rule.config.id }, 'alert rule evaluation failed')
      }
    }
  }

  async #evaluateRule(rule: Rule): Promise<void> {
    const c = rule.config
    const now = this.#d.clock.now()
    const value = this.#d.live.metric(c.metric, rule.windowS, now)
    let levels: Levels | null
    let baseline: number | null = null
    if (c.threshold !== undefined)
      levels = { fire: c.threshold, recover: c.recovery_threshold ?? c.threshold }
    else {
      baseline = await storeMetric(this.#d.history, c.metric, rule.windowS, now, COMPARE_MS[c.compare_to!], {
        includeBots: this.#d.includeBots,
        conversionEvent: this.#d.conversionEvent,
      })
      const sign = c.condition === 'above' ? 1 : -1
      const fire = c.change_percent!
      const recover = c.recovery_change_percent ?? fire
      levels =
        baseline === null
          ? null
          : { fire: baseline * (1 + (sign * fire) / 100), recover: baseline * (1 + (sign * recover) / 100) }
    }
    const step = stepRule(
      { condition: c.condition, forMs: rule.forMs, cooldownMs: rule.cooldownMs },
      rule.state,
      value,
      levels,
      now,
    )
    const changed = step.next.state !== rule.state.state || step.next.pendingSince !== rule.state.pendingSince
    rule.state = step.next
    this.#value.set({ rule_id: c.id }, value)
    if (changed || step.transition) await this.#d.store.saveState(c.id, rule.state, now)
    if (!step.transition || !levels) return

    const kind = step.transition
    const level = kind === 'firing' ? levels.fire : levels.recover
    this.#firing.set({ rule_id: c.id }, kind === 'firing' ? 1 : 0)
    this.#transitions.inc({ rule_id: c.id, kind })
    const id = `${c.id}-${now}-${kind}`
    const at = new Date(now).toISOString()
    const payload = {
      id,
      source: 'clickflow',
      rule_id: c.id,
      kind,
      at,
      metric: c.metric,
      condition: describeCondition(c),
      window: c.window,
      value,
      threshold: level,
      baseline,
      message:
        kind === 'firing'
          ? `${c.metric} over ${c.window} is ${round(value)}, ${c.condition} ${round(level)}`
          : `${c.metric} over ${c.window} is back to ${round(value)} (recovery level ${round(level)})`,
    }
    const entry: HistoryEntry = {
      id,
      ruleId: c.id,
      kind,
      at: now,
      value,
      threshold: level,
      baseline,
      webhookUrl: rule.webhookUrl,
      webhookStatus: rule.webhookUrl ? 'pending' : 'none',
      webhookAttempts: 0,
      webhookError: null,
      payload,
    }
    this.#d.log.warn({ rule_id: c.id, kind, value, threshold: level, baseline }, payload.message)
    await this.#d.store.addHistory(entry)
    this.#history.unshift(entry)
    if (this.#history.length > HISTORY_LIMIT) this.#history.length = HISTORY_LIMIT
    if (entry.webhookUrl) this.#enqueue(entry)
  }

  /** Delivers after the rule's earlier deliveries, so a receiver sees firing before its recovery. */
  #enqueue(entry: HistoryEntry): void {
    const prev = this.#chains.get(entry.ruleId) ?? Promise.resolve()
    const next = prev
      .then(() => this.#deliver(entry))
      .catch((err) => {
        this.#d.log.error({ err, rule_id: entry.ruleId }, 'recording a webhook delivery failed')
      })
    this.#chains.set(entry.ruleId, next)
  }

  async #deliver(entry: HistoryEntry): Promise<void> {
    if (this.#abort.signal.aborted || !entry.webhookUrl) return
    const result = await deliverWebhook(entry.webhookUrl, entry.payload, {
      timeoutMs: durationMs(this.#cfg.webhook_timeout),
      retries: this.#cfg.webhook_retries,
      backoffMs: durationMs(this.#cfg.webhook_backoff),
      signal: this.#abort.signal,
      onRetry: (attempt, error, waitMs) => {
        entry.webhookAttempts = attempt
        entry.webhookError = error
        this.#retries.inc({ rule_id: entry.ruleId })
        this.#d.log.warn(
          { rule_id: entry.ruleId, attempt, error, retry_in_ms: waitMs },
          'alert webhook failed; retrying',
        )
      },
    })
    entry.webhookAttempts = result.attempts
    entry.webhookError = result.error
    // Aborted by shutdown: stays pending and is delivered again on the next start.
    if (result.outcome === 'aborted') return void (await this.#d.store.updateDelivery(entry))
    entry.webhookStatus = result.outcome
    this.#deliveries.inc({ rule_id: entry.ruleId, outcome: result.outcome })
    if (result.outcome === 'failed')
      this.#d.log.error(
        { rule_id: entry.ruleId, attempts: result.attempts, error: result.error },
        'alert webhook delivery failed',
      )
    await this.#d.store.updateDelivery(entry)
  }

  /** The body of GET /api/alerts. */
  response(): AlertsResponse {
    return {
      rules: this.#rules.map((r) => ({
        id: r.config.id,
        metric: r.config.metric,
        condition: describeCondition(r.config),
        window: r.config.window,
        state: r.state.state,
        since: r.state.since === null ? null : new Date(r.state.since).toISOString(),
        last_value: r.state.lastValue,
      })),
      history: this.#history.map((h) => ({
        rule_id: h.ruleId,
        kind: h.kind,
        at: new Date(h.at).toISOString(),
        value: h.value,
        threshold: h.threshold,
        webhook_status: h.webhookStatus,
      })),
    }
  }

  /** Waits for the deliveries queued so far (tests). */
  async settled(): Promise<void> {
    await Promise.all(this.#chains.values())
    await this.#d.store.flush()
  }

  /** Stops evaluating; deliveries in their backoff stop and stay pending for the next start. */
  async close(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer)
    this.#abort.abort()
    await this.#evaluating
    await this.settled()
  }
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000
}
