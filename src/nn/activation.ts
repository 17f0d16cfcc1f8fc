/** Activation functions by their transformers (ACT2FN) names. */
import { ops, type Tensor } from '../tensor/index.js';

/** Names accepted in a config's `hidden_act`. */
export const HIDDEN_ACTS = ['silu', 'swish', 'gelu', 'gelu_pytorch_tanh', 'gelu_new', 'gelu_fast', 'quick_gelu', 'relu'] as const;
export type HiddenAct = (typeof HIDDEN_ACTS)[number];

/** The function named by `hidden_act`. */
export function activation(name: HiddenAct): (x: Tensor) => Tensor {
  switch (name) {
    case 'silu': case 'swish': return ops.silu;
    case 'gelu': return ops.gelu;
    // gelu_new / gelu_fast / gelu_pytorch_tanh are all the tanh approximation (to float rounding).
    case 'gelu_pytorch_tanh': case 'gelu_new': case 'gelu_fast': return ops.geluTanh;
    // x * sigmoid(1.702 x) (CLIP)
    case 'quick_gelu': return (x) => ops.mul(x, ops.sigmoid(ops.scale(x, 1.702)));
    case 'relu': return ops.relu;
  }
}

/** act(gate) * up for `hidden_act`, fused into one op where the activation is one unary op. */
export function gatedActivation(name: HiddenAct): (gate: Tensor, up: Tensor) => Tensor {
  switch (name) {
    case 'silu': case 'swish': return (g, u) => ops.gatedUnary('silu', g, u);
    case 'gelu': return (g, u) => ops.gatedUnary('gelu', g, u);
    case 'gelu_pytorch_tanh': case 'gelu_new': case 'gelu_fast': return (g, u) => ops.gatedUnary('gelu_tanh', g, u);
    case 'relu': return (g, u) => ops.gatedUnary('relu', g, u);
    case 'quick_gelu': return (g, u) => ops.mul(activation(name)(g), u);
  }
}
