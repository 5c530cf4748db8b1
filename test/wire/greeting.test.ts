import {describe, expect, test} from "vitest"
import fc from "fast-check"
import {checkGreetingPrefix, checkMechanism, encodeGreeting, parseGreeting} from "../../src/wire/greeting.js"
import {ZmtpError} from "../../src/wire/errors.js"
import {bytes, loadVectors} from "../helpers/vectors.js"

const {vectors} = loadVectors("greeting")

describe("greeting vectors", () => {
  for (const v of vectors) {
    test(`parse ${v.name}`, () => {
      expect(parseGreeting(bytes(v.wire))).toEqual(v.greeting)
    })
    if (v.source === "zmtp") {
      test(`encode ${v.name}`, () => {
        const g = v.greeting
        expect(encodeGreeting(g.mechanism, g.asServer, g.minor).toString("hex")).toBe(bytes(v.wire).toString("hex"))
      })
    }
  }

  test("zmtp's NULL greeting starts FF, eight zero bytes, 7F 03 01 NULL", () => {
    const g = encodeGreeting("NULL", false)
    expect(g.length).toBe(64)
    expect(g.subarray(0, 16).toString("hex")).toBe("ff00000000000000007f03014e554c4c")
    expect(g.subarray(16).every(b => b === 0)).toBe(true)
  })
})

describe("old and foreign peers are refused as soon as their bytes tell", () => {
  const code = (f: () => void) => {
    try {
      f()
    } catch (e) {
      expect(e).toBeInstanceOf(ZmtpError)
      return (e as ZmtpError).code
    }
    return null
  }
  test("first byte not FF", () => {
    expect(code(() => checkGreetingPrefix(Buffer.from([0x05]), 1))).toBe("ERR_ZMTP_BAD_SIGNATURE")
  })
  test("ZMTP 2.0 after 11 bytes", () => {
    const b = Buffer.from("ff00000000000000017f01", "hex")
    expect(code(() => checkGreetingPrefix(b, 10))).toBe(null)
    expect(code(() => checkGreetingPrefix(b, 11))).toBe("ERR_ZMTP_UNSUPPORTED_VERSION")
  })
  test("mechanism must match all 20 bytes", () => {
    const g = encodeGreeting("PLAIN", false)
    expect(code(() => checkMechanism("NULL", g))).toBe("ERR_ZMTP_MECHANISM_MISMATCH")
    expect(code(() => checkMechanism("PLAIN", g))).toBe(null)
    const tail = Buffer.from(g)
    tail[31] = 0x41 // junk after the NUL padding still counts: libzmq memcmp()s 20 bytes
    expect(code(() => checkMechanism("PLAIN", tail))).toBe("ERR_ZMTP_MECHANISM_MISMATCH")
  })
  test("arbitrary 64-byte inputs either parse as 3.x or throw a ZmtpError", () => {
    fc.assert(
      fc.property(fc.uint8Array({minLength: 64, maxLength: 64}), arr => {
        try {
          const g = parseGreeting(Buffer.from(arr))
          expect(g.major).toBeGreaterThanOrEqual(3)
        } catch (e) {
          expect(e).toBeInstanceOf(ZmtpError)
        }
      }),
    )
  })
})
