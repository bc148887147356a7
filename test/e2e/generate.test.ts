// `clickflow generate` end to end: the file it writes imports through `clickflow import` with its
// default jsonl mapping and every event is stored once, enriched (countries from the addresses,
// bots from the user agents); `--into` loads a data directory, alone or beside a running clickflow.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { isbot } from 'isbot'
import { killAll, pollUntil, runCli, sql, sqlNumber, start, tempDir } from '../helpers/clickflow-process.ts'

const END = '2026-11-20T00:00:00Z'

describe('clickflow generate', () => {
  const dirs: Awaited<ReturnType<typeof tempDir>>[] = []
  after(async () => {
    await killAll()
    for (const d of dirs) await d.remove()
  })
  const fresh = async () => {
    const d = await tempDir()
    dirs.push(d)
    return d.path
  }

  test('--out writes N lines that clickflow import stores as exactly N enriched events', async () => {
    const dir = await fresh()
    const file = join(dir, 'traffic.jsonl')
    const gen = await runCli([
      'generate',
      '--events',
      '4000',
      '--days',
      '7',
      '--end',
      END,
      '--seed',
      '3',
      '--out',
      file,
    ])
    assert.equal(gen.code, 0, gen.stderr)
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n')
    assert.equal(lines.length, 4000)
    const records = lines.map((l) => JSON.parse(l) as Record<string, string>)
    const botLines = records.filter((r) => isbot(r.user_agent!)).length
    const purchases = records.filter((r) => r.event_name === 'purchase').length
    assert.ok(botLines > 0 && purchases > 0)

    const data = join(dir, 'data')
    const imp = await runCli(['import', file, '--format', 'jsonl', '--data-dir', data])
    assert.equal(imp.code, 0, imp.stderr)
    assert.equal(JSON.parse(imp.stdout).imported, 4000)
    const cf = await start(data)
    const stored = await pollUntil(
      async () => (await sqlNumber(cf.adminUrl, 'SELECT count(*) FROM events')) === 4000,
      60_000,
    )
    assert.ok(stored, `stored ${await sqlNumber(cf.adminUrl, 'SELECT count(*) FROM events')} of 4000`)
    assert.equal(await sqlNumber(cf.adminUrl, 'SELECT count(*) FROM events WHERE is_bot'), botLines)
    assert.equal(
      await sqlNumber(cf.adminUrl, "SELECT count(*) FROM events WHERE event_name = 'purchase'"),
      purchases,
    )
    // The addresses resolve: every stored event has a country, and there are many of them.
    assert.equal(await sqlNumber(cf.adminUrl, 'SELECT count(*) FROM events WHERE country IS NULL'), 0)
    assert.ok((await sqlNumber(cf.adminUrl, 'SELECT count(DISTINCT country) FROM events')) >= 10)
    // Custom properties land in props; campaigns in the UTM columns; devices from the user agents.
    assert.ok(
      (await sqlNumber(
        cf.adminUrl,
        "SELECT count(*) FROM events WHERE event_name = 'add_to_cart' AND json_extract_string(props, '$.product_id') IS NOT NULL",
      )) > 0,
    )
    assert.ok(
      (await sqlNumber(
        cf.adminUrl,
        "SELECT count(*) FROM events WHERE utm_medium = 'cpc' AND click_id_type = 'gclid'",
      )) > 0,
    )
    const devices = (await sql(cf.adminUrl, 'SELECT DISTINCT device_type FROM events ORDER BY 1')).map(
      (r) => r[0],
    )
    assert.deepEqual(devices, ['bot', 'desktop', 'mobile', 'tablet'])
    assert.equal((await cf.stop()).code, 0)
  })

  test('--into a data directory alone, then beside a running clickflow: every event stored once', async () => {
    const data = await fresh()
    const alone = await runCli(['generate', '--events', '1500', '--days', '3', '--end', END, '--into', data])
    assert.equal(alone.code, 0, alone.stderr)
    const cf = await start(data)
    assert.ok(
      await pollUntil(
        async () => (await sqlNumber(cf.adminUrl, 'SELECT count(*) FROM events')) === 1500,
        60_000,
      ),
    )
    // Beside the running process the events go through its admin listener; another seed, other events.
    const beside = await runCli([
      'generate',
      '--events',
      '2500',
      '--days',
      '3',
      '--end',
      END,
      '--seed',
      '2',
      '--into',
      data,
    ])
    assert.equal(beside.code, 0, beside.stderr)
    assert.equal(JSON.parse(beside.stdout).events, 2500)
    const total = () => sqlNumber(cf.adminUrl, 'SELECT count(*) FROM events')
    assert.ok(
      await pollUntil(async () => (await total()) === 4000, 60_000),
      `stored ${await total()} of 4000`,
    )
    assert.equal(await sqlNumber(cf.adminUrl, 'SELECT count(DISTINCT event_id) FROM events'), 4000)
    assert.equal((await cf.stop()).code, 0)
  })

  test('usage mistakes exit 2 with what to fix', async () => {
    const none = await runCli(['generate', '--events', '10'])
    assert.equal(none.code, 2)
    assert.match(none.stderr, /--out FILE or --into DIR/)
    const bad = await runCli(['generate', '--events', 'many', '--out', '/tmp/x.jsonl'])
    assert.equal(bad.code, 2)
    assert.match(bad.stderr, /--events must be a number/)
  })
})
