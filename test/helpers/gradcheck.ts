/**
 * Gradient check: compares autograd gradients of a scalar function with central finite differences
 * (f(x + h e_i) - f(x - h e_i)) / 2h, on every element of every input, in float32.
 */
import assert from 'node:assert/strict';
import { noGrad, Rng, type Tensor, tensor } from '../../src/tensor/index.js';
import { ops } from '../../src/tensor/index.js';

export interface GradcheckOptions {
  h?: number;
  rtol?: number;
  atol?: number;
}

/** A leaf tensor requiring grad with normal(0, std) + shift values. */
export function leaf(shape: number[], rng: Rng, std = 1, shift = 0): Tensor {
  const t = tensor(rng.normal(shape.reduce((p, q) => p * q, 1)).map((v) => v * std + shift), shape);
  t.requiresGrad = true;
  return t;
}

/**
 * Checks d/dx_i of L = sum(f(inputs) * W) for a fixed random W (so every output element matters).
 */
export function gradcheck(name: string, f: (...xs: Tensor[]) => Tensor, inputs: Tensor[], opts: GradcheckOptions = {}): void {
  const h = opts.h ?? 1e-2, rtol = opts.rtol ?? 2e-2, atol = opts.atol ?? 2e-3;
  const probe = noGrad(() => f(...inputs));
  const w = tensor(new Rng(99).normal(probe.size), probe.shape);
  const loss = () => ops.sum(ops.mul(f(...inputs), w));
  for (const x of inputs) x.grad = null;
  loss().backward();
  inputs.forEach((x, k) => {
    if (!x.requiresGrad) return;
    assert.ok(x.grad, `${name}: input ${k} got no gradient`);
    const analytic = x.grad.data;
    for (let i = 0; i < x.size; i++) {
      const orig = x.data[i];
      x.data[i] = orig + h;
      const up = noGrad(() => loss().item());
      x.data[i] = orig - h;
      const down = noGrad(() => loss().item());
      x.data[i] = orig;
      const numeric = (up - down) / (2 * h);
      const err = Math.abs(numeric - analytic[i]);
      const scale = Math.max(Math.abs(numeric), Math.abs(analytic[i]));
      assert.ok(err <= atol + rtol * scale,
        `${name}: d/d input${k}[${i}] autograd ${analytic[i]} vs finite difference ${numeric} (|err| ${err.toExponential(2)})`);
    }
  });
}
