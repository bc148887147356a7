// `clickflow import` beside a running clickflow: the data dir is locked, so the importer hands its
// batches to the running one's admin listener. The OTTO sample through a JSON mapping gives its 862
// events, and a malformed line of every format lands in dead_letters with its file and line number.
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { killAll, pollUntil, runCli, sql, sqlNumber, start, tempDir } from '../helpers/clickflow-process.ts'
import { importOtto } from '../helpers/otto-sessions.ts'

describe('clickflow import into a running clickflow', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  after(async () => {
    await killAll()
    await dir?.remove()
  })

  test('hands the events over; counts, visitors and dead letters with line numbers', async () => {
    dir = await tempDir()
    const cf = await start(dir.path)
    const imp = await importOtto(dir.path)
    assert.equal(imp.code, 0, imp.stderr)
    assert.equal(JSON.parse(imp.stdout).imported, 862)
    assert.ok(
      await pollUntil(
        async () => (await sqlNumber(cf.adminUrl, 'SELECT count(*) FROM events')) === 862,
        20_000,
      ),
    )
    assert.deepEqual(
      (
        await sql(
          cf.adminUrl,
          'SELECT event_name, count(*), count(DISTINCT visitor_id) FROM events GROUP BY 1 ORDER BY 1',
        )
      ).map((r) => [r[0], Number(r[1]), Number(r[2])]),
      [
        ['carts', 52, 7],
        ['clicks', 800, 20],
        ['orders', 10, 3],
      ],
    )

    const bad: [string, string, string][] = [
      ['a.jsonl', '{"event_type":"pageview","url":"/a"}\n{broken\n', 'jsonl'],
      ['b.csv', 'event_type,url\npageview,/b\npageview,"/c\n', 'csv'],
      [
        'c.log',
        '1.1.1.1 - - [01/Jan/2020:00:00:00 +0000] "GET /d HTTP/1.1" 200 1 "-" "UA"\ngarbage\n',
        'combined',
      ],
      [
        'd.log',
        '10.0.0.1 - - [01/Jan/2020:00:00:00 +0000] "GET /e HTTP/1.0" 200 5\nmore garbage\n',
        'common',
      ],
      ['e.txt', 'ok /f\n???\n', 'regex'],
    ]
    for (const [name, text, format] of bad) {
      const file = join(dir.path, name)
      writeFileSync(file, text)
      const parser = format === 'regex' ? ['--parser', '{"pattern":"^ok (?<url>\\\\S+)$"}'] : []
      const r = await runCli(['import', file, '--format', format, ...parser, '--data-dir', dir.path])
      assert.equal(r.code, 0, r.stderr)
      const s = JSON.parse(r.stdout)
      assert.deepEqual([s.imported, s.dead_lettered], [1, 1], `${format}: ${r.stdout}`)
    }
    assert.ok(
      await pollUntil(
        async () => (await sqlNumber(cf.adminUrl, 'SELECT count(*) FROM dead_letters')) === 5,
        20_000,
      ),
    )
    const dead = (await sql(cf.adminUrl, 'SELECT payload FROM dead_letters')).map((r) =>
      JSON.parse(r[0] as string),
    )
    assert.deepEqual(dead.map((d) => [d.file.split('/').pop(), d.line_number]).sort(), [
      ['a.jsonl', 2],
      ['b.csv', 3],
      ['c.log', 2],
      ['d.log', 2],
      ['e.txt', 2],
    ])
    assert.equal(await sqlNumber(cf.adminUrl, 'SELECT count(*) FROM events'), 862 + 5)
    assert.equal((await cf.stop()).code, 0, cf.stderr())
  })
})
