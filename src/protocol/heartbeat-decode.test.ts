import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { decodeHeartbeatLine, encodeHeartbeatLine, tipsetCids } from './heartbeat.ts'
import type { RejectReason } from './errors.ts'

// a line as go-filecoin (Aug 2019 on) writes it, with Go's HTML escapes in the nickname
const GO_LINE = '{"Head":"{ bafy2bzaceaxk bafy2bzacebq4 }","Height":1234,"Nickname":"a\\u003cb\\u003e\\u0026c","MinerAddress":"t01000","GenesisCID":{"/":"bafy2bzacecnamqgqmifpluoeldx7zzglxcljo6oja4vrmtj7432rphldpdmm2"}}'

function rejects (line: string, reason: RejectReason): void {
  assert.throws(() => decodeHeartbeatLine(line), (err: unknown) => {
    assert.equal((err as Error).name, 'InvalidHeartbeatError')
    assert.equal((err as { reason?: string }).reason, reason, `expected ${reason} for ${line.slice(0, 80)}`)
    return true
  })
}

describe('decodeHeartbeatLine', () => {
  it('reads go-filecoin\'s fields and unescapes Go\'s \\u003c \\u003e \\u0026', () => {
    assert.deepEqual(decodeHeartbeatLine(GO_LINE), {
      head: '{ bafy2bzaceaxk bafy2bzacebq4 }',
      height: 1234,
      nickname: 'a<b>&c',
      minerAddress: 't01000',
      genesisCid: 'bafy2bzacecnamqgqmifpluoeldx7zzglxcljo6oja4vrmtj7432rphldpdmm2'
    })
  })

  it('reads a 2019 line without GenesisCID, with the empty head and height 0', () => {
    const hb = decodeHeartbeatLine('{"Head":"{ }","Height":0,"Nickname":"","MinerAddress":""}')
    assert.deepEqual(hb, { head: '{ }', height: 0, nickname: '', minerAddress: null, genesisCid: null })
  })

  for (const spelling of ['', 'empty', '[UNDEFINED_ADDRESS]', '\\u003cempty\\u003e', '<empty>']) {
    it(`treats MinerAddress ${JSON.stringify(spelling)} as no miner`, () => {
      assert.equal(decodeHeartbeatLine(`{"Head":"{ }","Height":1,"Nickname":"n","MinerAddress":"${spelling}"}`).minerAddress, null)
    })
  }

  it('accepts GenesisCID null and ignores unknown fields', () => {
    const hb = decodeHeartbeatLine('{"Head":"{ z1 }","Height":7,"Nickname":"n","MinerAddress":"t0101","GenesisCID":null,"Syncing":true,"Peers":[1,2]}')
    assert.equal(hb.genesisCid, null)
    assert.equal(hb.minerAddress, 't0101')
  })

  it('rejects a line that is not JSON', () => {
    rejects('{"Head":"{ }",', 'not_json')
    rejects('', 'not_json')
    rejects('hello', 'not_json')
  })

  it('rejects JSON that is not an object', () => {
    rejects('[1,2]', 'not_object')
    rejects('null', 'not_object')
    rejects('"Head"', 'not_object')
  })

  it('rejects fields of the wrong type', () => {
    rejects('{"Head":5,"Height":1}', 'invalid_head')
    rejects('{"Height":1}', 'invalid_head')
    rejects('{"Head":"{ }","Height":"12"}', 'invalid_height')
    rejects('{"Head":"{ }"}', 'invalid_height')
    rejects('{"Head":"{ }","Height":1,"Nickname":7}', 'invalid_nickname')
    rejects('{"Head":"{ }","Height":1,"MinerAddress":{"a":1}}', 'invalid_miner_address')
    rejects('{"Head":"{ }","Height":1,"GenesisCID":"bafy"}', 'invalid_genesis_cid')
    rejects('{"Head":"{ }","Height":1,"GenesisCID":{"/":5}}', 'invalid_genesis_cid')
  })

  it('rejects heights that are negative, fractional or above 2^53 - 1', () => {
    rejects('{"Head":"{ }","Height":-1}', 'invalid_height')
    rejects('{"Head":"{ }","Height":1.5}', 'invalid_height')
    rejects('{"Head":"{ }","Height":9007199254740992}', 'invalid_height')
    rejects('{"Head":"{ }","Height":18446744073709551615}', 'invalid_height')
    assert.equal(decodeHeartbeatLine('{"Head":"{ }","Height":9007199254740991}').height, 9007199254740991)
  })

  it('rejects strings longer than their bound', () => {
    rejects(`{"Head":"{ }","Height":1,"Nickname":"${'n'.repeat(129)}"}`, 'invalid_nickname')
    rejects(`{"Head":"${'h'.repeat(4097)}","Height":1}`, 'invalid_head')
  })

  it('keeps HTML in a nickname as plain text', () => {
    assert.equal(decodeHeartbeatLine('{"Head":"{ }","Height":1,"Nickname":"\\u003cimg src=x onerror=alert(1)\\u003e"}').nickname, '<img src=x onerror=alert(1)>')
  })
})

