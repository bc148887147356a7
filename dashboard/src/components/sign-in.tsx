// Sign-in with the admin token, shown when the server refuses a request with 401. The token is kept
// in this tab (sessionStorage) or, when asked, on this device (localStorage), and sent as Bearer.
import { useState } from 'preact/hooks'
import { ApiError, getJson, setToken } from '../api.ts'

/** The sign-in form; `onSignedIn` runs once the server accepted the token. */
export function SignIn({ onSignedIn, refused }: { onSignedIn: () => void; refused: boolean }) {
  const [token, setValue] = useState('')
  const [remember, setRemember] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const submit = async (e: Event) => {
    e.preventDefault()
    setBusy(true)
    setError(null)
    setToken(token.trim(), remember)
    try {
      await getJson('/api/dashboard/setup')
      onSignedIn()
    } catch (err) {
      setToken(null)
      setError(
        err instanceof ApiError && err.status === 401
          ? 'The server refused this token. Use the admin token of this clickflow (api.token or CLICKFLOW_ADMIN_TOKEN).'
          : (err as Error).message,
      )
    } finally {
      setBusy(false)
    }
  }
  return (
    <div class="sign-in">
      <form class="card" onSubmit={submit}>
        <h1>Sign in to clickflow</h1>
        <p>
          {refused
            ? 'This clickflow requires its admin token for the dashboard and its data.'
            : 'Enter the admin token.'}
        </p>
        <label class="field block">
          <span>Admin token</span>
          <input
            type="password"
            name="token"
            autocomplete="current-password"
            value={token}
            onInput={(e) => setValue(e.currentTarget.value)}
            required
          />
        </label>
        <label class="check">
          <input type="checkbox" checked={remember} onChange={(e) => setRemember(e.currentTarget.checked)} />{' '}
          Remember on this device
        </label>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="button primary" disabled={busy || !token.trim()}>
          Sign in
        </button>
      </form>
    </div>
  )
}
