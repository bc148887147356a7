// `clickflow start --demo`: beside the normal collector and admin listener, a small demo shop on
// 127.0.0.1 with the real tag, a few weeks of generated history on the first start (so the
// dashboard has something to show at once), and live simulated visitors posting to /collect at a
// few events per second. Stops before the rest of clickflow, so no request hits a closing collector.
import { join } from 'node:path'
import type { ClickflowConfig } from '../config/load.ts'
import { generateTraffic } from '../generator/generator.ts'
import { loadInto } from '../generator/load.ts'
import { EVENTS_TOPIC } from '../log/envelope.ts'
import type { EventLog } from '../log/log.ts'
import { visitorHasher } from '../parsers/build-format.ts'
import type { Logger } from '../telemetry/logger.ts'
import { logWriter } from '../topology/log-writer.ts'
import { LiveTraffic } from './live-traffic.ts'
import { startDemoSite } from './site-server.ts'

/** The site name of the demo's events, generated and real. */
export const DEMO_SITE = 'shop.example.com'
/** History generated on the first start. */
const BACKFILL_EVENTS = 40_000
const BACKFILL_DAYS = 21
/** New simulated visits per second (about 9 events each, spread over minutes: ~3 events/s). */
const SESSIONS_PER_SECOND = 0.35

/** Demo settings from the command line. */
export interface DemoOptions {
  /** Port of the demo shop on 127.0.0.1 (0: any free port). */
  readonly port: number
}

/** A running demo. */
export interface RunningDemo {
  readonly siteUrl: string
  stop(): Promise<void>
}

/**
 * The config a demo runs with: the collector also believes X-Forwarded-For from loopback, which is
 * how the simulated visitors (all posting from this process) carry addresses in many countries.
 */
export function demoConfig(config: ClickflowConfig): ClickflowConfig {
  return {
    ...config,
    sources: config.sources.map((s) => {
      if (s.type !== 'http_collector') return s
      const c = s.config as { trust_proxy: readonly string[] }
      return { ...s, config: { ...c, trust_proxy: [...c.trust_proxy, '127.0.0.1', '::1'] } }
    }),
  }
}

/** Starts the demo shop, the backfill (first start only) and then the live traffic. */
export async function startDemo(
  o: DemoOptions,
  running: {
    readonly urls: { readonly collector: readonly string[]; readonly admin: string }
    readonly log: EventLog
  },
  config: ClickflowConfig,
  logger: Logger,
): Promise<RunningDemo> {
  const log = logger.child({ component: 'demo' })
  const collector = running.urls.collector[0]
  if (!collector)
    throw new Error(
      '--demo needs an http_collector source in the config: the demo shop and its traffic send to it',
    )
  const collectUrl = collector.replace('://0.0.0.0:', '://127.0.0.1:').replace('://[::]:', '://127.0.0.1:')
  const source = config.sources.find((s) => s.type === 'http_collector')
  const tagPath = (source?.config as { tag_paths?: string[] } | undefined)?.tag_paths?.[0] ?? '/tag.js'
  const site = await startDemoSite(o.port, {
    tagUrl: new URL(tagPath, collectUrl).href,
    site: DEMO_SITE,
    adminUrl: running.urls.admin,
  })
  const traffic = new LiveTraffic({
    collectUrl,
    site: DEMO_SITE,
    sessionsPerSecond: SESSIONS_PER_SECOND,
    seed: Date.now() % 2 ** 31,
    log,
  })
  let stopped = false
  // History first, then live visitors: live events would move the processor's watermark past the
  // history, which would then be late.
  const background = (async () => {
    const ends = await running.log.endOffsets(EVENTS_TOPIC)
    if (Object.values(ends).every((n) => n === 0)) {
      log.info({ events: BACKFILL_EVENTS, days: BACKFILL_DAYS }, 'demo: empty store, generating history')
      const visitorOf = await visitorHasher(join(config.global.data_dir, 'parsers', 'visitor-key'))
      const end = Date.now()
      await loadInto(
        generateTraffic({ events: BACKFILL_EVENTS, days: BACKFILL_DAYS, end, seed: 1, sites: [DEMO_SITE] }),
        logWriter(running.log, EVENTS_TOPIC),
        { sourceId: source?.id ?? 'collector', visitorOf, now: Date.now },
        `demo-backfill:${end}`,
        () => {},
      )
      log.info({ events: BACKFILL_EVENTS }, 'demo: history is in the log')
    }
    if (!stopped) {
      traffic.start()
      log.info({ sessions_per_second: SESSIONS_PER_SECOND }, 'demo: live traffic started')
    }
  })().catch((err) => log.error({ err }, 'demo: backfill failed; live traffic not started'))
  log.info({ demo_site: site.url, trusts_forwarded_for_from: 'loopback' }, 'demo shop is running')
  return {
    siteUrl: site.url,
    stop: async () => {
      stopped = true
      await background
      await traffic.stop()
      await site.close()
      log.info({ posted_events: traffic.stats.posted, sessions: traffic.stats.sessions }, 'demo stopped')
    },
  }
}
