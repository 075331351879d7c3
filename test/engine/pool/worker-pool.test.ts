import { describe, expect, it } from 'vitest';
import { closePool, poolsRetired, prestartPool, releasePrestartedPool, retirePool, startPool, takePool } from '../../../engine/pool/worker-pool.js';

describe('closePool', () => {
  it('closes pools whose threads are still starting without aborting the process', async () => {
    // Terminating a worker mid-instantiation of its ES modules aborted Node (a job failing on its
    // first input did it); the process surviving 8 immediate closes is the test.
    for (let i = 0; i < 8; i++) {
      const pool = startPool(2);
      await closePool(pool);
      expect(pool.threads.length).toBe(0);
    }
  });
});

describe('prestartPool', () => {
  it('hands the pool it started to the first takePool of as many threads, and only to it', async () => {
    prestartPool(2);
    const early = takePool(2);
    const fresh = takePool(2);
    try {
      expect(fresh).not.toBe(early);
      // The early pool's threads were started before anyone asked: they answer a task as usual.
      expect(await early.run(null)).toBeUndefined();
    } finally {
      await closePool(early);
      await closePool(fresh);
    }
    expect(early.threads.length).toBe(0);
  });

  it('keeps its pool from a stage of another size, and closes it when released', async () => {
    prestartPool(2);
    const other = takePool(3);
    try {
      expect(other.options.maxThreads).toBe(3);
    } finally {
      await closePool(other);
    }
    // The untaken pool's threads are still starting or idle: released, it closes without aborting the process.
    await releasePrestartedPool();
    await releasePrestartedPool();
  });
});

describe('retirePool', () => {
  it('closes pools in the background, those still starting included, and poolsRetired waits for them', async () => {
    const starting = startPool(2);
    const used = startPool(1);
    expect(await used.run(null)).toBeUndefined();
    retirePool(starting);
    retirePool(used);
    await poolsRetired();
    expect(starting.threads.length).toBe(0);
    expect(used.threads.length).toBe(0);
  });
});
