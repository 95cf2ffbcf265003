// Many node APIs in one process, for the watcher's benchmark: node i of n answers under
// /n/<i>/ as a Filecoin node (i % 3 = 0: JSON-RPC at /n/<i>/rpc/v1, ChainNotify), a beacon node
// (1: /n/<i>/eth/v1/…, server-sent events) or an execution node (2: /n/<i>/exec, newHeads), with
// the same answers as the stand-ins the tests use. Every node makes a block every blockMs, the
// nodes' blocks spread evenly over that time. Nodes marked as probes make blocks only when
// POST /_advance/<i> says so, so the benchmark knows to the millisecond when a head was new.
// Run as a process: prints {"port"}; stops on SIGTERM.
import { createServer } from 'node:http'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { WebSocketServer } from 'ws'
import { blockRoot } from '../src/testing/beacon-stand-in.ts'
import { standInCid, tipsetJson } from '../src/testing/filecoin-stand-in.ts'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type WebSocket from 'ws'

export type BenchKind = 'filecoin' | 'beacon' | 'execution'
export const kindOf = (i: number): BenchKind => (['filecoin', 'beacon', 'execution'] as const)[i % 3] ?? 'filecoin'

interface BenchNode {
  i: number
  kind: BenchKind
  height: number
  probe: boolean
  /** subscribers: SSE responses, or sockets with their channel / subscription id */
  sse: Set<ServerResponse>
  sockets: Map<WebSocket, string | number>
}

function hashOf (i: number, height: number): string {
  return blockRoot(`n${i}:${height}`)
}

function cidsOf (i: number, height: number): string[] {
  return [standInCid(`n${i}:${height}`)]
}

function tipset (node: BenchNode): unknown {
  return tipsetJson({ cids: cidsOf(node.i, node.height), height: node.height, parents: cidsOf(node.i, node.height - 1) })
}

function block (node: BenchNode): unknown {
  return { number: `0x${node.height.toString(16)}`, hash: hashOf(node.i, node.height), parentHash: hashOf(node.i, node.height - 1), timestamp: '0x0' }
}

