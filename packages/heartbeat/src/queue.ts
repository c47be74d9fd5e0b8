import { VigilError } from '@vigil/base';

/**
 * A bounded single-consumer queue exposed as an async iterable. A producer never blocks: when
 * the queue is full the consumer is cut off with VGL_E_LIMIT (it fell too far behind to be
 * trusted with a gap-free stream) and must resubscribe.
 */
export class BoundedQueue<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private waiter: ((r: IteratorResult<T>) => void) | undefined;
  private failer: ((e: unknown) => void) | undefined;
  private closed = false;
  private error: unknown;

  constructor(
    readonly capacity: number,
    private readonly what: string,
    private readonly onClose?: () => void,
  ) {}

  get length(): number {
    return this.items.length;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Returns false when the item could not be queued (closed, or overflowed and now closed). */
  push(item: T): boolean {
    if (this.closed) return false;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      this.failer = undefined;
      w({ value: item, done: false });
      return true;
    }
    if (this.items.length >= this.capacity) {
      this.close(
        new VigilError(
          'VGL_E_LIMIT',
          `${this.what}: consumer fell ${this.capacity} items behind and was cut off`,
          { capacity: this.capacity },
        ),
      );
      return false;
    }
    this.items.push(item);
    return true;
  }

  close(error?: unknown): void {
    if (this.closed) return;
    this.closed = true;
    this.error = error;
    // A clean close keeps queued items for the consumer; a failure drops them.
    if (error !== undefined) this.items.length = 0;
    if (this.waiter) {
      const w = this.waiter;
      const f = this.failer;
      this.waiter = undefined;
      this.failer = undefined;
      if (error !== undefined && f) f(error);
      else w({ value: undefined, done: true });
    }
    this.onClose?.();
  }

  next(): Promise<IteratorResult<T>> {
    const item = this.items.shift();
    if (item !== undefined) return Promise.resolve({ value: item, done: false });
    if (this.closed) {
      if (this.error !== undefined) {
        const e = this.error;
        this.error = undefined;
        return Promise.reject(e instanceof Error ? e : new Error('subscription failed'));
      }
      return Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve, reject) => {
      this.waiter = resolve;
      this.failer = reject;
    });
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => this.next(),
      return: () => {
        this.close();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}
