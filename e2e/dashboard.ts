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

/** The event list's entries as a person sees them: shown whole, shown in part but cut between
 *  two of their lines (one taller than the whole list), cut through a line (half a line at the
 *  list's bottom), or out of sight altogether. */
export async function eventLines (page: Page): Promise<{ whole: number, lineCut: number, cut: number, hidden: number }> {
  // a string, because this file is type-checked as Node code, without the DOM
  return await page.evaluate(`(() => {
    const list = document.querySelector('[data-testid=events] ol')
    const box = list.getBoundingClientRect()
    let whole = 0, lineCut = 0, cut = 0, hidden = 0
    for (const item of list.children) {
      const r = item.getBoundingClientRect()
      if (r.left >= box.right || r.right <= box.left || r.top >= box.bottom || r.bottom <= box.top) hidden++
      else if (r.left >= box.left - 0.5 && r.right <= box.right + 0.5 && r.top >= box.top - 0.5 && r.bottom <= box.bottom + 0.5) whole++
      else {
        const lines = (box.bottom - r.top) / parseFloat(getComputedStyle(item).lineHeight)
        if (Math.abs(lines - Math.round(lines)) * parseFloat(getComputedStyle(item).lineHeight) <= 1 && r.left >= box.left - 0.5 && r.right <= box.right + 0.5) lineCut++
        else cut++
      }
    }
    return { whole, lineCut, cut, hidden }
  })()`)
}
