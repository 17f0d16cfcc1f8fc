import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { SafetensorsFile, withSafetensors, writeSafetensors } from '../../src/io/safetensors.js';

const dir = mkdtempSync(path.join(tmpdir(), 'haplo-st-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A raw safetensors file from a header object and a data section. */
function rawFile(name: string, header: unknown, data: Uint8Array, headerText?: string): string {
  const json = Buffer.from(headerText ?? JSON.stringify(header), 'utf8');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  const file = path.join(dir, name);
  writeFileSync(file, Buffer.concat([len, json, data]));
  return file;
}

test('float32 round trip keeps names, shapes and bits; the write leaves no temporary file', () => {
  const file = path.join(dir, 'round.safetensors');
  const a = Float32Array.from([1.5, -2, 3.25, Math.PI, -0, 1e-30]);
  const b = Float32Array.from([7]);
  writeSafetensors(file, [{ name: 'z.weight', shape: [2, 3], data: a }, { name: 'a.bias', shape: [1], data: b }]);
  withSafetensors(file, (f) => {
    assert.deepEqual(f.names().sort(), ['a.bias', 'z.weight']);
    assert.deepEqual(f.info('z.weight').shape, [2, 3]);
    assert.equal(f.info('z.weight').dtype, 'F32');
    assert.deepEqual(new Uint32Array(f.readF32('z.weight').buffer), new Uint32Array(a.buffer));
    assert.deepEqual(Array.from(f.readF32('a.bias')), [7]);
    assert.equal(f.metadata.format, 'pt');
    // Reading into a caller's buffer (how checkpoints load straight into parameters).
    const dst = new Float32Array(6);
    f.readF32('z.weight', dst);
    assert.deepEqual(dst, a);
  });
  assert.deepEqual(readdirSync(dir).filter((n) => n.includes('.tmp-')), []);
  // The data section starts 8-byte aligned.
  const headerLen = Number(readFileSync(file).readBigUInt64LE(0));
  assert.equal(headerLen % 8, 0);
});

test('reads F16, BF16 and F64 as float32, and I64 / U8 through typed getters', () => {
  const f16 = new Uint16Array([0x3c00, 0xc000, 0x3555, 0x0001, 0x7c00]); // 1, -2, ~0.333, smallest subnormal, inf
  const bf16 = new Uint16Array([0x3f80, 0xc040, 0x4049]); // 1, -3, 3.140625
  const f64 = new Float64Array([0.1, -1e10]);
  const i64 = new BigInt64Array([5n, -7n, 2147483647n]);
  const u8 = new Uint8Array([0, 1, 1, 0]);
  const parts: [string, string, number[], Uint8Array][] = [
    ['h', 'F16', [5], new Uint8Array(f16.buffer)], ['b', 'BF16', [3], new Uint8Array(bf16.buffer)],
    ['d', 'F64', [2], new Uint8Array(f64.buffer)], ['i', 'I64', [3], new Uint8Array(i64.buffer)], ['m', 'U8', [2, 2], u8],
  ];
  const header: Record<string, unknown> = {};
  let off = 0;
  for (const [name, dtype, shape, bytes] of parts) {
    header[name] = { dtype, shape, data_offsets: [off, off + bytes.length] };
    off += bytes.length;
  }
  const file = rawFile('dtypes.safetensors', header, Buffer.concat(parts.map((p) => p[3])));
  withSafetensors(file, (f) => {
    const h = f.readF32('h');
    assert.deepEqual([h[0], h[1], h[3], h[4]], [1, -2, 2 ** -24, Infinity]);
    assert.ok(Math.abs(h[2] - 1 / 3) < 1e-3);
    assert.deepEqual(Array.from(f.readF32('b')), [1, -3, 3.140625]);
    assert.deepEqual(Array.from(f.readF64('d')), [0.1, -1e10]);
    assert.deepEqual(Array.from(f.readF32('d')), [Math.fround(0.1), -1e10]);
    assert.deepEqual(Array.from(f.readI64('i')), [5n, -7n, 2147483647n]);
    assert.deepEqual(Array.from(f.readInt32('i')), [5, -7, 2147483647]);
    assert.deepEqual(Array.from(f.readU8('m')), [0, 1, 1, 0]);
    assert.throws(() => f.readF32('i'), /tensor 'i' is I64, not a floating-point tensor/);
    assert.throws(() => f.readF32('nope'), /no tensor named 'nope'/);
  });
});

test('corrupt files fail with the file, the tensor and the problem named', () => {
  const data = new Uint8Array(16);
  const good = { w: { dtype: 'F32', shape: [2, 2], data_offsets: [0, 16] } };
  const open = (file: string) => new SafetensorsFile(file).close();

  const full = readFileSync(rawFile('whole.safetensors', good, data));
  const truncated = path.join(dir, 'truncated.safetensors');
  writeFileSync(truncated, full.subarray(0, full.length - 5));
  assert.throws(() => open(truncated), /truncated\.safetensors: tensor 'w': data_offsets \[0, 16\] run past the end of the data section \(11 bytes\)/);

  const short = path.join(dir, 'short.safetensors');
  writeFileSync(short, full.subarray(0, 20));
  assert.throws(() => open(short), /short\.safetensors: header length \d+ runs past the end of the file/);

  writeFileSync(path.join(dir, 'tiny.safetensors'), Buffer.alloc(3));
  assert.throws(() => open(path.join(dir, 'tiny.safetensors')), /not a safetensors file \(only 3 bytes/);

  assert.throws(() => open(rawFile('badjson.safetensors', null, data, '{"w": {"dtype": "F32",')), /badjson\.safetensors: the header is not valid JSON/);
  assert.throws(() => open(rawFile('past.safetensors', { w: { dtype: 'F32', shape: [2, 2], data_offsets: [8, 24] } }, data)),
    /past\.safetensors: tensor 'w': data_offsets \[8, 24\] run past the end/);
  assert.throws(() => open(rawFile('size.safetensors', { w: { dtype: 'F32', shape: [3, 2], data_offsets: [0, 16] } }, data)),
    /tensor 'w': shape \[3, 2\] of F32 needs 24 bytes but data_offsets \[0, 16\] span 16/);
  assert.throws(() => open(rawFile('dtype.safetensors', { w: { dtype: 'Q4', shape: [4], data_offsets: [0, 16] } }, data)),
    /tensor 'w': dtype "Q4" is not one of/);
  assert.throws(() => open(rawFile('overlap.safetensors', {
    a: { dtype: 'F32', shape: [3], data_offsets: [0, 12] }, b: { dtype: 'F32', shape: [2], data_offsets: [8, 16] },
  }, data)), /tensors 'a' and 'b' overlap/);
  assert.throws(() => open(path.join(dir, 'missing.safetensors')), /cannot open .*missing\.safetensors: file not found/);
});

test('writing rejects inconsistent tensors and duplicate names', () => {
  const file = path.join(dir, 'bad.safetensors');
  assert.throws(() => writeSafetensors(file, [{ name: 'x', shape: [3], data: new Float32Array(2) }]), /tensor 'x' has 2 values for shape \[3\]/);
  assert.throws(() => writeSafetensors(file, [{ name: 'x', shape: [1], data: new Float32Array(1) }, { name: 'x', shape: [1], data: new Float32Array(1) }]), /duplicate tensor name 'x'/);
});
