// The page's entry: reads the URL once, makes the store, starts the feed and mounts the app.
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { createDashboardStore } from '../store/store.ts'
import { App } from './App.tsx'
import { startFeedConnection } from './connection.ts'
import { loadOrCreateIdentity } from './identity.ts'
import { parseParams } from './url-params.ts'
import './styles.css'

// A relay on a newer feed reloads the page once to fetch the matching code; the key stops a
// reload loop when the relay serves the old page (then the mismatch is shown in words)
const RELOAD_KEY = 'devnet-dashboard:reloaded-for-feed-version'

const params = parseParams(window.location.search)
const store = createDashboardStore({
  schedule: callback => { requestAnimationFrame(callback) },
  now: Date.now,
  offlineKeepMs: params.offlineKeepMs,
  filter: params.filter,
  pins: params.pins,
  windowMs: params.windowMs
})

function storage (): Storage | null {
  try {
    return window.localStorage
  } catch {
    return null
  }
}

// the feed starts before React's first render, so the page's first paint and the dial overlap
startFeedConnection({
  sink: store,
  relay: params.relay,
  privateKey: loadOrCreateIdentity(storage()),
  relayJsonUrl: new URL('relay.json', window.location.href).toString(),
  pageHostname: window.location.hostname,
  onVersionMismatch: relayVersion => {
    if (sessionStorage.getItem(RELOAD_KEY) === String(relayVersion)) return false
    sessionStorage.setItem(RELOAD_KEY, String(relayVersion))
    window.location.reload()
    return true
  },
  onVersionMatch: () => { sessionStorage.removeItem(RELOAD_KEY) }
})

const root = document.getElementById('root')
if (root === null) throw new Error('index.html has no #root')
createRoot(root).render(
  <StrictMode>
    <App store={store} params={params} />
  </StrictMode>
)
