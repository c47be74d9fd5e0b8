import { VigilError } from '@vigil/base';

/**
 * Bounds-checked binary encoding (big-endian). `Writer` grows up to `maxBytes` and throws
 * VGL_E_LIMIT past it; `Reader` throws VGL_E_PARSE on any read past the end, so a decoder fed a
 * truncated or hostile body fails with a clear error instead of reading garbage.
 */
export class Writer {
  private buf: Uint8Array;
  private view: DataView;
  private len = 0;

  constructor(
    private readonly maxBytes: number,
    initialBytes = 256,
  ) {
    this.buf = new Uint8Array(Math.min(initialBytes, maxBytes));
    this.view = new DataView(this.buf.buffer);
  }

  get length(): number {
    return this.len;
  }

  private reserve(n: number): number {
    const at = this.len;
    const need = at + n;
    if (need > this.maxBytes) {
      throw new VigilError('VGL_E_LIMIT', `encoded message exceeds ${this.maxBytes} bytes`, {
        maxBytes: this.maxBytes,
      });
    }
    if (need > this.buf.length) {
      const next = new Uint8Array(Math.min(this.maxBytes, Math.max(need, this.buf.length * 2)));
      next.set(this.buf.subarray(0, this.len));
      this.buf = next;
      this.view = new DataView(next.buffer);
    }
    this.len = need;
    return at;
  }

  u8(v: number): this {
    const at = this.reserve(1);
    this.view.setUint8(at, v);
    return this;
  }

  u16(v: number): this {
    const at = this.reserve(2);
    this.view.setUint16(at, v);
    return this;
  }

  u32(v: number): this {
    const at = this.reserve(4);
    this.view.setUint32(at, v);
    return this;
  }

  /** An unsigned integer up to 2^53 - 1, as 8 bytes. */
  u64(v: number): this {
    if (!Number.isSafeInteger(v) || v < 0) {
      throw new VigilError('VGL_E_INVALID_INPUT', `u64 out of range: ${v}`);
    }
    const at = this.reserve(8);
    this.view.setUint32(at, Math.floor(v / 2 ** 32));
    this.view.setUint32(at + 4, v >>> 0);
    return this;
  }

  f64(v: number): this {
    const at = this.reserve(8);
    this.view.setFloat64(at, v);
    return this;
  }

  bool(v: boolean): this {
    return this.u8(v ? 1 : 0);
  }

  /** Length-prefixed (u32) bytes. */
  bytes(v: Uint8Array): this {
    this.u32(v.length);
    const at = this.reserve(v.length);
    this.buf.set(v, at);
    return this;
  }

  /** Raw bytes, no length prefix. */
  raw(v: Uint8Array): this {
    const at = this.reserve(v.length);
    this.buf.set(v, at);
    return this;
  }

  /** Length-prefixed UTF-8. */
  str(v: string): this {
    return this.bytes(new TextEncoder().encode(v));
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

export class Reader {
  private pos = 0;
  private readonly view: DataView;

  constructor(private readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  private take(n: number, what: string): number {
    if (n < 0 || this.pos + n > this.buf.length) {
      throw new VigilError(
        'VGL_E_PARSE',
        `truncated message: ${what} needs ${n} bytes at offset ${this.pos}, ${this.remaining} left`,
        { offset: this.pos },
      );
    }
    const at = this.pos;
    this.pos += n;
    return at;
  }

  u8(what = 'u8'): number {
    return this.view.getUint8(this.take(1, what));
  }

  u16(what = 'u16'): number {
    return this.view.getUint16(this.take(2, what));
  }

  u32(what = 'u32'): number {
    return this.view.getUint32(this.take(4, what));
  }

  u64(what = 'u64'): number {
    const at = this.take(8, what);
    const hi = this.view.getUint32(at);
    const lo = this.view.getUint32(at + 4);
    if (hi >= 2 ** 21) {
      throw new VigilError('VGL_E_PARSE', `${what} exceeds 2^53`, { offset: at });
    }
    return hi * 2 ** 32 + lo;
  }

  f64(what = 'f64'): number {
    return this.view.getFloat64(this.take(8, what));
  }

  bool(what = 'bool'): boolean {
    const v = this.u8(what);
    if (v > 1) throw new VigilError('VGL_E_PARSE', `${what}: not a boolean (${v})`);
    return v === 1;
  }

  /** Length-prefixed bytes, at most `maxBytes` long. Returns a copy. */
  bytes(maxBytes: number, what = 'bytes'): Uint8Array {
    const n = this.u32(`${what} length`);
    if (n > maxBytes) {
      throw new VigilError('VGL_E_PARSE', `${what}: length ${n} exceeds ${maxBytes}`);
    }
    const at = this.take(n, what);
    return this.buf.slice(at, at + n);
  }

  raw(n: number, what = 'raw'): Uint8Array {
    const at = this.take(n, what);
    return this.buf.slice(at, at + n);
  }

  str(maxBytes: number, what = 'string'): string {
    return new TextDecoder('utf-8', { fatal: true }).decode(this.bytes(maxBytes, what));
  }

  /** Throws unless every byte was consumed: trailing garbage is a malformed message. */
  end(what = 'message'): void {
    if (this.remaining !== 0) {
      throw new VigilError('VGL_E_PARSE', `${what}: ${this.remaining} trailing bytes`);
    }
  }
}
