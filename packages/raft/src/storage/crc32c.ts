/** CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), table-driven. Pure code. */
const TABLE = buildTable();

function buildTable(): Uint32Array {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
}

/** CRC-32C of `data[start, end)`, continuing from `seed` (a previous result) when given. */
export function crc32c(data: Uint8Array, start = 0, end = data.length, seed = 0): number {
  let c = ~seed >>> 0;
  for (let i = start; i < end; i++) c = TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}
