import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MT19937 } from '../src/mt19937';
import { python } from './helpers';

test('MT19937 replays numpy legacy choice and rand (algorithms.md §9 item 1)', () => {
  const r = new MT19937(0);
  assert.deepEqual([r.choice(528, 2), r.choice(528, 2), r.choice(528, 2)], [[192, 359], [9, 277], [70, 472]]);
  const u = new MT19937(0);
  const v = [u.randomDouble(), u.randomDouble(), u.randomDouble()];
  assert.deepEqual(v.map((x) => x.toFixed(10)), ['0.5488135039', '0.7151893664', '0.6027633761']);
});

test('MT19937 agrees with live numpy: rand, randint, choice, standard_normal, several seeds', () => {
  const seeds = [0, 1, 42, 4294967295];
  const ref = python(
    `out = []
for s in inp:
    rs = np.random.RandomState(s)
    a = rs.rand(5).tolist(); b = rs.choice(1000, 7).tolist(); c = rs.randint(0, 3, 9).tolist()
    d = rs.standard_normal(5).tolist(); e = rs.rand(2).tolist(); f = rs.randint(0, 2**32, 3, dtype=np.int64).tolist()
    out.append(dict(a=a, b=b, c=c, d=d, e=e, f=f))`,
    seeds,
  );
  seeds.forEach((s, i) => {
    const r = new MT19937(s);
    const a = Array.from({ length: 5 }, () => r.randomDouble());
    const b = r.choice(1000, 7);
    const c = r.choice(3, 9);
    const d = Array.from({ length: 5 }, () => r.standardNormal());
    const e = Array.from({ length: 2 }, () => r.randomDouble());
    const f = r.choice(2 ** 32, 3);
    assert.deepEqual(a, ref[i].a, `seed ${s} rand`);
    assert.deepEqual(b, ref[i].b, `seed ${s} choice`);
    assert.deepEqual(c, ref[i].c, `seed ${s} randint`);
    // numpy computes log/sqrt in C; allow 1 ulp-level differences.
    d.forEach((x, j) => assert.ok(Math.abs(x - ref[i].d[j]) <= 1e-15 * Math.max(1, Math.abs(x)), `seed ${s} normal ${x} vs ${ref[i].d[j]}`));
    assert.deepEqual(e, ref[i].e, `seed ${s} rand after normal (odd count leaves a cached value)`);
    assert.deepEqual(f, ref[i].f, `seed ${s} full-range randint`);
  });
});
