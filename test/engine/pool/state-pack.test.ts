import { describe, expect, it } from 'vitest';
import { textOfUnits } from '../../../engine/pool/state-pack.js';

function units(s: string): Uint16Array {
  const u = new Uint16Array(s.length);
  for (let i = 0; i < s.length; i++) u[i] = s.charCodeAt(i);
  return u;
}

describe('textOfUnits', () => {
  it('rebuilds a 1 MB key without overflowing the stack', () => {
    const key = 'k'.repeat(1 << 20) + 'é';
    expect(textOfUnits(units(key), 0, key.length)).toBe(key);
  });

  it('keeps lone surrogates and chunk boundaries exactly', () => {
    const key = 'a\ud800b'.repeat(5000) + '\udfff';
    const u = units('xx' + key + 'yy');
    expect(textOfUnits(u, 2, 2 + key.length)).toBe(key);
    expect(textOfUnits(u, 0, 0)).toBe('');
  });
});
