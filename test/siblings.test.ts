// Rows read together (src/graphql/siblings.ts): a field loads once for all of
// them, and what it loaded goes when they go, in the young generation's
// collection already (V8 keeps a WeakMap's values through it, which made every
// request's rows outlive it).
import v8 from 'node:v8';
import vm from 'node:vm';
import { expect, it } from 'vitest';
import { loadTogether, readTogether } from '../src/graphql/siblings.ts';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as (options?: { type: 'minor' | 'major' }) => void;

const youngBytes = () => v8.getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')!.space_used_size;

/** Reads two rows together and loads a field of 20,000 small objects each for them; returns the rows. */
function readAndLoad(): object[] {
  const rows = readTogether([{ id: 1 }, { id: 2 }]);
  loadTogether(rows[0]!, 'authors', (siblings) => siblings.map((_, s) => Array.from({ length: 20_000 }, (_, i) => ({ s, i }))));
  return rows;
}

/** The bytes that `run` leaves in the young generation after a minor collection, and what it allocated there. */
function youngAfterMinorCollection(run: () => unknown): { allocated: number; left: number } {
  gc({ type: 'minor' });
  gc({ type: 'minor' });
  const before = youngBytes();
  run();
  const allocated = youngBytes() - before;
  gc({ type: 'minor' });
  return { allocated, left: youngBytes() - before };
}

it('loads a field once for all the rows read together, each row getting its own value', () => {
  const rows = readTogether([{ id: 1 }, { id: 2 }, { id: 3 }]);
  const loads: number[][] = [];
  const load = (siblings: readonly { id: number }[]) => {
    loads.push(siblings.map((row) => row.id));
    return siblings.map((row) => `value of ${row.id}`);
  };
  expect(rows.map((row) => loadTogether(row, 'field', load))).toEqual(['value of 1', 'value of 2', 'value of 3']);
  expect(loadTogether(rows[1]!, 'other field', load)).toBe('value of 2');
  expect(loads).toEqual([[1, 2, 3], [1, 2, 3]]);
  // A row read alone is its own sibling.
  expect(loadTogether({ id: 9 }, 'field', load)).toBe('value of 9');
  expect(loads.at(-1)).toEqual([9]);
});

it('frees what the rows loaded with the rows, in a collection of the young generation', () => {
  let kept: object[] = [];
  // The probe sees what stays: rows still referenced keep their loads.
  const held = youngAfterMinorCollection(() => (kept = readAndLoad()));
  expect(held.left).toBeGreaterThan(held.allocated / 2);
  kept = [];
  // Rows no longer referenced leave (next to) nothing.
  const dropped = youngAfterMinorCollection(readAndLoad);
  expect(dropped.allocated).toBeGreaterThan(500_000);
  expect(dropped.left).toBeLessThan(dropped.allocated / 10);
  expect(kept).toEqual([]);
});
