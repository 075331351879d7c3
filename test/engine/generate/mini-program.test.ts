import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ArgumentError } from '../../../engine/errors.js';
import { generate, participantsCsv, resolveMiniProgram } from '../../../engine/generate/index.js';
import { readBack } from './read-back.js';

const dir = mkdtempSync(join(tmpdir(), 'segstream-program-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const BASE = { customers: 3_000, transactions: 30_000, format: 'ndjson' as const, seed: 5, endDate: '2026-06-30' };
const DAY = 86_400_000;

describe('generate with a mini-program', () => {
  it('scales only the participants\' purchases inside the program days, leaving every other row as without it', async () => {
    const plain = await generate({ ...BASE, out: join(dir, 'plain.ndjson') });
    const withProgram = await generate({ ...BASE, out: join(dir, 'program.ndjson'), program: { days: 91, share: 0.3, uplift: 0.5 } });
    expect(plain.program).toBeUndefined();
    expect(withProgram.program).toMatchObject({ from: '2026-04-01', to: '2026-06-30' });
    const participants = new Set(withProgram.program!.participants);
    expect(participants.size).toBeGreaterThan(100);

    const a = readBack(join(dir, 'plain.ndjson'), 'ndjson');
    const b = readBack(join(dir, 'program.ndjson'), 'ndjson');
    expect(b.customerId).toEqual(a.customerId);
    expect(b.ts).toEqual(a.ts);
    const start = Date.UTC(2026, 3, 1);
    const end = Date.UTC(2026, 5, 30) + DAY - 1;
    const firstSeen = new Map<number, number>();
    let scaled = 0;
    let returnsAfterScaled = 0;
    for (let i = 0; i < a.ts.length; i++) {
      const id = Number(a.customerId[i]);
      if (!firstSeen.has(id)) firstSeen.set(id, Number(a.ts[i]));
      const inProgram = participants.has(id) && a.ts[i]! >= start && a.ts[i]! <= end;
      if (a.amount[i]! > 0 && inProgram) {
        // Whole cents, 1.5 times as large (rounded to the cent).
        expect(Math.round(b.amount[i]! * 100)).toBe(Math.round(Math.round(a.amount[i]! * 100) * 1.5));
        scaled++;
      } else if (a.amount[i]! < 0) {
        // A return refunds (part of) the latest purchase, scaled or not; its sign never changes.
        expect(b.amount[i]!).toBeLessThan(0);
        if (b.amount[i] !== a.amount[i]) returnsAfterScaled++;
      } else {
        expect(b.amount[i]).toBe(a.amount[i]);
      }
    }
    expect(scaled).toBeGreaterThan(500);
    expect(returnsAfterScaled).toBeLessThan(scaled);
    // Participants were customers already: acquired before the program started.
    for (const id of participants) expect(firstSeen.get(id)!).toBeLessThan(start);
  });

  it('picks the same participants for the same seed and other ones for another seed', async () => {
    const one = await generate({ ...BASE, out: join(dir, 'one.ndjson'), program: {} });
    const two = await generate({ ...BASE, out: join(dir, 'two.ndjson'), program: {} });
    const other = await generate({ ...BASE, seed: 6, out: join(dir, 'other.ndjson'), program: {} });
    expect(two.program!.participants).toEqual(one.program!.participants);
    expect(other.program!.participants).not.toEqual(one.program!.participants);
  });

  it('writes the participants as a customer_id file, ids ascending', () => {
    expect(participantsCsv([42, 7, 100])).toBe('customer_id\n7\n42\n100\n');
  });

  it('refuses options outside their range, naming them', () => {
    const end = Date.UTC(2026, 5, 30) + DAY - 1;
    expect(resolveMiniProgram({ start: '2026-02-01', days: 28 }, end)).toMatchObject({ from: '2026-02-01', to: '2026-02-28' });
    expect(() => resolveMiniProgram({ share: 0 }, end)).toThrow(ArgumentError);
    expect(() => resolveMiniProgram({ days: 0 }, end)).toThrow(/days/);
    expect(() => resolveMiniProgram({ start: '2026-07-01' }, end)).toThrow(/after the history's last day/);
    expect(() => resolveMiniProgram({ start: '2026-02-30' }, end)).toThrow(/start/);
    expect(() => resolveMiniProgram({ uplift: 1, shares: 1 } as never, end)).toThrow(/unknown program option shares/);
  });
});
