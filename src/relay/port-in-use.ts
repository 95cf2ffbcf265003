// A listener's port is taken: the HTTP server and the libp2p node both say which option to change.
export class PortInUseError extends Error {
  static name = 'PortInUseError'
  constructor (port: number, option: string) {
    super(`port ${port} (${option}) is already in use; pick another with ${option}`)
    this.name = 'PortInUseError'
  }
}
