import { useLayoutEffect, useState } from 'react'
import type { RefObject } from 'react'

export interface Size { width: number, height: number }

/** The element's content size, kept current by a ResizeObserver (released on unmount). */
export function useElementSize (ref: RefObject<HTMLElement | null>): Size {
  const [size, setSize] = useState<Size>({ width: 0, height: 0 })
  useLayoutEffect(() => {
    const element = ref.current
    if (element === null) return
    const update = (width: number, height: number): void => {
      // whole pixels: sub-pixel jitter would re-render the chart for nothing
      const next = { width: Math.floor(width), height: Math.floor(height) }
      setSize(previous => previous.width === next.width && previous.height === next.height ? previous : next)
    }
    const rect = element.getBoundingClientRect()
    update(rect.width, rect.height)
    const observer = new ResizeObserver(entries => {
      const box = entries[0]?.contentRect
      if (box !== undefined) update(box.width, box.height)
    })
    observer.observe(element)
    return () => { observer.disconnect() }
  }, [ref])
  return size
}
