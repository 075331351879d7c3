import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, SegError } from '../../engine/errors.js';
import { STATUS_BY_CODE, toHttpError } from '../../server/error-mapping.js';

const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
const documented = Object.fromEntries([...doc.matchAll(/^\| `(SEG_ERR_[A-Z_]+)` \| (\d{3}) \|/gm)].map((m) => [m[1]!, Number(m[2])]));

describe('the HTTP error mapping', () => {
  it('gives every registry code the status docs/errors.md shows', () => {
    expect(Object.keys(STATUS_BY_CODE).sort()).toEqual(Object.keys(ERROR_CODES).sort());
    expect(STATUS_BY_CODE).toEqual(documented);
  });

  it('answers { code, message } for SegErrors and turns anything else into SEG_ERR_INTERNAL', () => {
    expect(toHttpError(new SegError('SEG_ERR_JOB_RUNNING', 'busy'))).toEqual({ status: 409, body: { code: 'SEG_ERR_JOB_RUNNING', message: 'busy' } });
    expect(toHttpError(new Error('oops'))).toEqual({ status: 500, body: { code: 'SEG_ERR_INTERNAL', message: 'oops' } });
  });
});
