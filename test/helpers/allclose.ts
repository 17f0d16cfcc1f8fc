/** Asserts |actual - expected| <= atol + rtol |expected| elementwise, reporting the worst element. */
import assert from 'node:assert/strict';

export interface Tolerance {
  rtol?: number;
  atol?: number;
}

export function allclose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tolerance = {}, label = ''): void {
  const rtol = tol.rtol ?? 1e-5, atol = tol.atol ?? 1e-6;
  const what = label ? `${label}: ` : '';
  assert.equal(actual.length, expected.length, `${what}length ${actual.length} vs expected ${expected.length}`);
  let worst = -1, worstExcess = 0, maxAbs = 0, maxRel = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i], e = expected[i];
    if (Number.isNaN(e) && Number.isNaN(a)) continue;
    if (e === a) continue; // covers matching infinities
    const err = Math.abs(a - e);
    if (!(err <= maxAbs)) maxAbs = err;
    const rel = err / Math.abs(e);
    if (e !== 0 && !(rel <= maxRel)) maxRel = rel;
    const excess = err - (atol + rtol * Math.abs(e));
    if (!(excess <= worstExcess)) { worstExcess = excess; worst = i; }
  }
  if (worst >= 0) {
    assert.fail(`${what}not close: element ${worst} is ${actual[worst]}, expected ${expected[worst]} ` +
      `(max |err| ${maxAbs.toExponential(3)}, max rel err ${maxRel.toExponential(3)}, rtol ${rtol}, atol ${atol})`);
  }
}
