// The page at the admin listener's root until the dashboard (issue 7) replaces it: what runs here and
// where to go next.

/** HTML of the admin root page. */
export const INDEX_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>clickflow</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem;color:#1f2937}
code,pre{background:#f3f4f6;border-radius:4px;padding:.1rem .3rem}pre{padding:.75rem;overflow:auto}</style></head>
<body><h1>clickflow</h1>
<p>The collector, the durable log, the pipeline and the store are running.</p>
<h2>Query your events</h2>
<pre>curl -s localhost:8291/api/sql -H 'content-type: application/json' \\
  -d '{"sql":"SELECT event_type, count(*) FROM events GROUP BY 1"}'</pre>
<h2>Endpoints</h2>
<ul><li><code>POST /api/sql</code>: read-only SQL over <code>events</code> and <code>dead_letters</code></li>
<li><a href="/metrics"><code>/metrics</code></a>: Prometheus metrics</li>
<li><a href="/healthz"><code>/healthz</code></a> and <a href="/readyz"><code>/readyz</code></a></li></ul>
</body></html>
`
