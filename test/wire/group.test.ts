/**
 * src/wire/group.ts against spec/vectors/draft.json (bytes captured from libzmq 4.3.5 by
 * scripts/capture-draft-vectors.mjs; spec/draft-sockets.md explains them).
 */
import {describe, expect, test} from "vitest"
import fc from "fast-check"
import {encodeReady, parseCommand, parseReady} from "../../src/wire/command.js"
import {encodeMessage, FrameDecoder} from "../../src/wire/frame.js"
import {decodeRadioDatagram, encodeJoin, encodeLeave, encodeRadioDatagram, GROUP_MAX_LENGTH, groupName} from "../../src/wire/group.js"
import {bytes, loadVectors, type Piece} from "../helpers/vectors.js"

interface Draft {
  ready: {name: string; wire: Piece[]; command: {properties: [string, string][]}}[]
  commands: {name: string; wire: Piece[]; command: {name: "JOIN" | "LEAVE"; group: Piece[]}}[]
  rejoin: {wire: Piece[]; groups: Piece[][]}
  radioMessages: {name: string; wire: string[]; message: string[]; group: Piece[]; body: Piece[]}[]
  udpRadio: {name: string; datagram: Piece[]; group: Piece[]; body: Piece[]}[]
  udpDish: {name: string; datagram: Piece[]; delivered: {group: Piece[]; body: Piece[]} | null}[]
  dgram: {name: string; datagram: Piece[]; frames: string[]; from?: string; to?: string}[]
  malformedDatagrams: {name: string; datagram: Piece[]}[]
}

const v = loadVectors<Draft>("draft")
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex")

/** Every frame in `wire`, decoded by the real frame decoder: commands as bodies, messages as frame lists. */
function decode(wire: Buffer) {
  const commands: Buffer[] = []
  const messages: Buffer[][] = []
  new FrameDecoder({onMessage: f => messages.push(f), onCommand: b => commands.push(b)}).push(wire)
  return {commands, messages}
}

describe("JOIN and LEAVE (libzmq DISH captures)", () => {
  test("the file has the captures the spec refers to", () => {
    expect(v.commands.map(c => c.name)).toEqual(expect.arrayContaining(["join-grp", "leave-grp", "join-empty", "join-nul-cut", "join-255"]))
  })
  for (const c of v.commands) {
    test(`encode ${c.name}`, () => {
      const group = bytes(c.command.group)
      const encoded = c.command.name === "JOIN" ? encodeJoin(group) : encodeLeave(group)
      expect(hex(encoded)).toBe(hex(bytes(c.wire)))
    })
    test(`decode ${c.name}`, () => {
      const {commands, messages} = decode(bytes(c.wire))
      expect(messages).toEqual([])
      expect(commands.length).toBe(1)
      const cmd = parseCommand(commands[0]!)
      expect(cmd.name).toBe(c.command.name)
      expect(hex(cmd.data)).toBe(hex(bytes(c.command.group)))
    })
  }
  test("join-grp is 04 08 04 JOIN grp", () => {
    expect(hex(encodeJoin(Buffer.from("grp")))).toBe("0408044a4f494e677270")
    expect(hex(encodeLeave(Buffer.from("grp")))).toBe("0409054c45415645677270")
  })
  test("the JOINs a DISH re-sends after a reconnect are the ones it would send afresh", () => {
    const {commands} = decode(bytes(v.rejoin.wire))
    expect(commands.map(b => parseCommand(b)).map(c => [c.name, hex(c.data)])).toEqual(v.rejoin.groups.map(g => ["JOIN", hex(bytes(g))]))
    expect(hex(Buffer.concat(v.rejoin.groups.map(g => encodeJoin(bytes(g)))))).toBe(hex(bytes(v.rejoin.wire)))
  })
  test("a group over 255 bytes is refused, 255 is not", () => {
    expect(encodeJoin(Buffer.alloc(GROUP_MAX_LENGTH, 0x67)).length).toBe(9 + 5 + 255)
    expect(() => encodeJoin(Buffer.alloc(GROUP_MAX_LENGTH + 1))).toThrow(RangeError)
    expect(() => encodeLeave(Buffer.alloc(GROUP_MAX_LENGTH + 1))).toThrow(RangeError)
  })
})

