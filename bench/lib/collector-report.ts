// Output of the collector bench: the console table, the one-line JSON summary, and the Collector
// section of docs/benchmarks.md. Returns the exit code (1 when the stored count check failed).
import { availableParallelism } from 'node:os'
import { machine, revision, writeSection } from './docs.ts'
import type { Load, WrkResult } from './wrk.ts'

export interface Scenario {
  readonly id: 'single' | 'batch' | string
  readonly label: string
  readonly eventsPerRequest: number
}

export interface Verification {
  /** Events in 2xx responses that wrk saw (warm-up and measured runs). */
  readonly ackedEvents: number
  /** Events the collector acknowledged, by its own counter (includes requests wrk dropped at its end). */
  readonly serverAcked: number
  /** count(*) of the events table after the pipeline caught up. */
  readonly stored: number
  /** What the collector refused, by reason (`bad_http`: connections wrk cut mid-request when it stopped). */
  readonly discarded: Readonly<Record<string, number>>
  readonly inFlightBound: number
  /** The longest wait, after a round of load, until the store held every acknowledged event. */
  readonly caughtUpS: number
  readonly ok: boolean
}

/** Where clickflow's time went during the measured run. CPU is in cores (1 = one core busy all along). */
export interface Diagnostics {
  readonly processCpu: number
  readonly mainCpu: number
  /** Share of the run the event-loop thread was runnable but waited for a core (other load). */
  readonly mainWaitCpu: number
  /** CPU wrk itself used while loading clickflow, in cores. */
  readonly wrkCpu: number
  /** Group-commit cycles of the log (one fdatasync round each) per second, and events per cycle. */
  readonly fsyncsPerS: number
  readonly eventsPerFsync: number
  /** Mean time of one cycle's fdatasync, and of one append from call to acknowledgement. */
  readonly fsyncMs: number
  readonly appendMs: number
  /** Log record bytes (key + value, before any compression) per acknowledged event. */
  readonly logBytesPerEvent: number
  /**
   * Events acknowledged in the measured rounds over the rounds' time plus the time the pipeline then
   * needed to store them: what the whole process keeps up with, not only the collector.
   */
  readonly sustainedEventsPerS: number
}

export interface Outcome {
  readonly scenario: Scenario
  /** Raw write + fdatasync of 64 KB and of 1 MB in the same folder, just before clickflow's run. */
  readonly disk: { readonly smallMs: number; readonly largeMs: number }
  /** The server's established connections counted halfway through a run (most over the rounds). */
  readonly connections: { readonly baseline: number; readonly clickflow: number }
  readonly baseline: {
    readonly run: WrkResult
    readonly peakMb: number
    readonly cpu: {
      readonly processCpu: number
      readonly mainCpu: number
      readonly mainWaitCpu: number
      readonly wrkCpu: number
    }
  }
  /**
   * The bare server answering each request only once its body is fdatasync'd through the plainest
   * group commit (baseline-server.ts --durable): the ceiling of any server whose 2xx means durable.
   */
  readonly durableBaseline: {
    readonly run: WrkResult
    readonly cpu: { readonly processCpu: number; readonly mainCpu: number; readonly mainWaitCpu: number }
  }
  /** clickflow with the processing role in a worker thread (the default). */
  readonly clickflow: ClickflowOutcome
  /** clickflow with the processing role in a child process (runtime.processing: process). */
  readonly processMode?: ClickflowOutcome
}

/** One clickflow's figures. RSS and CPU are its main process's: in process mode, the collector's. */
export interface ClickflowOutcome {
  readonly run: WrkResult
  readonly diagnostics: Diagnostics
  /** RSS right after start, before any load. */
  readonly rssIdleMb: number
  readonly rssUnderLoadMb: number
  readonly rssEndMb: number
  readonly peakMb: number
  /** In process mode: the processing child's memory, its CPU during the load (cores), its restarts. */
  readonly child?: {
    readonly rssIdleMb: number
    readonly rssUnderLoadMb: number
    readonly rssEndMb: number
    readonly peakMb: number
    readonly cpu: number
    readonly restarts: number
  }
  readonly verify: Verification
}

const TARGET_RATIO = 0.7
const TARGET_BATCH_EVENTS_PER_S = 200_000
const TARGET_RSS_MB = 150

const int = (n: number) => Math.round(n).toLocaleString('en-US')
const r2 = (n: number) => Math.round(n * 100) / 100
const refused = (d: Readonly<Record<string, number>>) =>
  Object.entries(d)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ') || 'none'
const pass = (ok: boolean) => (ok ? 'meets target' : 'BELOW TARGET')

