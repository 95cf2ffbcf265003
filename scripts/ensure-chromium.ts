// Browser tests need Debian's Chromium (a test tool's own browser download fails on these
// machines). Installs it when missing, which needs root, as CI and the dev machines have.
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

if (!existsSync(CHROMIUM)) {
  console.log(`${CHROMIUM} is missing; installing Debian's chromium package`)
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env })
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'chromium', 'fonts-dejavu-core'], { stdio: 'inherit', env })
  if (!existsSync(CHROMIUM)) {
    console.error(`chromium installed but ${CHROMIUM} is still missing`)
    process.exit(1)
  }
}