describe("READY of the draft types (libzmq captures)", () => {
  for (const r of v.ready) {
    test(`encode ${r.name}`, () => {
      const props = r.command.properties.map(([n, val]) => [n, Buffer.from(val)] as [string, Buffer])
      expect(hex(encodeReady(props))).toBe(hex(bytes(r.wire)))
    })
    test(`decode ${r.name}`, () => {
      const {commands} = decode(bytes(r.wire))
      const cmd = parseCommand(commands[0]!)
      expect(cmd.name).toBe("READY")
      expect([...parseReady(cmd.data)].map(([k, val]) => [k, val.toString()])).toEqual(r.command.properties.map(([k, val]) => [k.toLowerCase(), val]))
    })
  }
  test("every draft type that speaks ZMTP is there", () => {
    expect(v.ready.map(r => r.command.properties[0]![1]).sort()).toEqual(["CHANNEL", "CLIENT", "DISH", "GATHER", "PEER", "RADIO", "SCATTER", "SERVER"])
  })
})

describe("RADIO over ZMTP: group frame with MORE, then the body (libzmq captures)", () => {
  for (const m of v.radioMessages) {
    test(`${m.name} is [group, body] as one two-frame message`, () => {
      const wire = bytes(m.wire)
      expect(hex(encodeMessage([bytes(m.group), bytes(m.body)]))).toBe(hex(wire))
      const {messages, commands} = decode(wire)
      expect(commands).toEqual([])
      expect(messages.map(f => f.map(hex))).toEqual([[hex(bytes(m.group)), hex(bytes(m.body))]])
      expect(wire[0]).toBe(0x01) // the group frame has MORE
    })
  }
})

describe("RADIO/DISH over UDP", () => {
  for (const d of v.udpRadio) {
    test(`encode ${d.name} (what a libzmq RADIO sent)`, () => {
      expect(hex(encodeRadioDatagram(bytes(d.group), bytes(d.body)))).toBe(hex(bytes(d.datagram)))
    })
    test(`decode ${d.name}`, () => {
      const parts = decodeRadioDatagram(bytes(d.datagram))
      expect(parts && [hex(parts.group), hex(parts.body)]).toEqual([hex(bytes(d.group)), hex(bytes(d.body))])
    })
  }
  for (const d of v.udpDish) {
    test(`${d.name}: decodes to what a libzmq DISH delivered`, () => {
      const parts = decodeRadioDatagram(bytes(d.datagram))
      if (d.delivered === null) expect(parts).toBeNull()
      else {
        expect(parts).not.toBeNull()
        expect(hex(groupName(parts!.group))).toBe(hex(bytes(d.delivered.group)))
        expect(hex(parts!.body)).toBe(hex(bytes(d.delivered.body)))
      }
    })
  }
  test("the DISH captures include drops, an empty body and a NUL in the group", () => {
    expect(v.udpDish.filter(d => d.delivered === null).length).toBeGreaterThanOrEqual(2)
    expect(v.udpDish.some(d => d.delivered && bytes(d.delivered.body).length === 0)).toBe(true)
    expect(v.udpDish.some(d => d.name === "dish-udp-group-with-nul")).toBe(true)
  })
  for (const d of v.malformedDatagrams) {
    test(`truncated datagram ${d.name} gives null`, () => {
      expect(decodeRadioDatagram(bytes(d.datagram))).toBeNull()
    })
  }
  test("a 255-byte group round-trips; 256 throws", () => {
    const group = Buffer.alloc(255, 0x61)
    const body = Buffer.from("hi")
    const datagram = encodeRadioDatagram(group, body)
    expect(datagram[0]).toBe(255)
    expect(datagram.length).toBe(1 + 255 + 2)
    const parts = decodeRadioDatagram(datagram)!
    expect(parts.group.equals(group)).toBe(true)
    expect(parts.body.equals(body)).toBe(true)
    expect(() => encodeRadioDatagram(Buffer.alloc(256), body)).toThrow(RangeError)
  })
  test("an empty group and an empty body", () => {
    expect(hex(encodeRadioDatagram(Buffer.alloc(0), Buffer.alloc(0)))).toBe("00")
    const parts = decodeRadioDatagram(Buffer.of(0))!
    expect([parts.group.length, parts.body.length]).toEqual([0, 0])
  })
  test("decode gives views into the datagram, also from a Uint8Array at an offset", () => {
    const backing = new Uint8Array([9, 9, 2, 0x61, 0x62, 0x63, 9])
    const datagram = backing.subarray(2, 6)
    const parts = decodeRadioDatagram(datagram)!
    expect(parts.group.toString()).toBe("ab")
    expect(parts.body.toString()).toBe("c")
    backing[3] = 0x7a
    expect(parts.group.toString()).toBe("zb")
  })
  test("arbitrary bytes: null exactly when the length byte runs past the end, else a lossless split", () => {
    fc.assert(
      fc.property(fc.uint8Array({maxLength: 300}), d => {
        const parts = decodeRadioDatagram(d)
        if (d.length === 0 || 1 + d[0]! > d.length) expect(parts).toBeNull()
        else {
          expect(parts!.group.length).toBe(d[0])
          expect(hex(encodeRadioDatagram(parts!.group, parts!.body))).toBe(hex(d))
        }
      }),
    )
  })
  test("arbitrary group and body round-trip", () => {
    fc.assert(
      fc.property(fc.uint8Array({maxLength: 255}), fc.uint8Array({maxLength: 100}), (group, body) => {
        const parts = decodeRadioDatagram(encodeRadioDatagram(group, body))!
        expect([hex(parts.group), hex(parts.body)]).toEqual([hex(group), hex(body)])
      }),
    )
  })
})

