import {expect, test} from "vitest"
import fc from "fast-check"
import {z85Decode, z85Encode} from "../../src/wire/z85.js"

test("32/Z85 test vector: 86 4F D2 6F B5 59 F7 5B <-> HelloWorld", () => {
  const bin = Buffer.from("864fd26fb559f75b", "hex")
  expect(z85Encode(bin)).toBe("HelloWorld")
  expect(z85Decode("HelloWorld").equals(bin)).toBe(true)
})

test("libzmq's documented CURVE test keys", () => {
  const keys: [string, string][] = [
    ["BB88471D65E2659B30C55A5321CEBB5AAB2B70A398645C26DCA2B2FCB43FC518", "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID"],
    ["7BB864B489AFA3671FBE69101F94B38972F24816DFB01B51656B3FEC8DFD0888", "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs"],
    ["54FCBA24E93249969316FB617C872BB0C1D1FF14800427C594CBFACF1BC2D652", "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"],
  ]
  for (const [hex, z85] of keys) {
    expect(z85Encode(Buffer.from(hex, "hex"))).toBe(z85)
    expect(z85Decode(z85).toString("hex").toUpperCase()).toBe(hex)
  }
})

test("round trip for any multiple of 4 bytes", () => {
  fc.assert(
    fc.property(fc.uint8Array({maxLength: 64}).map(a => a.subarray(0, a.length - (a.length % 4))), a => {
      expect(z85Decode(z85Encode(a)).equals(Buffer.from(a))).toBe(true)
    }),
  )
})

test("bad lengths and characters are refused", () => {
  expect(() => z85Encode(Buffer.alloc(3))).toThrow(RangeError)
  expect(() => z85Decode("abcd")).toThrow(RangeError)
  expect(() => z85Decode("abcd~")).toThrow(/Invalid Z85 character/)
  expect(() => z85Decode("#####")).toThrow(/exceeds 32 bits/)
})
