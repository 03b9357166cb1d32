/**
 * Reusable memory for the record batches a produce call encodes.
 *
 * Every produced record is encoded once more into a batch before it is written, so a pipeline
 * allocates about as many bytes of batches as it moves. Those bytes live outside the JS heap
 * (ArrayBuffers), and V8 answers every 64 MB of new external memory with a full mark-compact
 * ("external memory pressure"), however little of the heap is garbage: on a source pipeline into
 * the embedded log, batches were half of the external memory that started those collections.
 * Here each batch is a view of a slab that goes back to a free list once the partition has
 * written it, so steady produce traffic allocates no new batch memory.
 *
 * A slab is handed out to one batch at a time: {@link BatchBuffers.release} ends a batch's loan
 * once (releasing the same batch again does nothing), and a batch larger
 * than a slab gets memory of its own. At most `maxFree` slabs wait on the free list; the rest
 * are left to the garbage collector.
 */
export class BatchBuffers {
  readonly #slabBytes: number;
  readonly #maxFree: number;
  readonly #free: ArrayBuffer[] = [];
  /**
   * The slab of each batch out on loan, by batch: a loan ends once, so a stale batch released
   * again cannot free the slab that a later batch holds. Weak: a batch that is never released
   * (an append refused by a closed log, say) is simply collected with its slab.
   */
  readonly #lent = new WeakMap<Buffer, ArrayBuffer>();

  constructor(slabBytes: number, maxFree: number) {
    this.#slabBytes = slabBytes;
    this.#maxFree = maxFree;
  }

  /** Slabs waiting to be reused (for tests and diagnostics). */
  get freeCount(): number {
    return this.#free.length;
  }

  /**
   * A buffer of exactly `size` bytes with unspecified contents, for one batch: a free slab if
   * there is one; else a new slab when the batch fills at least half of one (steady traffic), or
   * memory of its own for a small batch (a produce spread over many partitions must not cost a
   * slab per partition).
   */
  take(size: number): Buffer {
    if (size > this.#slabBytes) return Buffer.allocUnsafe(size);
    let slab = this.#free.pop();
    if (slab === undefined) {
      if (size < this.#slabBytes / 2) return Buffer.allocUnsafe(size);
      slab = new ArrayBuffer(this.#slabBytes);
    }
    const batch = Buffer.from(slab, 0, size);
    this.#lent.set(batch, slab);
    return batch;
  }

  /** Gives back the slabs of batches from {@link take} once nothing reads or writes them any more. */
  release(batches: readonly Buffer[]): void {
    for (const batch of batches) {
      const slab = this.#lent.get(batch);
      if (slab === undefined) continue;
      this.#lent.delete(batch);
      if (this.#free.length < this.#maxFree) this.#free.push(slab);
    }
  }
}
