// Where the log keeps what, shared by the log and the read-only CLI:
//   <log dir>/<topic>/topic.json                        partition count (fixed when the topic is created)
//   <log dir>/<topic>/partition-<n>/<20-digit base>.log   record batches (+ .index, .timeindex)
//   <log dir>/<topic>/groups/<group>.json               committed offsets of a consumer group
import { join } from 'node:path'
import type { LogFs } from './fs-facade.ts'
import { writeFileAtomic } from './fs-facade.ts'

/** Legal topic names: Kafka's characters, so the same names work over the Kafka protocol. */
export const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,200}$/

const META_FILE = 'topic.json'

/** What `topic.json` holds. */
export interface TopicMeta {
  readonly partitions: number
  readonly created_at: string
}

/** The folder of a topic. */
export function topicDir(root: string, topic: string): string {
  return join(root, topic)
}

/** The folder of one partition of a topic. */
export function partitionDir(root: string, topic: string, partition: number): string {
  return join(root, topic, `partition-${partition}`)
}

/** The folder of a topic's consumer group offsets. */
export function groupsDir(root: string, topic: string): string {
  return join(root, topic, 'groups')
}

/** A topic's metadata, or null if the topic does not exist. */
export async function readTopicMeta(fs: LogFs, root: string, topic: string): Promise<TopicMeta | null> {
  try {
    const meta = JSON.parse((await fs.readFile(join(topicDir(root, topic), META_FILE))).toString('utf8'))
    if (!Number.isInteger(meta?.partitions) || meta.partitions < 1)
      throw new Error(`${topic}/${META_FILE} has no valid partition count`)
    return meta as TopicMeta
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw err
  }
}

/** Creates a topic's folder and metadata durably. */
export async function createTopic(
  fs: LogFs,
  root: string,
  topic: string,
  partitions: number,
): Promise<TopicMeta> {
  const dir = topicDir(root, topic)
  await fs.mkdir(dir)
  const meta: TopicMeta = { partitions, created_at: new Date().toISOString() }
  await writeFileAtomic(fs, dir, META_FILE, Buffer.from(`${JSON.stringify(meta)}\n`))
  // The topic folder's own entry must survive a crash too.
  await fs.syncDir(root)
  return meta
}

/** Names of the topics under `root`, sorted. */
export async function listTopics(fs: LogFs, root: string): Promise<string[]> {
  let names: string[]
  try {
    names = await fs.readdir(root)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw err
  }
  const topics: string[] = []
  for (const name of names.sort()) {
    if (!TOPIC_NAME.test(name)) continue
    if (await readTopicMeta(fs, root, name).catch(() => null)) topics.push(name)
  }
  return topics
}
