/**
 * Module: a tree of named parameters. A parameter's dotted path from the root (e.g.
 * `model.layers.3.self_attn.q_proj.weight`) is its checkpoint key, so modules register children and
 * parameters under exactly the reference implementation's attribute names.
 */
import { parameter, type Tensor } from '../tensor/index.js';

export class Module {
  private readonly ownParams = new Map<string, Tensor>();
  private readonly children = new Map<string, Module>();

  /** Registers a trainable parameter under `name` and returns it. */
  protected param(name: string, values: Float32Array, shape: readonly number[]): Tensor {
    if (this.ownParams.has(name) || this.children.has(name)) throw new Error(`duplicate module entry '${name}'`);
    const t = parameter(values, shape, name);
    this.ownParams.set(name, t);
    return t;
  }

  /** Registers a child module under `name` and returns it. */
  protected child<M extends Module>(name: string, m: M): M {
    if (this.ownParams.has(name) || this.children.has(name)) throw new Error(`duplicate module entry '${name}'`);
    this.children.set(name, m);
    return m;
  }

  /** This module and every descendant with its dotted path ('' for this one), depth first. */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [[prefix, this]];
    for (const [n, m] of this.children) out.push(...m.namedModules(`${prefix}${n}.`));
    return out;
  }

  /** Every parameter with its full dotted name, in registration order (depth first). */
  namedParameters(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [n, t] of this.ownParams) out.push([prefix + n, t]);
    for (const [n, m] of this.children) out.push(...m.namedParameters(`${prefix}${n}.`));
    return out;
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  /** Total number of scalar parameters. */
  parameterCount(): number {
    return this.parameters().reduce((s, t) => s + t.size, 0);
  }

  /** Turns gradient tracking of every parameter on or off (freezing parameter groups). */
  setTrainable(trainable: boolean): void {
    for (const t of this.parameters()) t.requiresGrad = trainable;
  }

  /** Parameter tensors by full name (shared, not copied). */
  stateDict(): Map<string, Tensor> {
    const out = new Map<string, Tensor>();
    for (const [n, t] of this.namedParameters()) {
      t.name = n;
      out.set(n, t);
    }
    return out;
  }
}

/** Children registered under '0', '1', ... (PyTorch's ModuleList), so keys read `layers.3.mlp...`. */
export class ModuleList<M extends Module> extends Module {
  readonly items: readonly M[];
  constructor(items: readonly M[]) {
    super();
    this.items = items;
    items.forEach((m, i) => this.child(String(i), m));
  }
}

/** What loading a state dict found; a strict load throws when any list is non-empty. */
export interface LoadReport {
  missing: string[];
  unexpected: string[];
  /** "name: checkpoint [a, b] vs model [c, d]" */
  misshaped: string[];
}

/**
 * A named tensor source: name -> shape plus either the float32 values or a reader that fills a
 * destination buffer (so a checkpoint on disk is read tensor by tensor straight into the parameters).
 */
export type TensorSource = Map<string, { shape: readonly number[]; data: Float32Array } | { shape: readonly number[]; readInto(dst: Float32Array): void }>;

/**
 * Copies tensors into the module's parameters by name. Reports every missing, unexpected and
 * mis-shaped key; with strict (default) any problem throws an error listing all of them, and nothing
 * is copied. `optional` names may be missing without complaint (keeping their initial values).
 */
export function loadStateDict(m: Module, source: TensorSource, opts: { strict?: boolean; optional?: (name: string) => boolean; ignore?: (name: string) => boolean } = {}): LoadReport {
  const params = m.stateDict();
  const report: LoadReport = { missing: [], unexpected: [], misshaped: [] };
  for (const [name, t] of params) {
    const src = source.get(name);
    if (!src) { if (!opts.optional?.(name)) report.missing.push(name); continue; }
    if (src.shape.length !== t.shape.length || src.shape.some((d, i) => d !== t.shape[i])) {
      report.misshaped.push(`${name}: checkpoint [${src.shape.join(', ')}] vs model [${t.shape.join(', ')}]`);
    }
  }
  for (const name of source.keys()) if (!params.has(name) && !opts.ignore?.(name)) report.unexpected.push(name);
  const problems = report.missing.length + report.unexpected.length + report.misshaped.length;
  if (problems && (opts.strict ?? true)) {
    const lines = [
      ...report.missing.map((n) => `  missing: ${n}`),
      ...report.unexpected.map((n) => `  unexpected: ${n}`),
      ...report.misshaped.map((n) => `  wrong shape: ${n}`),
    ];
    throw new Error(`checkpoint does not match the model (${problems} problem${problems > 1 ? 's' : ''}):\n${lines.join('\n')}`);
  }
  for (const [name, t] of params) {
    const src = source.get(name);
    if (!src || report.misshaped.some((s) => s.startsWith(name + ':'))) continue;
    if ('readInto' in src) src.readInto(t.data);
    else t.data.set(src.data);
  }
  return report;
}
