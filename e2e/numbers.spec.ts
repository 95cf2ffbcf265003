// Numbers a wall shows are never cut: heights of long-lived chains (8 digits), a node
// thousands of heights behind, nodes silent for days. A real relay and real senders; nodes
// the relay knew before its start (offline since) come from its known-nodes file.
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { expect, test } from '@playwright/test'
import { connection, row } from './dashboard.ts'
import { artifactPath, removeDir, settle, startRelayProcess, startSenderProcess, stopAll, tcpTarget, tempDir } from './devnet.ts'

let dataDir = ''
test.beforeEach(async () => { dataDir = await tempDir() })
test.afterEach(async () => {
  await stopAll()
  await removeDir(dataDir)
})

// Ethereum's slot count is past 10 million; Filecoin mainnet's epoch ~5 million
const TIP = 13_000_000
const HOUR = 3_600_000

/** An offline node as the relay saved it, last heard `silentMs` ago. */
async function knownOffline (nickname: string, height: number, silentMs: number): Promise<object> {
  const peerId = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
  const at = Date.now() - silentMs
  return { peerId, nickname, height, head: `{ bafy2bzaceold${height} }`, minerAddress: 't01234', genesisCid: null, connected: false, firstSeenAt: at - HOUR, lastHeartbeatAt: at }
}

/** Table cells and summary values whose text is wider than the box shows (cut, or ellipsised),
 *  and chart axis labels that run off the chart's left edge, with what they hold. */
const CUT = `(() => [
  ...[...document.querySelectorAll('tr.row td, .tile-value')]
    .filter(cell => cell.scrollWidth > cell.clientWidth + 0.5)
    .map(cell => cell.className + ': ' + cell.textContent),
  ...[...document.querySelectorAll('[data-testid=chart] .axis text')]
    .filter(text => text.getBBox().x < 0)
    .map(text => 'axis: ' + text.textContent)
])()`

test('heights of eight digits, a lag of thousands and days of silence are shown whole at 1080p and 720p', async ({ page }) => {
  await writeFile(join(dataDir, 'known-nodes.json'), JSON.stringify([
    await knownOffline('Gone2Days', TIP - 40_000, 47 * HOUR + 59 * 60_000 + 30_000),
    // the longest a page lists an offline node (?offline= is at most 7 days)
    await knownOffline('GoneLongAgo', 4_321, 6 * 24 * HOUR + 22.5 * HOUR)
  ]))
  const relay = await startRelayProcess({ dataDir })
  const target = tcpTarget(relay.info)
  // all three beat every 400 ms, so the differences between them hold
  await startSenderProcess({ target, nickname: 'Tip', height: TIP })
  await startSenderProcess({ target, nickname: 'Laggard', height: TIP - 7_016 })
  await startSenderProcess({ target, nickname: 'Syncing', height: 10 })
  await page.goto(`${relay.info.httpUrl}/?offline=168h`)
  await expect(connection(page)).toHaveText(/Live/)

  await expect(row(page, 'Tip').locator('td.c-lag')).toHaveText('0')
  await expect(row(page, 'Tip').locator('td.c-height')).toHaveText(/^13,000,\d{3}$/)
  // 7,016 behind (and the few beats the tip sent before the laggard started): abbreviated, never cut to "−70…"
  await expect(row(page, 'Laggard').locator('td.c-lag')).toHaveText('−7.0k')
  await expect(row(page, 'Laggard').locator('td.c-lag')).toHaveAttribute('title', /^7,0\d\d behind$/)
  await expect(row(page, 'Syncing').locator('td.c-lag')).toHaveText('−13M')
  await expect(row(page, 'Gone2Days').locator('td.c-beat')).toHaveText(/^4[78] h \d\d m$/)
  await expect(row(page, 'GoneLongAgo').locator('td.c-beat')).toHaveText(/^6 d 2\d h$/)
  await expect(page.getByTestId('summary-best').locator('.big')).toHaveText(/^13,000,\d{3}$/)

  for (const [label, width, height] of [['1080p', 1920, 1080], ['720p', 1280, 720]] as const) {
    await page.setViewportSize({ width, height })
    await settle(page)
    expect(await page.evaluate(CUT), `numbers cut at ${label}`).toEqual([])
    await page.screenshot({ path: artifactPath(`numbers-${label}.png`) })
  }
})
