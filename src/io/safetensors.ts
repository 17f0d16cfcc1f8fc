/**
 * safetensors files (https://github.com/huggingface/safetensors): an 8-byte little-endian header
 * length n, n bytes of JSON `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__"?: {...}}`,
 * then the data section; offsets are relative to its start, tensors are row-major little-endian.
 *
 * Reading opens the file once, validates the whole header, and reads each tensor on demand with
 * `fs.readSync` at its offset, so a large checkpoint never sits in memory twice. F32 reads straight
 * into the destination buffer; F16, BF16 and F64 are converted to float32. Integer and byte tensors
 * (test inputs, masks) have their own typed getters. Writing takes float32 tensors and stores them as
 * F32 or (rounded to nearest even) F16, streamed to a temporary file that is renamed into place, so a
 * crash never leaves a half-written checkpoint.
 */
import { closeSync, fstatSync, mkdirSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { endianness } from 'node:os';
import path from 'node:path';
import { temporaryPath } from './atomic.js';

/** Element types this reader understands, with their sizes in bytes. */
export const DTYPE_BYTES = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 } as const;
export type Dtype = keyof typeof DTYPE_BYTES;

export interface TensorInfo {
  name: string;
  dtype: Dtype;
  shape: number[];
  /** absolute byte offset of the first element in the file */
  offset: number;
  byteLength: number;
}

if (endianness() !== 'LE') throw new Error('safetensors I/O assumes a little-endian machine');

const MAX_HEADER_BYTES = 100 * 1024 * 1024;

/** A safetensors file opened for reading; call close() when done (or use readSafetensors). */
export class SafetensorsFile {
  private fd: number | null;
  private readonly infos = new Map<string, TensorInfo>();
  readonly metadata: Record<string, string>;

  /** Opens and validates `file`; every problem is reported with the file and tensor name. */
  constructor(readonly file: string) {
    try {
      this.fd = openSync(file, 'r');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new Error(`cannot open ${file}: ${code === 'ENOENT' ? 'file not found' : (e as Error).message}`);
    }
    try {
      this.metadata = this.parseHeader();
    } catch (e) {
      this.close();
      throw e;
    }
  }

