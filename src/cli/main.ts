// The clickflow command line. Each subcommand lives in its own file; this one only wires options.
// It is the one place (with the config loader it calls) that reads process.env. A subcommand's
// module is imported when that subcommand runs: `start` does not carry the lake, import or log
// tools' code (and what they import) in the collector's memory.
import { Command } from 'commander'
import { DEFAULT_CONFIG_YAML } from '../config/default-config.ts'
import { builtinRegistry } from '../topology/builtin-registry.ts'
import { EXIT, parsePort, reportError } from './exit.ts'
import type { GenerateCliOptions } from './generate.ts'

const program = new Command()
  .name('clickflow')
  .description('Self-hosted, real-time clickstream analytics.')
  .version('0.1.0')
  .showHelpAfterError()
  .exitOverride()

program
  .command('start')
  .description('Run collector, log, pipeline, store and API in this process.')
  .option('-c, --config <file>', 'config file (default: the built-in topology)')
  .option('--data-dir <dir>', 'where all data lives (default ./clickflow-data)')
  .option('--collect-port <n>', 'port of the http_collector source (default 8290)')
  .option('--admin-port <n>', 'port of the admin listener (default 8291)')
  .option(
    '--admin-token <token>',
    'require this Bearer token on the admin listener (or CLICKFLOW_ADMIN_TOKEN)',
  )
  .option(
    '--demo',
    'also serve a demo shop with the tag, simulated live visitors and, on a fresh store, weeks of history',
  )
  .option('--demo-port <n>', 'port of the demo shop on 127.0.0.1 (default 8292)')
  .action(
    async (o: {
      config?: string
      dataDir?: string
      collectPort?: string
      adminPort?: string
      adminToken?: string
      demo?: boolean
      demoPort?: string
    }) => {
      process.exitCode = await (await import('./start.ts')).runStart(
        {
          config: o.config,
          overrides: {
            dataDir: o.dataDir,
            collectPort: o.collectPort === undefined ? undefined : parsePort(o.collectPort, '--collect-port'),
            adminPort: o.adminPort === undefined ? undefined : parsePort(o.adminPort, '--admin-port'),
            adminToken: o.adminToken,
          },
          demo:
            o.demo || o.demoPort !== undefined
              ? { port: o.demoPort === undefined ? 8292 : parsePort(o.demoPort, '--demo-port') }
              : undefined,
        },
        process.env,
      )
    },
  )

program
  .command('validate')
  .description('Check a config file and list every problem in it.')
  .option('-c, --config <file>', 'config file (default: the built-in topology)')
  .action(async (o: { config?: string }) => {
    process.exitCode = (await import('./validate.ts')).runValidate(o.config, process.env)
  })

const config = program.command('config').description('Show configuration material.')
config
  .command('default')
  .description('Print the built-in default config, a starting point for your own.')
  .action(() => {
    process.stdout.write(DEFAULT_CONFIG_YAML)
  })
config
  .command('components')
  .description('List the component types this build has.')
  .action(() => {
    const registry = builtinRegistry()
    for (const kind of ['source', 'transform', 'sink'] as const) {
      for (const spec of registry.list(kind))
        process.stdout.write(`${kind.padEnd(10)} ${spec.type.padEnd(18)} ${spec.description}\n`)
    }
  })

program
  .command('import')
  .description('Load historical log files (access logs, JSON lines, CSV) through the file_tail parsers.')
  .argument('<files...>', 'files to import; each is remembered by identity, so a rerun resumes or skips it')
  .option(
    '--format <name>',
    'combined, common, jsonl, csv or regex (default: from the extension, else combined)',
  )
  .option('--parser <json>', 'more parser settings as JSON, e.g. \'{"base_url":"https://shop.example"}\'')
  .option('--source-id <id>', "source id the events carry (default: the config's first source)")
  .option('-c, --config <file>', 'config file (default: the built-in topology)')
  .option('--data-dir <dir>', 'data directory (default ./clickflow-data)')
  .option(
    '--admin-token <token>',
    'token of a running clickflow to hand the events to (or CLICKFLOW_ADMIN_TOKEN)',
  )
  .option(
    '--parse-threads <n>',
    'worker threads that parse (at most the cores; 0: the main thread; default 2, or 0 for imports under 32 MiB)',
  )
  .action(
    async (
      files: string[],
      o: {
        format?: string
        parser?: string
        sourceId?: string
        config?: string
        dataDir?: string
        adminToken?: string
        parseThreads?: string
      },
    ) => {
      process.exitCode = await (await import('./import-command.ts')).runImportCommand(files, o, process.env)
    },
  )

