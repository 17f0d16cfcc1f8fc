/** Gated MLP of a HaploOmni block (reference §1.1): down(act(gate(x)) * up(x)), all three with bias. */
import type { Rng, Tensor } from '../tensor/index.js';
import { gatedActivation, type HiddenAct } from './activation.js';
import { Linear } from './layers.js';
import { Module } from './module.js';

export class GatedMLP extends Module {
  readonly gate_proj: Linear;
  readonly up_proj: Linear;
  readonly down_proj: Linear;
  /** act(gate) * up */
  private readonly gated: (gate: Tensor, up: Tensor) => Tensor;

  constructor(hidden: number, intermediate: number, act: HiddenAct, rng: Rng, std = 0.02) {
    super();
    this.gate_proj = this.child('gate_proj', new Linear(hidden, intermediate, true, rng, std));
    this.up_proj = this.child('up_proj', new Linear(hidden, intermediate, true, rng, std));
    this.down_proj = this.child('down_proj', new Linear(intermediate, hidden, true, rng, std));
    this.gated = gatedActivation(act);
  }

  forward(x: Tensor): Tensor {
    return this.down_proj.forward(this.gated(this.gate_proj.forward(x), this.up_proj.forward(x)));
  }
}