describe("DGRAM (libzmq captures)", () => {
  test("a received datagram is [address, body]; the address is a.b.c.d:port with a trailing NUL", () => {
    const r = v.dgram.find(d => d.name === "dgram-receive")!
    const [address, body] = r.frames.map(f => bytes([f]))
    expect(address!.toString("latin1")).toBe(`${r.from}\0`)
    expect(address!.toString("latin1")).toMatch(/^\d+\.\d+\.\d+\.\d+:\d+\0$/)
    expect(hex(body!)).toBe(hex(bytes(r.datagram)))
  })
  test("a sent [address, body] puts the body alone on the wire", () => {
    const s = v.dgram.find(d => d.name === "dgram-send")!
    expect(hex(bytes([s.frames[1]!]))).toBe(hex(bytes(s.datagram)))
  })
})

describe("groupName", () => {
  test("cuts at the first NUL, as libzmq's C strings do (zeromq.js joins fo\\0ba and gets fo)", () => {
    expect(groupName(Buffer.from("fo\x00ba")).toString()).toBe("fo")
    expect(groupName("ba\x00fo").toString()).toBe("ba")
    expect(groupName(Buffer.from([0, 1, 2])).length).toBe(0)
  })
  test("leaves a group without NUL whole, strings as UTF-8", () => {
    expect(groupName("grp").toString()).toBe("grp")
    expect(hex(groupName("é"))).toBe("c3a9")
    const long = Buffer.alloc(300, 0x61)
    expect(groupName(long).length).toBe(300) // length is checked elsewhere (GROUP_MAX_LENGTH)
  })
  test("matches the captured join-nul-cut: JOIN for fo\\0ba carries fo", () => {
    const c = v.commands.find(x => x.name === "join-nul-cut")!
    expect(hex(encodeJoin(groupName(Buffer.from("fo\x00ba"))))).toBe(hex(bytes(c.wire)))
  })
  test("is what decoding then matching a DISH datagram with a NUL gives", () => {
    const d = v.udpDish.find(x => x.name === "dish-udp-group-with-nul")!
    expect(hex(groupName(decodeRadioDatagram(bytes(d.datagram))!.group))).toBe(hex(bytes(d.delivered!.group)))
  })
})
