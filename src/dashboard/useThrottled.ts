import { useEffect, useRef, useState } from 'react'

/** The value, updated at most once per intervalMs (the latest one wins); timer released on unmount. */
export function useThrottled<T> (value: T, intervalMs: number): T {
  const [shown, setShown] = useState(value)
  const last = useRef(0)
  useEffect(() => {
    if (Object.is(value, shown)) return
    const show = (): void => {
      last.current = performance.now()
      setShown(value)
    }
    const wait = last.current + intervalMs - performance.now()
    if (wait <= 0) {
      show()
      return
    }
    const timer = setTimeout(show, wait)
    return () => { clearTimeout(timer) }
  }, [value, shown, intervalMs])
  return shown
}
