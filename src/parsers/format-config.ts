// Settings of the line formats shared by the file_tail source and `clickflow import`: which format,
// and how its fields become an event. One schema, so a format means the same thing in both places.
import { z } from 'zod'

/** Event fields a record format (jsonl, csv, regex) can fill from a field of the input. */
export const MAPPABLE_FIELDS = [
  'event_type',
  'event_name',
  'event_time',
  'visitor_id',
  'user_id',
  'session_id',
  'page_view_id',
  'url',
  'referrer',
  'title',
  'site',
  'user_agent',
  'ip',
] as const

/** One of {@link MAPPABLE_FIELDS}. */
export type MappableField = (typeof MAPPABLE_FIELDS)[number]

const mappingShape = {
  fields: z
    .partialRecord(z.enum(MAPPABLE_FIELDS), z.string().min(1))
    .default({})
    .describe(
      'Event field -> input field (dot path, e.g. `user.id`). Event fields: event_type, event_name, event_time (epoch s/ms, ISO 8601 or Apache time), visitor_id, user_id, session_id, page_view_id, url, referrer, title, site, user_agent, ip. One not listed reads the input field of the same name.',
    ),
  constants: z
    .partialRecord(z.enum(MAPPABLE_FIELDS), z.string())
    .default({})
    .describe('Event field -> fixed value, used when the input has none (e.g. `event_type: track`).'),
  other_fields_as_props: z
    .boolean()
    .default(true)
    .describe('Keep the input fields that no event field reads in `props`.'),
  base_url: z
    .url()
    .default('http://localhost')
    .describe('Scheme and host that relative page URLs (`/pricing`) are resolved against.'),
}

const accessLogShape = {
  base_url: z
    .url()
    .default('http://localhost')
    .describe('Scheme and host of the logged site; page_url = base_url + the request path.'),
  site: z
    .string()
    .min(1)
    .optional()
    .describe('Fixed site name for every event; default: the host of base_url.'),
  methods: z
    .array(z.string().min(1))
    .default(['GET', 'POST'])
    .describe('Request methods that count as page views (HEAD is left out by default).'),
  status_min: z.number().int().min(100).max(599).default(200).describe('Lowest status that counts.'),
  status_max: z.number().int().min(100).max(599).default(299).describe('Highest status that counts.'),
  exclude_extensions: z
    .array(z.string().regex(/^[a-z0-9]+$/, 'lower-case extension without the dot'))
    .default([
      'css',
      'js',
      'mjs',
      'map',
      'png',
      'jpg',
      'jpeg',
      'gif',
      'svg',
      'ico',
      'webp',
      'avif',
      'bmp',
      'woff',
      'woff2',
      'ttf',
      'otf',
      'eot',
      'mp4',
      'webm',
      'mp3',
      'ogg',
      'wav',
    ])
    .describe('Static assets: request paths ending in these extensions are not page views.'),
  visitor_cookie: z
    .string()
    .min(1)
    .optional()
    .describe(
      'Cookie holding the visitor id, read from a quoted Cookie field logged after the user agent; default: a keyed hash of IP + user agent.',
    ),
}

/** Schema of the `format` setting: a format name and its options. */
export const formatConfig = z.discriminatedUnion('format', [
  z.strictObject({ format: z.literal('combined').describe('The format name.'), ...accessLogShape }),
  z.strictObject({ format: z.literal('common').describe('The format name.'), ...accessLogShape }),
  z.strictObject({
    format: z.literal('jsonl').describe('The format name.'),
    ...mappingShape,
    explode: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Path of an array in each line whose items are separate events; fields are looked up in the item, then in the line.',
      ),
  }),
  z.strictObject({
    format: z.literal('csv').describe('The format name.'),
    ...mappingShape,
    delimiter: z.string().length(1).default(',').describe('Field separator.'),
    columns: z
      .array(z.string().min(1))
      .optional()
      .describe('Column names; default: the first line of each file is the header.'),
  }),
  z.strictObject({
    format: z.literal('regex').describe('The format name.'),
    ...mappingShape,
    pattern: z
      .string()
      .min(1)
      .refine((p) => {
        try {
          return /\(\?<[A-Za-z_]\w*>/.test(p) && new RegExp(p) instanceof RegExp
        } catch {
          return false
        }
      }, 'must be a valid regular expression with named groups like (?<url>\\S+)')
      .describe('Regular expression with named groups; the groups are the input fields.'),
  }),
])

/** Parsed format settings. */
export type FormatConfig = z.infer<typeof formatConfig>

/** The format names, for the CLI. */
export const FORMAT_NAMES = ['combined', 'common', 'jsonl', 'csv', 'regex'] as const
