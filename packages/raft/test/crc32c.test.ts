import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { crc32c } from '@vigil/raft';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('crc32c', () => {
  it('matches the published check values (RFC 3720 appendix B.4, iSCSI)', () => {
    assert.equal(crc32c(enc('123456789')), 0xe3069283);
    assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa);
    assert.equal(crc32c(new Uint8Array(32).fill(0xff)), 0x62a8ab43);
    const inc = new Uint8Array(32).map((_, i) => i);
    assert.equal(crc32c(inc), 0x46dd794e);
  });

  it('continues from a seed and detects any single flipped bit', () => {
    const data = enc('the quick brown fox jumps over the lazy dog');
    assert.equal(crc32c(data, 10, data.length, crc32c(data, 0, 10)), crc32c(data));
    const base = crc32c(data);
    for (let i = 0; i < data.length * 8; i++) {
      const copy = data.slice();
      copy[i >> 3]! ^= 1 << (i & 7);
      assert.notEqual(crc32c(copy), base, `bit ${i}`);
    }
  });
});
