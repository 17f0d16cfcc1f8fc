/** Access to the rms-a reference fixture (test/fixtures/rms-a) and the README's tolerance check. */
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SafetensorsFile } from '../../src/io/safetensors.js';

/** test/fixtures/rms-a (tests run from dist/test/..., the fixture stays in the source tree). */
export const RMS_A_DIR = fileURLToPath(new URL('../../../test/fixtures/rms-a/', import.meta.url));

export function openFixture(name: 'inputs' | 'expected' | 'model'): SafetensorsFile {
  return new SafetensorsFile(path.join(RMS_A_DIR, `${name}.safetensors`));
}

/** Worst-case figures of a comparison. */
export interface Deviation {
  maxErr: number;
  maxRef: number;
}

/** max|a - b| and max|b|. */
export function deviation(actual: ArrayLike<number>, expected: ArrayLike<number>, label: string): Deviation {
  assert.equal(actual.length, expected.length, `${label}: ${actual.length} values, expected ${expected.length}`);
  let maxErr = 0, maxRef = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = Math.abs(actual[i] - expected[i]);
    if (!(e <= maxErr)) maxErr = e; // NaN propagates as a failure
    maxRef = Math.max(maxRef, Math.abs(expected[i]));
  }
  return { maxErr, maxRef };
}

/** The README's check: max|a - b| <= rel * max(1, max|b|). Returns the deviation for reporting. */
export function assertFixtureClose(actual: ArrayLike<number>, expected: ArrayLike<number>, label: string, rel = 1e-4): Deviation {
  const d = deviation(actual, expected, label);
  const bound = rel * Math.max(1, d.maxRef);
  assert.ok(d.maxErr <= bound, `${label}: max |err| ${d.maxErr.toExponential(3)} exceeds ${bound.toExponential(3)} (max |ref| ${d.maxRef.toFixed(3)})`);
  return d;
}
