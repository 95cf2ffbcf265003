// A part of the page whose code is loaded after the first paint (React.lazy). Until it is in,
// and if it never comes (a chunk gone after the relay restarted with a new build), its place
// holds a placeholder of the same size: a wall's layout does not jump when it arrives, and a
// part that failed to load does not take the rest of the page down with it.
import { Component, Suspense } from 'react'
import type { ReactNode } from 'react'

interface Props { placeholder: ReactNode, children: ReactNode }

class Failed extends Component<Props, { failed: boolean }> {
  override state = { failed: false }

  static getDerivedStateFromError (): { failed: boolean } {
    return { failed: true }
  }

  override render (): ReactNode {
    return this.state.failed ? this.props.placeholder : this.props.children
  }
}

export function LazyPart ({ placeholder, children }: Props) {
  return (
    <Failed placeholder={placeholder}>
      <Suspense fallback={placeholder}>{children}</Suspense>
    </Failed>
  )
}
