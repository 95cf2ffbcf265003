// Golden bytes: what go-filecoin's json.NewEncoder(stream).Encode(hb) writes for the same
// values, written out literally (not produced by our encoder), so a change in field order,
// escaping or framing fails here.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { decodeHeartbeatLine, encodeHeartbeatLine } from './heartbeat.ts'
import type { Heartbeat } from './heartbeat.ts'

const TIPSET = '{ bafy2bzacea3wsdh6y3a36tb3skempjoxqpuyompjbmfeyf34fi3uy6uue42v4 bafy2bzaceaa3mhbuhtvgh3tjxfsxr6tiijkvdncp5bwqdpjdqurg6nlrf2xba }'
const GENESIS = 'bafy2bzacecnamqgqmifpluoeldx7zzglxcljo6oja4vrmtj7432rphldpdmm2'

const utf8 = new TextEncoder()

interface Vector {
  name: string
  hb: Heartbeat
  genesisField?: boolean
  go: string
}

const VECTORS: Vector[] = [
  {
    name: 'a miner with a genesis CID (go-filecoin after Aug 2019)',
    hb: { head: TIPSET, height: 1234, nickname: 'BraveOtter', minerAddress: 't01000', genesisCid: GENESIS },
    go: '{"Head":"{ bafy2bzacea3wsdh6y3a36tb3skempjoxqpuyompjbmfeyf34fi3uy6uue42v4 bafy2bzaceaa3mhbuhtvgh3tjxfsxr6tiijkvdncp5bwqdpjdqurg6nlrf2xba }","Height":1234,"Nickname":"BraveOtter","MinerAddress":"t01000","GenesisCID":{"/":"bafy2bzacecnamqgqmifpluoeldx7zzglxcljo6oja4vrmtj7432rphldpdmm2"}}\n'
  },
  {
    name: 'no miner: the zero address "<empty>", escaped as Go escapes < and >',
    hb: { head: TIPSET, height: 7, nickname: 'CalmHeron', minerAddress: null, genesisCid: GENESIS },
    go: '{"Head":"{ bafy2bzacea3wsdh6y3a36tb3skempjoxqpuyompjbmfeyf34fi3uy6uue42v4 bafy2bzaceaa3mhbuhtvgh3tjxfsxr6tiijkvdncp5bwqdpjdqurg6nlrf2xba }","Height":7,"Nickname":"CalmHeron","MinerAddress":"\\u003cempty\\u003e","GenesisCID":{"/":"bafy2bzacecnamqgqmifpluoeldx7zzglxcljo6oja4vrmtj7432rphldpdmm2"}}\n'
  },
  {
    name: 'GenesisCID null, empty head at height 0, empty nickname',
    hb: { head: '{ }', height: 0, nickname: '', minerAddress: null, genesisCid: null },
    go: '{"Head":"{ }","Height":0,"Nickname":"","MinerAddress":"\\u003cempty\\u003e","GenesisCID":null}\n'
  },
  {
    name: '<, > and & in a nickname',
    hb: { head: '{ }', height: 1, nickname: 'a<b>&c', minerAddress: 't01', genesisCid: null },
    go: '{"Head":"{ }","Height":1,"Nickname":"a\\u003cb\\u003e\\u0026c","MinerAddress":"t01","GenesisCID":null}\n'
  },
  {
    name: 'quotes, backslashes, control characters, U+2028/2029 and non-ASCII as Go writes them',
    hb: { head: '{ }', height: 2, nickname: 'q"b\\t\tn\nc\u0001 Zoë \u2028\u2029 😀', minerAddress: 't02', genesisCid: null },
    go: '{"Head":"{ }","Height":2,"Nickname":"q\\"b\\\\t\\tn\\nc\\u0001 Zoë \\u2028\\u2029 😀","MinerAddress":"t02","GenesisCID":null}\n'
  },
  {
    name: 'a lone surrogate becomes U+FFFD, as Go writes invalid UTF-8',
    hb: { head: '{ }', height: 3, nickname: 'x\ud800y', minerAddress: 't03', genesisCid: null },
    go: '{"Head":"{ }","Height":3,"Nickname":"x\\ufffdy","MinerAddress":"t03","GenesisCID":null}\n'
  },
  {
    name: 'the largest safe height',
    hb: { head: '{ }', height: 9007199254740991, nickname: 'Big', minerAddress: 't04', genesisCid: null },
    go: '{"Head":"{ }","Height":9007199254740991,"Nickname":"Big","MinerAddress":"t04","GenesisCID":null}\n'
  },
  {
    name: 'go-filecoin before Aug 2019: no GenesisCID field at all',
    hb: { head: TIPSET, height: 99, nickname: 'OldNode', minerAddress: null, genesisCid: null },
    genesisField: false,
    go: '{"Head":"{ bafy2bzacea3wsdh6y3a36tb3skempjoxqpuyompjbmfeyf34fi3uy6uue42v4 bafy2bzaceaa3mhbuhtvgh3tjxfsxr6tiijkvdncp5bwqdpjdqurg6nlrf2xba }","Height":99,"Nickname":"OldNode","MinerAddress":"\\u003cempty\\u003e"}\n'
  }
]

describe('heartbeat lines: golden bytes from Go json.Encoder', () => {
  for (const vector of VECTORS) {
    it(vector.name, () => {
      const line = encodeHeartbeatLine(vector.hb, vector.genesisField === false ? { genesisField: false } : {})
      assert.equal(line, vector.go)
      assert.deepEqual(utf8.encode(line), utf8.encode(vector.go))
      assert.equal(line.indexOf('\n'), line.length - 1, 'one newline, at the end')
    })

    it(`${vector.name}: decodes back to the same heartbeat`, () => {
      const decoded = decodeHeartbeatLine(vector.go.slice(0, -1))
      const expected = { ...vector.hb, nickname: vector.hb.nickname.replace('\ud800', '\ufffd') }
      assert.deepEqual(decoded, expected)
    })
  }

  it('the literal vectors spell Go\'s escapes, not JSON.stringify\'s', () => {
    // guards the vectors themselves: JSON.stringify would leave < > & raw
    assert.ok(VECTORS[1]?.go.includes('"MinerAddress":"\\u003cempty\\u003e"'))
    assert.ok(!VECTORS.some(vector => /[<>&]/.test(vector.go)))
  })
})