program
  .command('generate')
  .description('Generate realistic traffic (sessions, funnels, referrers, countries, devices, bots).')
  .requiredOption('--events <n>', 'exactly this many events')
  .option('--days <n>', 'spread over this many days before --end (default 30)')
  .option('--seed <n>', 'the same seed and --end give the same traffic (default 1)')
  .option(
    '--sites <list>',
    'comma-separated site host names, the first the busiest (default shop.example.com)',
  )
  .option('--end <time>', 'end of the range, ISO 8601 (default now)')
  .option('--out <file>', 'write JSON lines that `clickflow import --format jsonl` loads')
  .option('--into <dir>', 'load into this data directory through the import path')
  .option('-c, --config <file>', 'config file, with --into (default: the built-in topology)')
  .option('--source-id <id>', "with --into: source id the events carry (default: the config's first source)")
  .option('--admin-token <token>', 'with --into: token of a running clickflow (or CLICKFLOW_ADMIN_TOKEN)')
  .action(async (o: GenerateCliOptions) => {
    process.exitCode = await (await import('./generate.ts')).runGenerate(o, process.env)
  })

const log = program
  .command('log')
  .description('Look into the durable log (read-only; works while clickflow runs on the data dir).')
log
  .command('topics')
  .description('List topics with partitions, records, size, segments and consumer groups.')
  .option('--data-dir <dir>', 'data directory (default ./clickflow-data)')
  .action(async (o: { dataDir?: string }) => {
    process.exitCode = await (await import('./log-topics.ts')).runLogTopics(o)
  })
log
  .command('tail')
  .description('Print records as JSON lines and follow new ones until Ctrl+C.')
  .argument('<topic>', 'topic to follow, e.g. events')
  .option('--from-beginning', 'start at the oldest record kept instead of the end')
  .option('--partition <n>', 'only this partition')
  .option('--data-dir <dir>', 'data directory (default ./clickflow-data)')
  .action(async (topic: string, o: { dataDir?: string; fromBeginning?: boolean; partition?: string }) => {
    process.exitCode = await (await import('./log-tail.ts')).runLogTail(topic, o)
  })
log
  .command('inspect')
  .description("Show a partition's offsets, segments (sizes, time ranges) and consumer groups with lag.")
  .argument('<topic>', 'topic, e.g. events')
  .argument('<partition>', 'partition number')
  .option('--data-dir <dir>', 'data directory (default ./clickflow-data)')
  .action(async (topic: string, partition: string, o: { dataDir?: string }) => {
    process.exitCode = await (await import('./log-inspect.ts')).runLogInspect(topic, partition, o)
  })

const dataDirOptions = (c: Command): Command =>
  c
    .option('-c, --config <file>', 'config file (default: the built-in topology)')
    .option('--data-dir <dir>', 'data directory (default ./clickflow-data)')
    .option(
      '--admin-token <token>',
      'token of a running clickflow to send the request to (or CLICKFLOW_ADMIN_TOKEN)',
    )

const lake = program
  .command('lake')
  .description('The lake: Parquet files by day with a Delta Lake log (works whether or not clickflow runs).')
dataDirOptions(
  lake
    .command('export')
    .description(
      'Export closed days (or one day) of events that are not in the lake yet, as one new version.',
    )
    .option('--day <YYYY-MM-DD>', 'export this UTC day, closed or not'),
).action(async (o) => {
  process.exitCode = await (await import('./lake-command.ts')).runLakeExport(o, process.env)
})
dataDirOptions(
  lake
    .command('compact')
    .description('Merge each day with several small files into one file (a version with dataChange=false).')
    .option('--min-files <n>', 'compact a day once it has this many small files (default 2)'),
).action(async (o) => {
  process.exitCode = await (await import('./lake-command.ts')).runLakeCompact(o, process.env)
})
dataDirOptions(
  lake
    .command('vacuum')
    .description('Delete files no version within the retention period needs.')
    .option(
      '--retention-hours <h>',
      'keep files removed less than this long ago (default: lake.vacuum_retention_ms)',
    ),
).action(async (o) => {
  process.exitCode = await (await import('./lake-command.ts')).runLakeVacuum(o, process.env)
})
dataDirOptions(
  lake.command('history').description('List the versions of the lake table, newest first.'),
).action(async (o) => {
  process.exitCode = await (await import('./lake-command.ts')).runLakeHistory(o, process.env)
})
dataDirOptions(
  lake
    .command('snapshot')
    .description('Print the files of the newest version, or of an earlier one (time travel).')
    .option('--as-of-version <n>', 'the table as of this version')
    .option(
      '--as-of-timestamp <iso>',
      'the table as of this time (the newest version committed at or before it)',
    ),
).action(async (o) => {
  process.exitCode = await (await import('./lake-command.ts')).runLakeSnapshot(o, process.env)
})

dataDirOptions(
  program
    .command('erase')
    .description(
      'Erase everything about one visitor or user from the store and the lake, with an audit record.',
    )
    .option('--visitor <id>', 'the visitor id to erase')
    .option('--user <id>', 'the user id to erase (with the visitors it was seen with)')
    .option('--requested-by <who>', 'who asked, for the audit record (default cli:<login name>)'),
).action(async (o) => {
  process.exitCode = await (await import('./lake-command.ts')).runErase(o, process.env)
})

try {
  await program.parseAsync(process.argv)
} catch (err) {
  const e = err as { code?: string; exitCode?: number }
  if (typeof e.code === 'string' && e.code.startsWith('commander.')) {
    // Help and version exit 0; usage mistakes were already explained by commander.
    process.exitCode = e.exitCode === 0 ? EXIT.ok : EXIT.usage
  } else process.exitCode = reportError(err)
}
