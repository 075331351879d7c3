import { describe, expect, it } from 'vitest';
import { closePool, startPool } from '../../../engine/pool/worker-pool.js';

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
