/**
 * The FILEMQ v2 byte vectors of /work/shared/reference/filemq-protocol.md §4, as produced by the C
 * master's codec (fmq_msg.c) and observed on the wire from the C server. spec/filemq.md lists them too.
 */
export const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ""), "hex")

export const EMPTY_SHA1 = "DA39A3EE5E6B4B0D3255BFEF95601890AFD80709"

export const vectors = {
  OHAI: "aaa3 01 06 46494c454d51 0002",
  OHAI_OK: "aaa3 04",
  ICANHAZ:
    "aaa3 05 00000007 2f70686f746f73" +
    " 00000001 06 524553594e43 00000001 31" +
    " 00000001 05 612e6a7067 00000028 " +
    Buffer.from(EMPTY_SHA1).toString("hex"),
  ICANHAZ_C_CLIENT: "aaa3 05 00000001 2f 00000000 00000000",
  ICANHAZ_OK: "aaa3 06",
  NOM: "aaa3 07 00000000004c4b40 0000000000000007",
  CHEEZBURGER: "aaa3 08 0000000000000001 01 0000000d 2f70686f746f732f612e6a7067 0000000000000000 00 00000000 00000003 616263",
  EOF_MARKER: "aaa3 08 0000000000000001 01 0000000a 2f70726f62652e747874 000000000000000f 01 00000000 00000000",
  HUGZ: "aaa309",
  HUGZ_OK: "aaa30a",
  KTHXBAI: "aaa30b",
  SRSLY: "aaa3 80 02 6e6f",
  RTFM: "aaa3 81 03 626164",
  RTFM_C_SERVER: "aaa3 81 00",
  /** RFC 35 dialect (1-octet path): the C server dies on it; we accept it. */
  ICANHAZ_RFC35: "aaa3 05 01 2f 00000000 00000000",
} as const
