/** BatchBuffers: the slabs encoded batches are written into, lent to one batch at a time. */

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BatchBuffers } from '../../src/log/embedded/batch-buffers.ts';

describe('BatchBuffers', () => {
  test('a batch is a view of exactly the size asked for, at the start of a slab', () => {
    const buffers = new BatchBuffers(1024, 4);
    const batch = buffers.take(600);
    assert.equal(batch.length, 600);
    assert.equal(batch.byteOffset, 0);
    assert.equal(batch.buffer.byteLength, 1024);
  });

  test('a released slab is reused; one still lent never is', () => {
    const buffers = new BatchBuffers(1024, 4);
    const a = buffers.take(600);
    const b = buffers.take(600);
    assert.notEqual(a.buffer, b.buffer);
    buffers.release([a]);
    assert.equal(buffers.freeCount, 1);
    // A free slab serves a small batch too.
    const c = buffers.take(10);
    assert.equal(c.buffer, a.buffer);
    assert.notEqual(c.buffer, b.buffer);
    assert.equal(buffers.freeCount, 0);
  });

  test('releasing a batch twice gives its slab back once, so no two batches ever share it', () => {
    const buffers = new BatchBuffers(1024, 4);
    const a = buffers.take(600);
    buffers.release([a]);
    buffers.release([a]);
    assert.equal(buffers.freeCount, 1);
    const b = buffers.take(600);
    const c = buffers.take(600);
    assert.notEqual(b.buffer, c.buffer);
    // `a` is stale now: releasing it again must not free the slab `b` holds.
    buffers.release([a]);
    assert.equal(buffers.freeCount, 0);
  });

  test('a batch larger than a slab gets memory of its own, which is never pooled', () => {
    const buffers = new BatchBuffers(1024, 4);
    const big = buffers.take(4096);
    assert.equal(big.length, 4096);
    buffers.release([big, Buffer.alloc(16)]);
    assert.equal(buffers.freeCount, 0);
  });

  test('a small batch with no free slab gets memory of its own, so many small batches cost no slab each', () => {
    const buffers = new BatchBuffers(1024, 4);
    const small = Array.from({ length: 10 }, () => buffers.take(100));
    for (const batch of small) {
      assert.equal(batch.length, 100);
      assert.notEqual(batch.buffer.byteLength, 1024);
    }
    buffers.release(small);
    assert.equal(buffers.freeCount, 0);
  });

  test('at most maxFree slabs wait for reuse', () => {
    const buffers = new BatchBuffers(1024, 2);
    const lent = Array.from({ length: 5 }, () => buffers.take(512));
    buffers.release(lent);
    assert.equal(buffers.freeCount, 2);
  });
});
