import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Reader, Writer } from '@vigil/wire';

describe('Writer/Reader', () => {
  it('property: fields round-trip; any truncation fails with VGL_E_PARSE', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 255 }),
        fc.nat({ max: 0xffff }),
        fc.nat({ max: 0xffffffff }),
        fc.maxSafeNat(),
        fc.double({ noNaN: true }),
        fc.uint8Array({ maxLength: 64 }),
        fc.string(),
        (a, b, c, d, e, bytes, s) => {
          const buf = new Writer(4096, 4)
            .u8(a)
            .u16(b)
            .u32(c)
            .u64(d)
            .f64(e)
            .bool(true)
            .bytes(bytes)
            .str(s)
            .finish();
          const r = new Reader(buf);
          assert.equal(r.u8(), a);
          assert.equal(r.u16(), b);
          assert.equal(r.u32(), c);
          assert.equal(r.u64(), d);
          assert.equal(r.f64(), e);
          assert.equal(r.bool(), true);
          assert.deepEqual([...r.bytes(64)], [...bytes]);
          assert.equal(r.str(1 << 20), s);
          r.end();
          for (let cut = 0; cut < buf.length; cut += 3) {
            const t = new Reader(buf.subarray(0, cut));
            assert.throws(
              () => {
                t.u8();
                t.u16();
                t.u32();
                t.u64();
                t.f64();
                t.bool();
                t.bytes(64);
                t.str(1 << 20);
                t.end();
              },
              { code: 'VGL_E_PARSE' },
            );
          }
        },
      ),
    );
  });

  it('enforces limits: writer max size, reader max field length, trailing bytes', () => {
    assert.throws(() => new Writer(8).u64(1).u8(1), { code: 'VGL_E_LIMIT' });
    const buf = new Writer(100).bytes(new Uint8Array(50)).finish();
    assert.throws(() => new Reader(buf).bytes(10), { code: 'VGL_E_PARSE' });
    assert.throws(() => new Reader(new Uint8Array(2)).end(), /2 trailing bytes/);
  });
});
