import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The stages of the data path import only downwards (STYLE: folders follow the data's path):
// the three cycles of issue 10 (pool <-> rescore, snapshot -> rescore, aggregate-inputs <-> rescore)
// stay gone, and no file cycle runs through the aggregation stages.
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function engineFiles(dir = join(root, 'engine'), out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) engineFiles(path, out);
    else if (path.endsWith('.ts')) out.push(path);
  }
  return out;
}

/** Relative imports and re-exports of every engine file, type-only ones included (they are cycles to a reader too). */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of engineFiles()) {
    const src = readFileSync(file, 'utf8');
    const targets = [...src.matchAll(/(?:import|export)\s+(?:type\s+)?(?:[^'"]*?from\s+)?['"](\.[^'"]+)['"]/g)].map((m) =>
      relative(root, resolve(dirname(file), m[1]!.replace(/\.js$/, '.ts'))),
    );
    graph.set(relative(root, file), targets);
  }
  return graph;
}

const folderOf = (file: string): string => file.split('/')[1]!;

/** Files through which `from` reaches itself again, or null. */
function cycleThrough(graph: Map<string, string[]>, from: string): string[] | null {
  const path: string[] = [];
  const seen = new Set<string>();
  const visit = (f: string): boolean => {
    for (const t of graph.get(f) ?? []) {
      if (t === from) return true;
      if (seen.has(t)) continue;
      seen.add(t);
      path.push(t);
      if (visit(t)) return true;
      path.pop();
    }
    return false;
  };
  return visit(from) ? [from, ...path, from] : null;
}

describe('the engine import graph', () => {
  const graph = importGraph();

  it.each([
    ['pool', 'rescore'],
    ['snapshot', 'rescore'],
    ['aggregate', 'rescore'],
    ['aggregate', 'pool'],
    ['read', 'pool'],
  ])('no module of engine/%s imports engine/%s', (lower, upper) => {
    const edges = [...graph].flatMap(([file, targets]) =>
      folderOf(file) === lower ? targets.filter((t) => folderOf(t) === upper).map((t) => `${file} -> ${t}`) : [],
    );
    expect(edges).toEqual([]);
  });

  it('has no file cycle through the read, parse, aggregate, pool and rescore stages', () => {
    const stages = new Set(['read', 'parse', 'aggregate', 'kernels', 'pool', 'rescore']);
    const cycles = [...graph.keys()].filter((f) => stages.has(folderOf(f))).map((f) => cycleThrough(graph, f)).filter((c) => c !== null);
    expect(cycles).toEqual([]);
  });
});
