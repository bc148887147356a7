// The file_tail source: tails log files in directories, like Flume's TAILDIR or Filebeat.
import type { SourceSpec } from '../../core/component.ts'
import { type FileTailConfig, fileTailConfig } from './config.ts'
import { FileTail } from './source.ts'

/** Spec of the `file_tail` source. */
export const fileTailSource: SourceSpec<FileTailConfig> = {
  kind: 'source',
  type: 'file_tail',
  description:
    'Tails log files (directory + glob), survives rotation, and remembers positions once lines are in the durable log.',
  config: fileTailConfig,
  build: async (config, ctx) => FileTail.create(config, ctx),
}
