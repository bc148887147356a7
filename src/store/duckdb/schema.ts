// DuckDB DDL of clickflow's tables. All DuckDB-specific table definitions live here; the ClickHouse
// store will have its own file with the same tables.

/** Columns of the events table, in appender order, with their DuckDB types. */
export const EVENT_COLUMNS = [
  ['event_id', 'VARCHAR NOT NULL'],
  ['event_type', 'VARCHAR NOT NULL'],
  ['event_name', 'VARCHAR'],
  ['event_time', 'TIMESTAMP NOT NULL'],
  ['received_at', 'TIMESTAMP NOT NULL'],
  ['sent_at', 'TIMESTAMP'],
  ['source_id', 'VARCHAR NOT NULL'],
  ['site', 'VARCHAR'],
  ['visitor_id', 'VARCHAR'],
  ['session_id', 'VARCHAR'],
  ['user_id', 'VARCHAR'],
  ['page_view_id', 'VARCHAR'],
  ['page_url', 'VARCHAR'],
  ['page_host', 'VARCHAR'],
  ['page_path', 'VARCHAR'],
  ['page_query', 'VARCHAR'],
  ['page_title', 'VARCHAR'],
  ['referrer', 'VARCHAR'],
  ['referrer_host', 'VARCHAR'],
  ['channel', 'VARCHAR'],
  ['user_agent', 'VARCHAR'],
  ['ip', 'VARCHAR'],
  ['country', 'VARCHAR'],
  ['region', 'VARCHAR'],
  ['city', 'VARCHAR'],
  ['browser', 'VARCHAR'],
  ['browser_version', 'VARCHAR'],
  ['os', 'VARCHAR'],
  ['os_version', 'VARCHAR'],
  ['device_type', 'VARCHAR'],
  ['is_bot', 'BOOLEAN NOT NULL'],
  ['is_duplicate', 'BOOLEAN NOT NULL'],
  ['is_corrupt', 'BOOLEAN NOT NULL'],
  ['utm_source', 'VARCHAR'],
  ['utm_medium', 'VARCHAR'],
  ['utm_campaign', 'VARCHAR'],
  ['utm_term', 'VARCHAR'],
  ['utm_content', 'VARCHAR'],
  ['click_id_type', 'VARCHAR'],
  ['click_id', 'VARCHAR'],
  ['props', 'JSON'],
] as const