/** The clickflows of an outcome with their labels: thread mode, then process mode if measured. */
function clickflows(o: Outcome): [string, ClickflowOutcome][] {
  return [
    ['clickflow', o.clickflow],
    ...(o.processMode
      ? [['clickflow, processing in a child process', o.processMode] as [string, ClickflowOutcome]]
      : []),
  ]
}

function rows(outcomes: readonly Outcome[]): string[][] {
  const out: string[][] = []
  for (const o of outcomes) {
    for (const [side, run] of [
      ['baseline', o.baseline.run] as const,
      ['durable baseline (fdatasync before 204)', o.durableBaseline.run] as const,
      ...clickflows(o).map(([label, c]) => [label, c.run] as const),
    ]) {
      out.push([
        o.scenario.label,
        side,
        int(run.rps),
        int(run.rps * o.scenario.eventsPerRequest),
        run.p50Ms.toFixed(2),
        run.p99Ms.toFixed(2),
        int(run.non2xx),
        int(run.socketErrors + run.timeouts),
      ])
    }
  }
  return out
}

const HEAD = ['scenario', 'server', 'req/s', 'events/s', 'p50 ms', 'p99 ms', 'non-2xx', 'errors']

function consoleTable(data: string[][]): string {
  const all = [HEAD, ...data]
  const widths = HEAD.map((_, i) => Math.max(...all.map((r) => r[i]!.length)))
  return all
    .map((r) => r.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '))
    .join('\n')
}

function markdownTable(data: string[][]): string {
  const line = (r: string[]) => `| ${r.join(' | ')} |`
  return [line(HEAD), line(HEAD.map((_, i) => (i < 2 ? '---' : '---:'))), ...data.map(line)].join('\n')
}

/** Options of {@link report}. */
export interface ReportOptions {
  readonly load: Load
  readonly wrkVersion: string
  /** 1-minute load average when the bench started and when it ended: other work on the machine. */
  readonly loadavg: readonly [number, number]
  /** Rounds each side's measured time was split into (interleaved B C C B ...). */
  readonly rounds: number
  readonly writeDocs: boolean
}

/** One line per figure and check, with its target. */
function findings(outcomes: readonly Outcome[]): string[] {
  const out: string[] = []
  const single = outcomes.find((x) => x.scenario.id === 'single')
  const batch = outcomes.find((x) => x.scenario.id === 'batch')
  if (single) {
    const ratio = single.clickflow.run.rps / single.baseline.run.rps
    out.push(
      `single events: clickflow/baseline = ${r2(ratio)} (target >= ${TARGET_RATIO}): ${pass(ratio >= TARGET_RATIO)}`,
    )
    const durable = single.durableBaseline
    out.push(
      `single events, what durability alone costs: the bare server answering each request only after ` +
        `fdatasync (one file, the plainest group commit, no parsing) = ${r2(durable.run.rps / single.baseline.run.rps)} ` +
        `x the bare server (p50 ${durable.run.p50Ms.toFixed(2)} ms, its event loop ${Math.round(durable.cpu.mainCpu * 100)}% busy); ` +
        `clickflow = ${r2(single.clickflow.run.rps / durable.run.rps)} x that durable baseline`,
    )
  }
  if (batch) {
    const eps = batch.clickflow.run.rps * batch.scenario.eventsPerRequest
    out.push(
      `batches of 50: ${int(eps)} events/s into the durable log (target >= ${int(TARGET_BATCH_EVENTS_PER_S)}): ` +
        `${pass(eps >= TARGET_BATCH_EVENTS_PER_S)}; req/s ratio to baseline ${r2(batch.clickflow.run.rps / batch.baseline.run.rps)}`,
    )
  }
  const peakMb = Math.max(...outcomes.map((x) => x.clickflow.peakMb))
  out.push(
    `memory: clickflow process peak RSS ${int(peakMb)} MB, ${int(Math.min(...outcomes.map((x) => x.clickflow.rssIdleMb)))} MB ` +
      `right after start (collector target <= ${TARGET_RSS_MB} MB; this one process ` +
      `also holds the pipeline and DuckDB): ${pass(peakMb <= TARGET_RSS_MB)}; bare node:http baseline peak ` +
      `${int(Math.max(...outcomes.map((x) => x.baseline.peakMb)))} MB`,
  )
  for (const x of outcomes) {
    const p = x.processMode
    if (!p) continue
    const eps = (c: ClickflowOutcome) => c.run.rps * x.scenario.eventsPerRequest
    out.push(
      `${x.scenario.label}, processing in a child process: collector process peak RSS ${int(p.peakMb)} MB ` +
        `(${int(p.rssIdleMb)} MB after start, ${int(p.rssUnderLoadMb)} MB after the last round; target <= ` +
        `${TARGET_RSS_MB} MB): ${pass(p.peakMb <= TARGET_RSS_MB)}` +
        (p.child
          ? `; its processing child peak ${int(p.child.peakMb)} MB (${int(p.child.rssIdleMb)} MB after start), ` +
            `${Math.round(p.child.cpu * 100)}% of a core under load, restarted ${p.child.restarts} times`
          : '') +
        `; against the whole process with a worker thread, peak ${int(x.clickflow.peakMb)} MB. ` +
        `${int(eps(p))} events/s acknowledged against ${int(eps(x.clickflow))} with a worker thread ` +
        `(ratio ${r2(eps(p) / eps(x.clickflow))}), sustained ${int(p.diagnostics.sustainedEventsPerS)} against ` +
        `${int(x.clickflow.diagnostics.sustainedEventsPerS)} events/s, collector process ` +
        `${Math.round(p.diagnostics.processCpu * 100)}% of a core`,
    )
  }
  for (const x of outcomes) {
    for (const [label, c] of clickflows(x)) {
      const v = c.verify
      out.push(
        `${x.scenario.label}${c === x.clickflow ? '' : ` (${label})`}: stored ${int(v.stored)} events; collector acknowledged ${int(v.serverAcked)}; wrk saw ` +
          `${int(v.ackedEvents)} acknowledged (+${int(v.stored - v.ackedEvents)} in flight when wrk stopped, bound ` +
          `${int(v.inFlightBound)}); refused by the collector: ${refused(v.discarded)}; all queryable at most ` +
          `${v.caughtUpS.toFixed(1)} s after a round's load (acknowledged and stored, load time plus those ` +
          `waits: ${int(c.diagnostics.sustainedEventsPerS)} events/s): ${v.ok ? 'OK' : 'MISMATCH'}`,
      )
    }
  }
  const pct = (n: number) => `${Math.round(n * 100)}%`
  for (const x of outcomes) {
    const d = x.clickflow.diagnostics
    out.push(
      `${x.scenario.label}, where clickflow's time went: process ${pct(d.processCpu)} of a core, event-loop thread ` +
        `${pct(d.mainCpu)} busy and ${pct(d.mainWaitCpu)} waiting for a core (baseline's: ${pct(x.baseline.cpu.mainCpu)} and ` +
        `${pct(x.baseline.cpu.mainWaitCpu)}); wrk itself ${pct(d.wrkCpu)} of a core (against the baseline ` +
        `${pct(x.baseline.cpu.wrkCpu)}); connections held mid-run: ${x.connections.clickflow} ` +
        `(baseline ${x.connections.baseline}); log: ${int(d.fsyncsPerS)} group-commit cycles/s ` +
        `of ${int(d.eventsPerFsync)} events, fdatasync ${d.fsyncMs.toFixed(2)} ms (the disk alone: 64 KB ` +
        `${x.disk.smallMs.toFixed(2)} ms, 1 MB ${x.disk.largeMs.toFixed(2)} ms), append call to ack ` +
        `${d.appendMs.toFixed(2)} ms, ${int(d.logBytesPerEvent)} log bytes per event`,
    )
  }
  return out
}

function summary(outcomes: readonly Outcome[], o: ReportOptions, date: string, rev: string | null) {
  const eps = (x: Outcome) => x.clickflow.run.rps * x.scenario.eventsPerRequest
  const single = outcomes.find((x) => x.scenario.id === 'single')
  const batch = outcomes.find((x) => x.scenario.id === 'batch')
  return {
    bench: 'collector',
    date,
    revision: rev,
    machine: { cores: availableParallelism(), node: process.version, loadavg: o.loadavg },
    load: { tool: o.wrkVersion, ...o.load },
    scenarios: outcomes.map((x) => ({
      id: x.scenario.id,
      events_per_request: x.scenario.eventsPerRequest,
      baseline: { rps: r2(x.baseline.run.rps), p50_ms: x.baseline.run.p50Ms, p99_ms: x.baseline.run.p99Ms },
      durable_baseline: {
        rps: r2(x.durableBaseline.run.rps),
        p50_ms: x.durableBaseline.run.p50Ms,
        p99_ms: x.durableBaseline.run.p99Ms,
      },
      clickflow: {
        rps: r2(x.clickflow.run.rps),
        events_per_s: r2(eps(x)),
        p50_ms: x.clickflow.run.p50Ms,
        p99_ms: x.clickflow.run.p99Ms,
        non2xx: x.clickflow.run.non2xx,
        rss_idle_mb: r2(x.clickflow.rssIdleMb),
        rss_under_load_mb: r2(x.clickflow.rssUnderLoadMb),
        rss_end_mb: r2(x.clickflow.rssEndMb),
        peak_rss_mb: r2(x.clickflow.peakMb),
      },
      ...(x.processMode
        ? {
            process_mode: {
              rps: r2(x.processMode.run.rps),
              events_per_s: r2(eps(x) * (x.processMode.run.rps / x.clickflow.run.rps)),
              p50_ms: x.processMode.run.p50Ms,
              p99_ms: x.processMode.run.p99Ms,
              non2xx: x.processMode.run.non2xx,
              collector_rss_idle_mb: r2(x.processMode.rssIdleMb),
              collector_peak_rss_mb: r2(x.processMode.peakMb),
              child_peak_rss_mb: x.processMode.child ? r2(x.processMode.child.peakMb) : null,
              child_restarts: x.processMode.child?.restarts ?? null,
              sustained_events_per_s: r2(x.processMode.diagnostics.sustainedEventsPerS),
              verify: x.processMode.verify,
            },
          }
        : {}),
      ratio: r2(x.clickflow.run.rps / x.baseline.run.rps),
      diagnostics: Object.fromEntries(Object.entries(x.clickflow.diagnostics).map(([k, v]) => [k, r2(v)])),
      disk_fsync_ms: { kb64: r2(x.disk.smallMs), mb1: r2(x.disk.largeMs) },
      verify: x.clickflow.verify,
    })),
    single_ratio: single ? r2(single.clickflow.run.rps / single.baseline.run.rps) : null,
    batch_events_per_s: batch ? Math.round(eps(batch)) : null,
    peak_rss_mb: r2(Math.max(...outcomes.map((x) => x.clickflow.peakMb))),
    verified: outcomes.every((x) => clickflows(x).every(([, c]) => c.verify.ok)),
  }
}

/** Prints the results and writes the docs section; returns the exit code (1 if a stored count is wrong). */
export function report(outcomes: readonly Outcome[], o: ReportOptions): number {
  const date = new Date().toISOString()
  const rev = revision()
  const lines = findings(outcomes)
  const data = rows(outcomes)
  const where = `${machine()}, load average ${o.loadavg[0].toFixed(1)} at start and ${o.loadavg[1].toFixed(1)} at end`
  const what = rev ? `clickflow ${rev}` : 'clickflow'
  const loadText =
    `${o.wrkVersion.split(' ').slice(0, 2).join(' ')}, ${o.load.threads} threads, ${o.load.connections} ` +
    `keep-alive connections, ${o.load.durationS} s per side in ${o.rounds} interleaved rounds after a warm-up`
  process.stdout.write(
    `\nCollector bench, ${date}, ${what}\n${where}\nload: ${loadText}\n\n${consoleTable(data)}\n\n`,
  )
  for (const f of lines) process.stdout.write(`- ${f}\n`)
  const s = summary(outcomes, o, date, rev)
  process.stdout.write(`\n${JSON.stringify(s)}\n`)
  if (o.writeDocs) {
    const text = [
      `Latest run: ${date.slice(0, 16).replace('T', ' ')} UTC, ${what}, ${where}. Run with \`npm run bench:collect\`.`,
      '',
      `Load: ${loadText}. Baseline: a bare \`node:http\` server (\`bench/lib/baseline-server.ts\`, compiled to JavaScript as clickflow is) that reads the ` +
        'body and answers 204, in its own process, with the same wrk settings and bodies; the "durable baseline" is ' +
        "the same server answering only once the body is appended to one file and fdatasync'd (the plainest group " +
        'commit: all queued bodies in one write + fdatasync, then the next), the least any server whose 2xx means ' +
        'durable does per request here. The servers run side by ' +
        'side and are loaded in turn (baseline, clickflow, clickflow, baseline, ...); after each clickflow round ' +
        "the bench waits until clickflow's pipeline has stored everything acknowledged, so no backlog competes " +
        "with the next round. p50 is the request-weighted mean of the rounds', p99 the worst round's. clickflow " +
        'runs as `clickflow start` (collector, log, pipeline and DuckDB ' +
        'in one process); its 200 means the events are fsync\'d in the log. The rows "processing in a child ' +
        'process" are a second clickflow, loaded in turn with the others, with `runtime.processing: process`: ' +
        "its collector process's RSS is then the collector's own, and the child's is reported apart; that process " +
        "runs with `NODE_OPTIONS=--max-semi-space-size=8` (the collector's 8 MB semi-spaces, see the README; the child keeps its own).",
      '',
      markdownTable(data),
      '',
      ...lines.map((f) => `- ${f}`),
    ]
    writeSection('collector', 'Collector', text.join('\n'))
  }
  return s.verified ? 0 : 1
}
