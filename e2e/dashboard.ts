// Locators for what a person reads on the dashboard.
import type { Locator, Page } from '@playwright/test'

export function row (page: Page, nickname: string): Locator {
  return page.locator('tr.row').filter({ has: page.locator('td.c-nick').getByText(nickname, { exact: true }) })
}

export function connection (page: Page): Locator {
  return page.getByTestId('connection')
}

/** A number as the dashboard writes it (1,234) → 1234; NaN when it is not one. */
export function parseShown (text: string | null): number {
  return Number((text ?? '').replace(/[,\s]/g, ''))
}

export async function bestHeight (page: Page): Promise<number> {
  return parseShown(await page.getByTestId('summary-best').locator('.big').textContent())
}

export async function rowHeight (page: Page, nickname: string): Promise<number> {
  return parseShown(await row(page, nickname).locator('td.c-height').textContent())
}
