// The built-in topology that `clickflow start` runs when no config file is given. Written as YAML so
// it doubles as the example users copy (`clickflow config default`).

/** The default config file text. */
export const DEFAULT_CONFIG_YAML = `# clickflow default topology:
# collector -> durable log -> validate -> dedupe -> user agent -> geo -> referrer -> anonymize IP -> DuckDB
# (events), and the stream processor (sessions, per-minute rollups) into the same DuckDB
data_dir: ./clickflow-data

api:
  host: 127.0.0.1
  port: 8291

sources:
  collector:
    type: http_collector
    host: 0.0.0.0
    port: 8290

transforms:
  valid:
    type: validate
    inputs: [collector]
  dedupe:
    type: dedupe
    inputs: [valid]
  user_agent:
    type: enrich_user_agent
    inputs: [dedupe]
  geo:
    type: enrich_geo
    inputs: [user_agent]
  referrer:
    type: enrich_referrer
    inputs: [geo]
  anonymize:
    type: anonymize_ip
    inputs: [referrer]

sinks:
  store:
    type: duckdb
    inputs: [anonymize]
  live:
    type: live
    inputs: [anonymize]
    conversion_event: purchase
  processor:
    type: processor
    inputs: [anonymize]
`
