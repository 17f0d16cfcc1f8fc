/** The gradient checker itself must reject a wrong gradient. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { record } from '../../src/tensor/autograd.js';
import { ops, Rng, type Tensor } from '../../src/tensor/index.js';
import { gradcheck, leaf } from '../helpers/gradcheck.js';

it('gradcheck fails on an op whose backward is off by a factor', () => {
  const wrongSquare = (x: Tensor) => record(ops.square(x), 'wrong', [x], (g) => [ops.mul(g, x)]); // should be 2 g x
  const x = leaf([4], new Rng(5));
  assert.throws(() => gradcheck('wrong', (t) => wrongSquare(ops.scale(t, 1)), [x]), /finite difference/);
});
