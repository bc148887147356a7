// The built-in topology that `clickflow start` runs when no config file is given. Written as YAML so
// it doubles as the example users copy (`clickflow config default`).

/** The default config file text. */
export const DEFAULT_CONFIG_YAML = `# clickflow default topology: collector -> durable log -> validate -> DuckDB.
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

sinks:
  store:
    type: duckdb
    inputs: [valid]
`
