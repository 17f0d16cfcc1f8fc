/**
 * HaploOmniConnector(in, out) (reference §5, paper eq. 6): a dimension-changing affine map mixed
 * with a transformed branch by a per-token switch.
 *   plain:     R = affine(X),                  T = transform(R),  s = softmax(indicator(R))
 *   pre-norm:  R = affine(LN(X)) * scale,      T = transform(R),  s = softmax(indicator(T))
 *   out = s0 * T + s1 * R
 * transform = [LayerNorm(out), SiLU, Linear(out, out)] and indicator = [SiLU, Linear(out, 2)]; the
 * Sequential indices (transform.0, transform.2, connector_indicator.1) are the checkpoint keys.
 */
import { ops, type Rng, type Tensor } from '../tensor/index.js';
import { filled, LayerNorm, Linear } from './layers.js';
import { Module } from './module.js';

/** transform = Sequential(LayerNorm, SiLU, Linear): children '0' and '2'. */
class ConnectorTransform extends Module {
  readonly norm: LayerNorm;
  readonly proj: Linear;
  constructor(dim: number, rng: Rng, std: number) {
    super();
    this.norm = this.child('0', new LayerNorm(dim, 1e-5));
    this.proj = this.child('2', new Linear(dim, dim, true, rng, std));
  }
  forward(x: Tensor): Tensor {
    return this.proj.forward(ops.silu(this.norm.forward(x)));
  }
}

/** connector_indicator = Sequential(SiLU, Linear(dim, 2)): child '1'. */
class ConnectorIndicator extends Module {
  readonly proj: Linear;
  constructor(dim: number, rng: Rng, std: number) {
    super();
    this.proj = this.child('1', new Linear(dim, 2, true, rng, std));
  }
  forward(x: Tensor): Tensor {
    return this.proj.forward(ops.silu(x));
  }
}

export interface ConnectorOptions {
  useAffineBias: boolean;
  usePreNorm: boolean;
}

export class Connector extends Module {
  readonly affine: Linear;
  readonly transform: ConnectorTransform;
  readonly connector_indicator: ConnectorIndicator;
  readonly pre_norm: LayerNorm | null;
  readonly scale: Tensor | null;

  constructor(readonly inDim: number, readonly outDim: number, readonly options: ConnectorOptions, rng: Rng, std = 0.02) {
    super();
    this.affine = this.child('affine', new Linear(inDim, outDim, options.useAffineBias, rng, std));
    this.transform = this.child('transform', new ConnectorTransform(outDim, rng, std));
    this.connector_indicator = this.child('connector_indicator', new ConnectorIndicator(outDim, rng, std));
    this.pre_norm = options.usePreNorm ? this.child('pre_norm', new LayerNorm(inDim, 1e-5)) : null;
    this.scale = options.usePreNorm ? this.param('scale', filled(outDim, 1), [outDim]) : null;
  }

  /** x [..., in] -> [..., out] */
  forward(x: Tensor): Tensor {
    let r: Tensor;
    if (this.pre_norm && this.scale) r = ops.mul(this.affine.forward(this.pre_norm.forward(x)), this.scale);
    else r = this.affine.forward(x);
    const t = this.transform.forward(r);
    const s = ops.softmax(this.connector_indicator.forward(this.pre_norm ? t : r));
    return ops.add(ops.mul(ops.slice(s, -1, 0, 1), t), ops.mul(ops.slice(s, -1, 1, 2), r));
  }
}