/** Statements that create the schema; idempotent, run at every open. */
export const SCHEMA_DDL: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS events (${EVENT_COLUMNS.map(([n, t]) => `${n} ${t}`).join(', ')})`,
  // Columns added after a database was created arrive at the end; the sink appends by name.
  ...EVENT_COLUMNS.map(
    ([n, t]) => `ALTER TABLE events ADD COLUMN IF NOT EXISTS ${n} ${t.replace(' NOT NULL', '')}`,
  ),
  `CREATE TABLE IF NOT EXISTS dead_letters (
     component_id VARCHAR NOT NULL,
     reason VARCHAR NOT NULL,
     message VARCHAR NOT NULL,
     received_at TIMESTAMP NOT NULL,
     payload VARCHAR NOT NULL,
     stored_at TIMESTAMP NOT NULL DEFAULT (now()::TIMESTAMP)
   )`,
  // Sessions as the stream processor computes them (issue 5); the processor's are the truth, the
  // collector's session id is kept as `hint_session_id`. Upserted by session_id (delete + insert in
  // the processor's checkpoint transaction; no key index, which made each checkpoint 6-9x slower).
  `CREATE TABLE IF NOT EXISTS sessions (
     session_id VARCHAR NOT NULL,
     visitor_id VARCHAR NOT NULL,
     user_id VARCHAR,
     site VARCHAR,
     hint_session_id VARCHAR,
     start_time TIMESTAMP NOT NULL,
     end_time TIMESTAMP NOT NULL,
     duration_ms BIGINT NOT NULL,
     page_views INTEGER NOT NULL,
     events INTEGER NOT NULL,
     is_bounce BOOLEAN NOT NULL,
     engaged_ms BIGINT NOT NULL,
     entry_page VARCHAR,
     exit_page VARCHAR,
     referrer VARCHAR,
     referrer_host VARCHAR,
     channel VARCHAR,
     utm_source VARCHAR,
     utm_medium VARCHAR,
     utm_campaign VARCHAR,
     utm_term VARCHAR,
     utm_content VARCHAR,
     country VARCHAR,
     region VARCHAR,
     city VARCHAR,
     device_type VARCHAR,
     browser VARCHAR,
     os VARCHAR,
     is_bot BOOLEAN NOT NULL DEFAULT false
   )`,
  // Events that arrived after the processor's allowed lateness: kept aside, never dropped.
  `CREATE TABLE IF NOT EXISTS late_events (
     event_id VARCHAR NOT NULL,
     event_time TIMESTAMP NOT NULL,
     watermark TIMESTAMP NOT NULL,
     visitor_id VARCHAR,
     event_type VARCHAR NOT NULL,
     event_name VARCHAR,
     payload JSON NOT NULL,
     stored_at TIMESTAMP NOT NULL DEFAULT (now()::TIMESTAMP)
   )`,
  // Per-minute rollups per site from the stream processor (issue 5), upserted by (site, minute):
  // dashboards read these instead of rescanning events. visitors_hll is a HyperLogLog sketch
  // (2^12 one-byte registers, src/processor/hll.ts) that merges over any range; visitors its estimate.
  `CREATE TABLE IF NOT EXISTS rollups_minute (
     site VARCHAR NOT NULL,
     minute TIMESTAMP NOT NULL,
     page_views BIGINT NOT NULL,
     events BIGINT NOT NULL,
     visitors_hll BLOB NOT NULL,
     visitors BIGINT NOT NULL,
     events_by_name JSON NOT NULL,
     PRIMARY KEY (site, minute)
   )`,
  // The stream processor's checkpoint: log position and small state (watermarks, open windows),
  // written in the same transaction as its sessions, rollups and late events (exactly once).
  `CREATE TABLE IF NOT EXISTS clickflow_processor_checkpoints (
     processor_id VARCHAR NOT NULL PRIMARY KEY,
     topic VARCHAR NOT NULL,
     offsets JSON NOT NULL,
     meta JSON NOT NULL,
     checkpointed_at TIMESTAMP NOT NULL
   )`,
  // The state of the processor's open sessions: one document per checkpoint that changed them, a
  // snapshot of every open session or a delta on top of the documents before it (format in
  // src/processor/session-state.ts); a snapshot deletes the older ones in its transaction. One
  // document instead of a row per session: no per-row delete, and positional tuples are 2.7x fewer
  // bytes than the JSON objects of the previous form.
  `CREATE TABLE IF NOT EXISTS clickflow_processor_state (
     processor_id VARCHAR NOT NULL,
     seq BIGINT NOT NULL,
     snapshot BOOLEAN NOT NULL,
     state VARCHAR NOT NULL
   )`,
  // The previous form of that state, one JSON row per open session: read at restart, emptied by the
  // first snapshot after it.
  `CREATE TABLE IF NOT EXISTS clickflow_processor_sessions (
     processor_id VARCHAR NOT NULL,
     sid VARCHAR NOT NULL,
     state VARCHAR NOT NULL
   )`,
  // Who erased whom, when, and how many rows (issue 6).
  `CREATE TABLE IF NOT EXISTS erasure_audit (
     requested_by VARCHAR NOT NULL,
     subject_kind VARCHAR NOT NULL,
     subject_id VARCHAR NOT NULL,
     requested_at TIMESTAMP NOT NULL,
     rows_events BIGINT NOT NULL,
     rows_sessions BIGINT NOT NULL,
     rows_other BIGINT NOT NULL,
     lake_files_rewritten INTEGER NOT NULL
   )`,
  // Funnels saved from the dashboard (POST /api/funnels/saved); the definition is the API's JSON.
  `CREATE TABLE IF NOT EXISTS saved_funnels (
     name VARCHAR NOT NULL PRIMARY KEY,
     definition JSON NOT NULL,
     saved_at TIMESTAMP NOT NULL
   )`,
  // Alert rules' state (issue 5), one row per rule id, so a restart neither re-fires nor forgets a
  // firing alert; written by src/alerts at every evaluation.
  `CREATE TABLE IF NOT EXISTS alert_state (
     rule_id VARCHAR NOT NULL PRIMARY KEY,
     state VARCHAR NOT NULL,
     since TIMESTAMP,
     pending_since TIMESTAMP,
     last_fired_at TIMESTAMP,
     last_value DOUBLE,
     updated_at TIMESTAMP NOT NULL
   )`,
  // Every firing and recovery with its webhook delivery; `pending` ones are delivered again on start.
  `CREATE TABLE IF NOT EXISTS alert_history (
     id VARCHAR NOT NULL PRIMARY KEY,
     rule_id VARCHAR NOT NULL,
     kind VARCHAR NOT NULL,
     occurred_at TIMESTAMP NOT NULL,
     value DOUBLE NOT NULL,
     threshold DOUBLE NOT NULL,
     baseline DOUBLE,
     webhook_url VARCHAR,
     webhook_status VARCHAR NOT NULL,
     webhook_attempts INTEGER NOT NULL,
     webhook_error VARCHAR,
     payload JSON NOT NULL
   )`,
  // Late events the late-event reconciliation (src/backfill) has folded into `sessions`.
  `CREATE TABLE IF NOT EXISTS clickflow_late_reconciled (
     event_id VARCHAR NOT NULL,
     visitor_id VARCHAR NOT NULL,
     reconciled_at TIMESTAMP NOT NULL
   )`,
  // Where each exactly-once sink stopped in the log; updated in the same transaction as its rows.
  `CREATE TABLE IF NOT EXISTS clickflow_sink_positions (
     sink_id VARCHAR NOT NULL,
     topic VARCHAR NOT NULL,
     log_partition INTEGER NOT NULL,
     next_offset BIGINT NOT NULL,
     PRIMARY KEY (sink_id, topic, log_partition)
   )`,
]

/** Tables a user may read with SQL. */
export const USER_TABLES = [
  'events',
  'dead_letters',
  'sessions',
  'late_events',
  'rollups_minute',
  'erasure_audit',
  'alert_history',
] as const