  private parseHeader(): Record<string, string> {
    const file = this.file;
    const fileSize = fstatSync(this.fd!).size;
    if (fileSize < 8) throw new Error(`${file}: not a safetensors file (only ${fileSize} bytes, the header length alone takes 8)`);
    const lenBuf = Buffer.alloc(8);
    readSync(this.fd!, lenBuf, 0, 8, 0);
    const headerLen = Number(lenBuf.readBigUInt64LE(0));
    if (headerLen > fileSize - 8) throw new Error(`${file}: header length ${headerLen} runs past the end of the file (${fileSize} bytes); the file is truncated or not safetensors`);
    if (headerLen > MAX_HEADER_BYTES) throw new Error(`${file}: header length ${headerLen} exceeds ${MAX_HEADER_BYTES} bytes`);
    const headerBuf = Buffer.alloc(headerLen);
    readSync(this.fd!, headerBuf, 0, headerLen, 8);
    let header: unknown;
    try {
      header = JSON.parse(headerBuf.toString('utf8'));
    } catch (e) {
      throw new Error(`${file}: the header is not valid JSON (${(e as Error).message})`);
    }
    if (!header || typeof header !== 'object' || Array.isArray(header)) throw new Error(`${file}: the header must be a JSON object`);
    const dataStart = 8 + headerLen, dataSize = fileSize - dataStart;
    let metadata: Record<string, string> = {};
    for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
      if (name === '__metadata__') {
        metadata = (entry ?? {}) as Record<string, string>;
        continue;
      }
      this.infos.set(name, validateEntry(file, name, entry, dataStart, dataSize));
    }
    // Tensors may not overlap (the format requires a dense, ordered data section; overlap means corruption).
    const spans = [...this.infos.values()].filter((t) => t.byteLength > 0).sort((a, b) => a.offset - b.offset);
    for (let i = 1; i < spans.length; i++) {
      if (spans[i].offset < spans[i - 1].offset + spans[i - 1].byteLength) {
        throw new Error(`${file}: tensors '${spans[i - 1].name}' and '${spans[i].name}' overlap in the data section`);
      }
    }
    return metadata;
  }

  names(): string[] {
    return [...this.infos.keys()];
  }

  has(name: string): boolean {
    return this.infos.has(name);
  }

  /** dtype, shape and location of a tensor; throws naming the file if absent. */
  info(name: string): TensorInfo {
    const t = this.infos.get(name);
    if (!t) throw new Error(`${this.file}: no tensor named '${name}'`);
    return t;
  }

  private readBytes(t: TensorInfo, into?: Uint8Array): Uint8Array {
    if (this.fd === null) throw new Error(`${this.file} was closed`);
    const buf = into ?? new Uint8Array(t.byteLength);
    let done = 0;
    while (done < t.byteLength) {
      const n = readSync(this.fd, buf, done, t.byteLength - done, t.offset + done);
      if (n === 0) throw new Error(`${this.file}: tensor '${t.name}' ends early (file truncated while reading)`);
      done += n;
    }
    return buf;
  }

  /**
   * Reads a floating-point tensor as float32 into `dst` (default: a new array of the right size).
   * F32 is read in place; F16/BF16/F64 are converted.
   */
  readF32(name: string, dst?: Float32Array): Float32Array {
    const t = this.info(name);
    const n = t.byteLength / DTYPE_BYTES[t.dtype];
    const out = dst ?? new Float32Array(n);
    if (out.length !== n) throw new Error(`${this.file}: tensor '${name}' has ${n} elements, the destination ${out.length}`);
    switch (t.dtype) {
      case 'F32':
        this.readBytes(t, new Uint8Array(out.buffer, out.byteOffset, t.byteLength));
        return out;
      case 'F64': {
        const src = this.readF64(name);
        for (let i = 0; i < n; i++) out[i] = src[i];
        return out;
      }
      case 'F16': {
        const src = new Uint16Array(this.readBytes(t).buffer);
        for (let i = 0; i < n; i++) out[i] = halfToFloat(src[i]);
        return out;
      }
      case 'BF16': {
        // bfloat16 is the top half of a float32: shift it into place.
        const src = new Uint16Array(this.readBytes(t).buffer);
        const bits = new Uint32Array(out.buffer, out.byteOffset, n);
        for (let i = 0; i < n; i++) bits[i] = src[i] << 16;
        return out;
      }
      default:
        throw new Error(`${this.file}: tensor '${name}' is ${t.dtype}, not a floating-point tensor`);
    }
  }

  /** An F64 tensor (F32 is widened). */
  readF64(name: string): Float64Array {
    const t = this.info(name);
    if (t.dtype === 'F64') return new Float64Array(this.readBytes(t).buffer);
    if (t.dtype === 'F32') return Float64Array.from(this.readF32(name));
    throw new Error(`${this.file}: tensor '${name}' is ${t.dtype}, expected F64 or F32`);
  }

  /** An I64 tensor as bigints. */
  readI64(name: string): BigInt64Array {
    const t = this.info(name);
    if (t.dtype !== 'I64') throw new Error(`${this.file}: tensor '${name}' is ${t.dtype}, expected I64`);
    return new BigInt64Array(this.readBytes(t).buffer);
  }

  /** An integer tensor (I64, I32, I16, I8, U8, BOOL) as int32; throws if a value does not fit. */
  readInt32(name: string): Int32Array {
    const t = this.info(name);
    switch (t.dtype) {
      case 'I64': {
        const src = this.readI64(name), out = new Int32Array(src.length);
        for (let i = 0; i < src.length; i++) {
          if (src[i] > 2147483647n || src[i] < -2147483648n) throw new Error(`${this.file}: tensor '${name}' element ${i} (${src[i]}) does not fit int32`);
          out[i] = Number(src[i]);
        }
        return out;
      }
      case 'I32': return new Int32Array(this.readBytes(t).buffer);
      case 'I16': return Int32Array.from(new Int16Array(this.readBytes(t).buffer));
      case 'I8': return Int32Array.from(new Int8Array(this.readBytes(t).buffer));
      case 'U8': case 'BOOL': return Int32Array.from(this.readBytes(t));
      default: throw new Error(`${this.file}: tensor '${name}' is ${t.dtype}, not an integer tensor`);
    }
  }

  /** A U8 or BOOL tensor (masks). */
  readU8(name: string): Uint8Array {
    const t = this.info(name);
    if (t.dtype !== 'U8' && t.dtype !== 'BOOL') throw new Error(`${this.file}: tensor '${name}' is ${t.dtype}, expected U8`);
    return this.readBytes(t);
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

function validateEntry(file: string, name: string, entry: unknown, dataStart: number, dataSize: number): TensorInfo {
  const where = `${file}: tensor '${name}'`;
  if (!entry || typeof entry !== 'object') throw new Error(`${where}: header entry must be an object`);
  const { dtype, shape, data_offsets: offsets } = entry as Record<string, unknown>;
  if (typeof dtype !== 'string' || !(dtype in DTYPE_BYTES)) {
    throw new Error(`${where}: dtype ${JSON.stringify(dtype)} is not one of ${Object.keys(DTYPE_BYTES).join(', ')}`);
  }
  if (!Array.isArray(shape) || shape.some((d) => !Number.isSafeInteger(d) || d < 0)) {
    throw new Error(`${where}: shape ${JSON.stringify(shape)} must be a list of non-negative integers`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || offsets.some((o) => !Number.isSafeInteger(o) || o < 0) || offsets[1] < offsets[0]) {
    throw new Error(`${where}: data_offsets ${JSON.stringify(offsets)} must be [begin, end] with 0 <= begin <= end`);
  }
  const [begin, end] = offsets as number[];
  if (end > dataSize) {
    throw new Error(`${where}: data_offsets [${begin}, ${end}] run past the end of the data section (${dataSize} bytes); the file is truncated or corrupt`);
  }
  const numel = (shape as number[]).reduce((p, d) => p * d, 1);
  const expected = numel * DTYPE_BYTES[dtype as Dtype];
  if (end - begin !== expected) {
    throw new Error(`${where}: shape [${shape.join(', ')}] of ${dtype} needs ${expected} bytes but data_offsets [${begin}, ${end}] span ${end - begin}`);
  }
  return { name, dtype: dtype as Dtype, shape: shape as number[], offset: dataStart + begin, byteLength: end - begin };
}

/** IEEE half precision bits to a number. */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1, exp = (h >> 10) & 0x1f, frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/**
 * A number to IEEE half precision bits, rounded to nearest even (values beyond the half range become
 * infinities, tiny ones subnormals or zero).
 */
export function floatToHalf(value: number): number {
  F32_VIEW[0] = value;
  const x = U32_VIEW[0];
  const sign = (x >>> 16) & 0x8000, exp = (x >>> 23) & 0xff, mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // Inf / NaN
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow
  if (e <= 0) {
    if (e < -10) return sign; // underflows to zero
    // Subnormal: shift the mantissa (with its implicit 1) into place, rounding to nearest even.
    const m = mant | 0x800000, shift = 14 - e;
    const half = m >>> shift, rest = m & ((1 << shift) - 1), mid = 1 << (shift - 1);
    return sign | (half + (rest > mid || (rest === mid && (half & 1)) ? 1 : 0));
  }
  const half = (e << 10) | (mant >>> 13), rest = mant & 0x1fff;
  // A carry out of the mantissa rolls into the exponent, which is the correct rounding (up to Inf).
  return sign | (half + (rest > 0x1000 || (rest === 0x1000 && (half & 1)) ? 1 : 0));
}

const F32_VIEW = new Float32Array(1);
const U32_VIEW = new Uint32Array(F32_VIEW.buffer);

/** Opens `file`, runs fn, closes it. */
export function withSafetensors<T>(file: string, fn: (f: SafetensorsFile) => T): T {
  const f = new SafetensorsFile(file);
  try {
    return fn(f);
  } finally {
    f.close();
  }
}

/** One float32 tensor to write. */
export interface F32Entry {
  name: string;
  shape: readonly number[];
  data: Float32Array;
}

/** How float32 tensors are stored on disk. */
export type WriteDtype = 'F32' | 'F16';

export interface WriteOptions {
  /** storage type of every tensor (default F32); F16 throws naming the first value beyond its range */
  dtype?: WriteDtype;
}

/** Largest finite half-precision value. */
const F16_MAX = 65504;

/** Throws naming the first finite value of `t` that does not round to a finite half (|v| >= 65520). */
function checkHalfRange(file: string, t: F32Entry): void {
  for (let i = 0; i < t.data.length; i++) {
    const v = t.data[i];
    if (Math.abs(v) >= 65520 && Number.isFinite(v)) {
      throw new Error(`writeSafetensors ${file}: tensor '${t.name}' element ${i} (${v}) is beyond the float16 range (±${F16_MAX}); store it as F32`);
    }
  }
}

/** The bytes a tensor is stored as. */
function encodeTensor(t: F32Entry, dtype: WriteDtype): Uint8Array {
  if (dtype === 'F32') return new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  const half = new Uint16Array(t.data.length);
  for (let i = 0; i < t.data.length; i++) half[i] = floatToHalf(t.data[i]);
  return new Uint8Array(half.buffer);
}

/**
 * Writes float32 tensors (sorted by name, as Hugging Face does) to `file` atomically, stored as
 * `options.dtype`: the bytes go to a temporary file in the same folder, which is renamed over `file`
 * only once complete.
 */
export function writeSafetensors(file: string, tensors: readonly F32Entry[], metadata: Record<string, string> = { format: 'pt' }, options: WriteOptions = {}): void {
  const dtype = options.dtype ?? 'F32';
  const sorted = [...tensors].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const t of sorted) {
    if (t.name in header) throw new Error(`writeSafetensors ${file}: duplicate tensor name '${t.name}'`);
    const numel = t.shape.reduce((p, d) => p * d, 1);
    if (numel !== t.data.length) throw new Error(`writeSafetensors ${file}: tensor '${t.name}' has ${t.data.length} values for shape [${t.shape.join(', ')}]`);
    if (dtype === 'F16') checkHalfRange(file, t);
    const bytes = numel * DTYPE_BYTES[dtype];
    header[t.name] = { dtype, shape: [...t.shape], data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8); // keep the data section 8-byte aligned
  const headerBytes = Buffer.from(json, 'utf8');
  const lenBuf = Buffer.alloc(8);
  lenBuf.writeBigUInt64LE(BigInt(headerBytes.length));

  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = temporaryPath(file);
  let fd: number | null = null;
  try {
    fd = openSync(tmp, 'w');
    writeAll(fd, lenBuf);
    writeAll(fd, headerBytes);
    for (const t of sorted) writeAll(fd, encodeTensor(t, dtype));
    closeSync(fd);
    fd = null;
    renameSync(tmp, file);
  } catch (e) {
    if (fd !== null) closeSync(fd);
    rmSync(tmp, { force: true });
    throw new Error(`cannot write ${file}: ${(e as Error).message}`);
  }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
}