describe('the optional fields after Go\'s five (a watcher\'s)', () => {
  const WATCHED = `${GO_LINE.slice(0, -1)},"Client":"Lodestar","ClientVersion":"v1.5.1","NodePeerID":"16Uiu2HAmH15yAPm69RgbZjodSZcBAzWAXFYxbCpNxFaubTDbmSxB","Syncing":false,"FinalizedHeight":16,"ParentHead":"{ bafyP1 bafyP2 }"}`

  it('reads them, and a go-filecoin line has none', () => {
    assert.deepEqual(decodeHeartbeatLine(WATCHED).extra, { client: 'Lodestar', clientVersion: 'v1.5.1', nodePeerId: '16Uiu2HAmH15yAPm69RgbZjodSZcBAzWAXFYxbCpNxFaubTDbmSxB', syncing: false, finalizedHeight: 16, parentHead: '{ bafyP1 bafyP2 }' })
    assert.equal(decodeHeartbeatLine(GO_LINE).extra, undefined)
    assert.deepEqual(decodeHeartbeatLine('{"Head":"{ }","Height":1,"Syncing":true,"Client":null}').extra, { syncing: true }, 'null is as if absent')
    // a sender from before ParentHead (every field but it) is as valid as ever
    const before = decodeHeartbeatLine(WATCHED.replace(/,"ParentHead":"[^"]*"/, ''))
    assert.equal(before.extra?.parentHead, undefined)
    assert.equal(before.extra?.finalizedHeight, 16)
  })

  it('writes only those set, after Go\'s five, so a go-filecoin-shaped beat keeps its bytes', () => {
    const hb = decodeHeartbeatLine(GO_LINE)
    assert.equal(encodeHeartbeatLine(hb), GO_LINE + '\n')
    assert.equal(encodeHeartbeatLine(decodeHeartbeatLine(WATCHED)), WATCHED + '\n')
    assert.equal(encodeHeartbeatLine({ ...hb, extra: { syncing: true } }), `${GO_LINE.slice(0, -1)},"Syncing":true}\n`)
    // Go's escapes in these strings too
    assert.match(encodeHeartbeatLine({ ...hb, extra: { client: '<b>' } }), /"Client":"\\u003cb\\u003e"/)
  })

  it('rejects each when it is of the wrong type or past its bound, under its own reason', () => {
    rejects('{"Head":"{ }","Height":1,"Client":5}', 'invalid_client')
    rejects(`{"Head":"{ }","Height":1,"Client":"${'c'.repeat(65)}"}`, 'invalid_client')
    rejects(`{"Head":"{ }","Height":1,"ClientVersion":"${'v'.repeat(129)}"}`, 'invalid_client_version')
    rejects('{"Head":"{ }","Height":1,"NodePeerID":{}}', 'invalid_node_peer_id')
    rejects('{"Head":"{ }","Height":1,"Syncing":"yes"}', 'invalid_syncing')
    rejects('{"Head":"{ }","Height":1,"FinalizedHeight":-1}', 'invalid_finalized_height')
    rejects('{"Head":"{ }","Height":1,"FinalizedHeight":1.5}', 'invalid_finalized_height')
    rejects('{"Head":"{ }","Height":1,"ParentHead":["bafyP"]}', 'invalid_parent_head')
    rejects(`{"Head":"{ }","Height":1,"ParentHead":"${'p'.repeat(4 * 1024 + 1)}"}`, 'invalid_parent_head')
  })
})

describe('tipsetCids', () => {
  it('splits a tipset key into its CIDs', () => {
    assert.deepEqual(tipsetCids('{ bafyA bafyB }'), ['bafyA', 'bafyB'])
    assert.deepEqual(tipsetCids('{ }'), [])
    assert.deepEqual(tipsetCids('zPlain'), ['zPlain'])
  })
})