export function startNodeServer (count: number, blockMs: number, probes: number[]): Promise<{ port: number, close: () => void }> {
  const nodes: BenchNode[] = Array.from({ length: count }, (_, i) => ({ i, kind: kindOf(i), height: 1, probe: probes.includes(i), sse: new Set(), sockets: new Map() }))
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false })

  const advance = (node: BenchNode): void => {
    node.height++
    if (node.kind === 'beacon') {
      const line = `event: head\ndata: ${JSON.stringify({ slot: String(node.height), block: hashOf(node.i, node.height), state: hashOf(node.i, -node.height), epoch_transition: false })}\n\n`
      for (const res of node.sse) res.write(line)
    } else {
      for (const [socket, id] of node.sockets) {
        socket.send(node.kind === 'filecoin'
          ? JSON.stringify({ jsonrpc: '2.0', method: 'xrpc.ch.val', params: [id, [{ Type: 'apply', Val: tipset(node) }]] })
          : JSON.stringify({ jsonrpc: '2.0', method: 'eth_subscription', params: { subscription: id, result: block(node) } }))
      }
    }
  }

  // each node's blocks come on its own phase, spread over the block time
  const started = Date.now()
  const timer = setInterval(() => {
    const elapsed = Date.now() - started
    for (const node of nodes) {
      if (node.probe) continue
      const due = 1 + Math.floor((elapsed + (node.i * blockMs) / count) / blockMs)
      while (node.height < due) advance(node)
    }
  }, 50)

  const rpc = (node: BenchNode, call: { id?: unknown, method?: unknown }, socket?: WebSocket): unknown => {
    const ok = (result: unknown): unknown => ({ jsonrpc: '2.0', id: call.id ?? null, result })
    switch (call.method) {
      case 'Filecoin.Version': return ok({ Version: '1.28.0+bench', APIVersion: 131840, BlockDelay: 30 })
      case 'Filecoin.NetAddrsListen': return ok({ ID: '12D3KooWGzxzKZYveHXtpG6AsrUJBcWxHBFS2HsEoGTxrMLvKXtf', Addrs: [] })
      case 'Filecoin.ChainHead': return ok(tipset(node))
      case 'Filecoin.ChainNotify': {
        if (socket == null) break
        const channel = node.i + 1
        queueMicrotask(() => {
          node.sockets.set(socket, channel)
          socket.send(JSON.stringify({ jsonrpc: '2.0', method: 'xrpc.ch.val', params: [channel, [{ Type: 'current', Val: tipset(node) }]] }))
        })
        return ok(channel)
      }
      case 'web3_clientVersion': return ok('BenchNode/v1.0.0/linux')
      case 'eth_syncing': return ok(false)
      case 'eth_getBlockByNumber': return ok(block(node))
      case 'eth_subscribe': {
        if (socket == null) break
        const id = `0x${node.i.toString(16)}`
        node.sockets.set(socket, id)
        return ok(id)
      }
    }
    return { jsonrpc: '2.0', id: call.id ?? null, error: { code: -32601, message: 'method not found' } }
  }

  const beacon = (node: BenchNode, path: string, res: ServerResponse): void => {
    const json = (value: unknown): void => { res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(value)) }
    if (path.startsWith('/eth/v1/events')) {
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      res.write(': bench\n\n')
      node.sse.add(res)
      res.on('close', () => { node.sse.delete(res) })
      return
    }
    if (path === '/eth/v1/node/version') return json({ data: { version: 'BenchBeacon/v1.0.0/x' } })
    if (path === '/eth/v1/node/identity') return json({ data: { peer_id: '16Uiu2HAmH15yAPm69RgbZjodSZcBAzWAXFYxbCpNxFaubTDbmSxB' } })
    if (path === '/eth/v1/node/syncing') return json({ data: { head_slot: String(node.height), sync_distance: '0', is_syncing: false } })
    if (path === '/eth/v1/config/spec') return json({ data: { SLOTS_PER_EPOCH: '32' } })
    if (path === '/eth/v1/beacon/states/head/finality_checkpoints') return json({ data: { finalized: { epoch: String(Math.max(0, Math.floor(node.height / 32) - 2)), root: hashOf(0, 0) } } })
    if (path === '/eth/v1/beacon/headers/head') return json({ data: { root: hashOf(node.i, node.height), canonical: true, header: { message: { slot: String(node.height) } } } })
    res.writeHead(404).end()
  }

  const route = (url: string): { node: BenchNode, path: string } | undefined => {
    const match = /^\/n\/(\d+)(\/.*)?$/.exec(url)
    const node = match != null ? nodes[Number(match[1])] : undefined
    return node != null && match != null ? { node, path: match[2] ?? '/' } : undefined
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '/'
    const advanceMatch = /^\/_advance\/(\d+)$/.exec(url)
    if (advanceMatch != null) {
      const node = nodes[Number(advanceMatch[1])]
      if (node != null) advance(node)
      res.writeHead(200).end(String(node?.height ?? -1))
      return
    }
    const found = route(url)
    if (found == null) { res.writeHead(404).end(); return }
    if (found.node.kind === 'beacon') { beacon(found.node, found.path, res); return }
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (chunk: string) => { body += chunk })
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(rpc(found.node, JSON.parse(body) as { id?: unknown, method?: unknown })))
    })
  })
  server.on('upgrade', (req, socket, head) => {
    const found = route(req.url ?? '/')
    if (found == null || found.node.kind === 'beacon') { socket.end('HTTP/1.1 404 Not Found\r\n\r\n'); return }
    wss.handleUpgrade(req, socket, head, ws => {
      ws.on('message', data => { ws.send(JSON.stringify(rpc(found.node, JSON.parse(data.toString()) as { id?: unknown, method?: unknown }, ws))) })
      ws.on('close', () => { found.node.sockets.delete(ws) })
    })
  })
  return new Promise(resolveStart => {
    server.listen(0, '127.0.0.1', () => {
      resolveStart({
        port: (server.address() as AddressInfo).port,
        close: () => { clearInterval(timer); server.closeAllConnections(); server.close() }
      })
    })
  })
}

/** The node file for `count` nodes served at port. */
export function nodeFile (port: number, count: number, probes: number[] = []): { nodes: Array<{ name: string, kind: BenchKind, url: string }> } {
  return {
    nodes: Array.from({ length: count }, (_, i) => {
      const kind = kindOf(i)
      const base = `127.0.0.1:${port}/n/${i}`
      return { name: `${probes.includes(i) ? 'probe-' : ''}${kind}-${i}`, kind, url: kind === 'filecoin' ? `ws://${base}/rpc/v1` : kind === 'beacon' ? `http://${base}` : `ws://${base}/exec` }
    })
  }
}

if (process.argv[1] != null && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const [count, blockMs, probes] = [Number(process.argv[2] ?? 100), Number(process.argv[3] ?? 4000), (process.argv[4] ?? '').split(',').filter(p => p !== '').map(Number)]
  const { port, close } = await startNodeServer(count, blockMs, probes)
  console.log(JSON.stringify({ port }))
  process.once('SIGTERM', () => { close(); process.exit(0) })
}
