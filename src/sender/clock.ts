// Clocks for the heartbeat sender beyond the real one (src/p2p/clock.ts): a manual clock for
// tests, and a shared one so a thousand simulated nodes hold one real timer, not a thousand.
import type { Clock, ClockTimer } from '../p2p/clock.ts'

export { systemClock } from '../p2p/clock.ts'
export type { Clock, ClockTimer } from '../p2p/clock.ts'

interface Entry {
  id: number
  at: number
  /** insertion order: timers due at the same time fire in the order they were set */
  seq: number
  callback: () => void
}

/**
 * A min-heap of timers keyed by due time. Cancelled entries are removed at once (index map),
 * so a long run with many set/clear pairs holds only live timers.
 */
class TimerHeap {
  #heap: Entry[] = []
  #index = new Map<number, number>()
  #nextId = 1
  #seq = 0

  get size (): number {
    return this.#heap.length
  }

  /** due time of the earliest timer, or undefined */
  peek (): number | undefined {
    return this.#heap[0]?.at
  }

  add (at: number, callback: () => void): ClockTimer {
    const entry: Entry = { id: this.#nextId++, at, seq: this.#seq++, callback }
    this.#heap.push(entry)
    this.#index.set(entry.id, this.#heap.length - 1)
    this.#up(this.#heap.length - 1)
    return { id: entry.id }
  }

  remove (timer: ClockTimer): boolean {
    const i = this.#index.get(timer.id)
    if (i == null) return false
    this.#removeAt(i)
    return true
  }

  /** takes the earliest timer if it is due at or before `now` */
  popDue (now: number): Entry | undefined {
    const top = this.#heap[0]
    if (top == null || top.at > now) return undefined
    this.#removeAt(0)
    return top
  }

  clear (): void {
    this.#heap = []
    this.#index.clear()
  }

  #less (a: Entry, b: Entry): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq)
  }

  #set (i: number, entry: Entry): void {
    this.#heap[i] = entry
    this.#index.set(entry.id, i)
  }

  #removeAt (i: number): void {
    const heap = this.#heap
    const removed = heap[i]
    const last = heap.pop()
    if (removed == null || last == null) return
    this.#index.delete(removed.id)
    if (i < heap.length) {
      this.#set(i, last)
      this.#up(i)
      this.#down(i)
    }
  }

  #up (i: number): void {
    const heap = this.#heap
    const entry = heap[i]
    if (entry == null) return
    while (i > 0) {
      const parent = (i - 1) >> 1
      const p = heap[parent]
      if (p == null || !this.#less(entry, p)) break
      this.#set(i, p)
      i = parent
    }
    this.#set(i, entry)
  }

  #down (i: number): void {
    const heap = this.#heap
    const entry = heap[i]
    if (entry == null) return
    for (;;) {
      const l = 2 * i + 1
      const r = l + 1
      let smallest = i
      let best = entry
      const left = heap[l]
      const right = heap[r]
      if (left != null && this.#less(left, best)) { smallest = l; best = left }
      if (right != null && this.#less(right, best)) { smallest = r; best = right }
      if (smallest === i) break
      this.#set(i, best)
      i = smallest
    }
    this.#set(i, entry)
  }
}

/**
 * A fake clock for tests: time moves only when advance() is called, and every timer due by
 * then fires, in due order, with now() reading its due time while it runs.
 */
export class ManualClock implements Clock {
  #now: number
  #timers = new TimerHeap()

  constructor (start = 0) {
    this.#now = start
  }

  now = (): number => this.#now

  setTimeout = (callback: () => void, ms: number): ClockTimer =>
    this.#timers.add(this.#now + Math.max(0, ms), callback)

  clearTimeout = (timer: ClockTimer): void => {
    this.#timers.remove(timer)
  }

  /** timers not yet fired */
  get pending (): number {
    return this.#timers.size
  }

  /** Moves time forward by ms, firing what falls due (including timers set meanwhile). */
  advance (ms: number): void {
    const end = this.#now + ms
    for (let entry = this.#timers.popDue(end); entry != null; entry = this.#timers.popDue(end)) {
      this.#now = entry.at
      entry.callback()
    }
    this.#now = end
  }
}

/**
 * Real time with one Node timer for any number of clock timers: the heap's earliest entry
 * arms it. The simulator drives every node's tickers from one of these, so a thousand nodes
 * cost a thousand heap entries, not a thousand libuv timers.
 */
export class SharedClock implements Clock {
  #timers = new TimerHeap()
  #armed: ReturnType<typeof setTimeout> | undefined
  #armedAt = Infinity
  #stopped = false

  now = (): number => Date.now()

  setTimeout = (callback: () => void, ms: number): ClockTimer => {
    const timer = this.#timers.add(Date.now() + Math.max(0, ms), callback)
    this.#arm()
    return timer
  }

  clearTimeout = (timer: ClockTimer): void => {
    this.#timers.remove(timer)
    // the armed timer may now fire early and find nothing due; it re-arms then
  }

  get pending (): number {
    return this.#timers.size
  }

  /** Drops every timer and the real one under them; later setTimeout calls are ignored. */
  stop (): void {
    this.#stopped = true
    this.#timers.clear()
    if (this.#armed != null) clearTimeout(this.#armed)
    this.#armed = undefined
    this.#armedAt = Infinity
  }

  #arm (): void {
    if (this.#stopped) {
      this.#timers.clear()
      return
    }
    const next = this.#timers.peek()
    if (next == null || next >= this.#armedAt) return
    if (this.#armed != null) clearTimeout(this.#armed)
    this.#armedAt = next
    this.#armed = setTimeout(this.#fire, Math.max(0, next - Date.now()))
  }

  #fire = (): void => {
    this.#armed = undefined
    this.#armedAt = Infinity
    const now = Date.now()
    for (let entry = this.#timers.popDue(now); entry != null; entry = this.#timers.popDue(now)) {
      try {
        entry.callback()
      } catch {
        // a callback's failure is its owner's to log; the other timers still fire
      }
    }
    this.#arm()
  }
}
