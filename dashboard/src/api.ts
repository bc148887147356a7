// The dashboard's only way to the server: fetch with the admin token (Bearer) when one is stored,
// JSON in and out, every failure as an ApiError carrying the API's `{code, message}`.

/** An API failure with the server's code and sentence (or a network failure, code `network`). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

const TOKEN_KEY = 'clickflow.token'
const listeners = new Set<() => void>()

/** The stored admin token: localStorage when "remember" was ticked, else this tab's sessionStorage. */
export function getToken(): string | null {
  try {
    return sessionStorage.getItem(TOKEN_KEY) ?? localStorage.getItem(TOKEN_KEY)
  } catch {
    return null
  }
}

/** Stores (or with null forgets) the admin token. */
export function setToken(token: string | null, remember = false): void {
  sessionStorage.removeItem(TOKEN_KEY)
  localStorage.removeItem(TOKEN_KEY)
  if (token !== null) (remember ? localStorage : sessionStorage).setItem(TOKEN_KEY, token)
}

/** Called whenever a request is refused with 401, so the app can ask for the token. */
export function onUnauthorized(listener: () => void): () => void {
  listeners.add(listener)
  return () => listeners.delete(listener)
}

/** Headers every request carries. */
export function authHeaders(): Record<string, string> {
  const token = getToken()
  return token ? { authorization: `Bearer ${token}` } : {}
}

/** Turns a non-2xx response into an ApiError; tells the listeners about a 401. */
export async function failure(res: Response): Promise<ApiError> {
  let code = `http_${res.status}`
  let message = `the server answered ${res.status} ${res.statusText}`
  try {
    const body = (await res.json()) as { code?: unknown; message?: unknown }
    if (typeof body.code === 'string') code = body.code
    if (typeof body.message === 'string') message = body.message
  } catch {
    // Not JSON (a proxy's error page): keep the status line.
  }
  if (res.status === 401) for (const l of listeners) l()
  return new ApiError(res.status, code, message)
}

/** Query string from the defined entries of `params`. */
export function queryString(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(params))
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v))
  const s = q.toString()
  return s ? `?${s}` : ''
}

async function send<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  let res: Response
  try {
    res = await fetch(path, {
      method,
      headers: { ...authHeaders(), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    })
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err
    throw new ApiError(0, 'network', `cannot reach the clickflow server (${(err as Error).message})`)
  }
  if (!res.ok) throw await failure(res)
  if (res.status === 204) return undefined as T
  return (await res.json()) as T
}

/** GET path (with its query string) as JSON. */
export function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  return send<T>('GET', path, undefined, signal)
}

/** POST a JSON body, JSON back. */
export function postJson<T>(path: string, body: unknown, signal?: AbortSignal): Promise<T> {
  return send<T>('POST', path, body, signal)
}

/** DELETE path. */
export function deletePath(path: string): Promise<void> {
  return send<void>('DELETE', path)
}
