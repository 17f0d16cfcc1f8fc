import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { floatToHalf, withSafetensors, writeSafetensors } from '../../src/io/safetensors.js';
import { tempDir } from './helpers.js';

/** Reference half -> float, written independently of the reader. */
function half(h: number): number {
  const s = h & 0x8000 ? -1 : 1, e = (h >> 10) & 31, f = h & 1023;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

test('floatToHalf maps every half value back to its own bits', () => {
  for (let h = 0; h < 0x10000; h++) {
    const v = half(h);
    if (Number.isNaN(v)) assert.equal(floatToHalf(v) & 0x7c00, 0x7c00);
    else assert.equal(floatToHalf(v), h, `half 0x${h.toString(16)} = ${v}`);
  }
});

test('floatToHalf rounds to the nearest half, ties to even, and overflows to infinity', () => {
  assert.equal(half(floatToHalf(1 + 2 ** -11)), 1); // tie between 1 and 1 + 2^-10: even mantissa wins
  assert.equal(half(floatToHalf(1 + 3 * 2 ** -11)), 1 + 2 ** -9); // tie: rounds up to the even one
  assert.equal(half(floatToHalf(1 + 2 ** -11 + 2 ** -20)), 1 + 2 ** -10); // above the tie
  assert.equal(half(floatToHalf(2 ** -25)), 0); // half the smallest subnormal: tie to zero
  assert.equal(half(floatToHalf(1.5 * 2 ** -25)), 2 ** -24);
  assert.equal(half(floatToHalf(65519)), 65504);
  assert.equal(half(floatToHalf(65520)), Infinity);
  assert.equal(half(floatToHalf(-1e-9)), -0);
});

test('F16 writing stores half values the reader gives back; out-of-range values are refused', () => {
  const { dir, cleanup } = tempDir();
  try {
    const file = path.join(dir, 'h.safetensors');
    const data = Float32Array.from([0.1, -3.14159, 1e-6, 60000, 0]);
    writeSafetensors(file, [{ name: 'w', shape: [5], data }], { format: 'pt' }, { dtype: 'F16' });
    withSafetensors(file, (f) => {
      assert.equal(f.info('w').dtype, 'F16');
      assert.equal(f.info('w').byteLength, 10);
      assert.deepEqual([...f.readF32('w')], [...data].map((v) => half(floatToHalf(v))));
    });
    assert.throws(() => writeSafetensors(file, [{ name: 'big', shape: [2], data: Float32Array.from([1, 7e4]) }], {}, { dtype: 'F16' }),
      /tensor 'big' element 1 \(70000\) is beyond the float16 range/);
  } finally {
    cleanup();
  }
});
