// End to end: the admin token. With one set (flag or CLICKFLOW_ADMIN_TOKEN) the admin listener needs
// `Authorization: Bearer <token>` except on health probes; a public admin bind without one will not start.
import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { killAll, runCli, start, tempDir } from '../helpers/clickflow-process.ts'

const TOKEN = 'e2e-admin-token-0123456789'

async function get(url: string, headers: Record<string, string> = {}, body?: unknown) {
  const res = await fetch(url, {
    method: body === undefined ? 'GET' : 'POST',
    headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await res.text()
  return { status: res.status, text }
}

/** Checks the protected and open endpoints of an admin listener guarded by `token`. */
async function assertGuarded(adminUrl: string, token: string): Promise<void> {
  const query = { sql: 'SELECT 42 AS answer' }
  const bearer = { authorization: `Bearer ${token}` }
  const wrong: Record<string, string>[] = [
    {},
    { authorization: `Bearer ${token}x` },
    { authorization: token },
  ]
  for (const headers of wrong) {
    for (const [path, body] of [
      ['/api/sql', query],
      ['/metrics', undefined],
    ] as const) {
      const res = await get(`${adminUrl}${path}`, headers, body)
      assert.equal(res.status, 401, `${path} with ${JSON.stringify(headers)}`)
      assert.equal(JSON.parse(res.text).code, 'unauthorized')
    }
  }
  const ok = await get(`${adminUrl}/api/sql`, bearer, query)
  assert.equal(ok.status, 200, ok.text)
  assert.deepEqual(JSON.parse(ok.text).rows, [[42]])
  const metrics = await get(`${adminUrl}/metrics`, bearer)
  assert.equal(metrics.status, 200)
  assert.match(metrics.text, /clickflow_http_requests_total/)
  assert.equal((await get(`${adminUrl}/healthz`)).status, 200)
}

describe('admin token', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>

  before(async () => {
    dir = await tempDir()
  })
  after(async () => {
    await killAll()
    await dir?.remove()
  })

  test('--admin-token guards /api/sql and /metrics, not /healthz', async () => {
    const cf = await start(join(dir.path, 'flag'), ['--admin-token', TOKEN])
    await assertGuarded(cf.adminUrl, TOKEN)
    assert.equal((await cf.stop()).code, 0, cf.stderr())
  })

  test('CLICKFLOW_ADMIN_TOKEN sets the token too', async () => {
    const cf = await start(join(dir.path, 'env'), [], { CLICKFLOW_ADMIN_TOKEN: TOKEN })
    await assertGuarded(cf.adminUrl, TOKEN)
    assert.equal((await cf.stop()).code, 0, cf.stderr())
  })

  test('api.host 0.0.0.0 without a token refuses to start (exit 2, naming api.host)', async () => {
    const config = join(dir.path, 'public-admin.yaml')
    await writeFile(
      config,
      [
        'api:',
        '  host: 0.0.0.0',
        '  port: 0',
        'sources:',
        '  collector:',
        '    type: http_collector',
        '    host: 127.0.0.1',
        '    port: 0',
        'transforms:',
        '  valid:',
        '    type: validate',
        '    inputs: [collector]',
        'sinks:',
        '  store:',
        '    type: duckdb',
        '    inputs: [valid]',
        '',
      ].join('\n'),
    )
    const res = await runCli(['start', '-c', config, '--data-dir', join(dir.path, 'public')])
    assert.equal(res.code, 2, res.stderr)
    assert.match(res.stderr, /api\.host/)
    assert.match(res.stderr, /token/)
  })

  test('a token shorter than 16 characters is refused (exit 2, naming api.token)', async () => {
    const res = await runCli([
      'start',
      '--data-dir',
      join(dir.path, 'short'),
      '--collect-port',
      '0',
      '--admin-port',
      '0',
      '--admin-token',
      'too-short',
    ])
    assert.equal(res.code, 2, res.stderr)
    assert.match(res.stderr, /api\.token/)
  })
})
