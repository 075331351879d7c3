import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, SegError } from '../../engine/errors.js';

const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
const documented = [...doc.matchAll(/^\| `(SEG_ERR_[A-Z_]+)` \|/gm)].map((m) => m[1]);

describe('the error registry', () => {
  it('documents every code in docs/errors.md and nothing else', () => {
    expect([...documented].sort()).toEqual(Object.keys(ERROR_CODES).sort());
  });

  it.each(Object.entries(ERROR_CODES))('builds %s as a SegError carrying its code and cause', (code, ErrorClass) => {
    const cause = new Error('root');
    const e = new ErrorClass('boom', { cause });
    expect(e).toBeInstanceOf(SegError);
    expect(e.code).toBe(code);
    expect(e.cause).toBe(cause);
    expect(e.name).toBe(ErrorClass.name);
  });
});
