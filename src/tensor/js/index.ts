/** The `js` backend: every kernel in plain TypeScript. The readable reference for the native addon. */
import type { Kernels } from '../kernels.js';
import { adamw } from './adamw.js';
import { attention, attentionBackward } from './attention.js';
import { affine, axpy, binary, gatedUnary, gatedUnaryBackward, unary, unaryBackward } from './elementwise.js';
import { gemm } from './gemm.js';
import { col2im, copy, im2col, indexAdd, indexSelect } from './layout.js';
import { layerNorm, layerNormBackward, rmsNorm, rmsNormBackward } from './norm.js';
import { reduce, sumSquares } from './reduce.js';
import { rope } from './rope.js';
import { crossEntropy, crossEntropyBackward, softmax, softmaxBackward } from './softmax.js';
import { ssgGatedAdd, ssgGatedAddBackward, ssgModulate, ssgModulateBackward, ssgSwitch, ssgSwitchBackward } from './ssg.js';

export const jsKernels: Kernels = {
  name: 'js',
  gemm, binary, unary, unaryBackward, gatedUnary, gatedUnaryBackward, affine, axpy, reduce, sumSquares, copy, indexSelect, indexAdd,
  softmax, softmaxBackward, crossEntropy, crossEntropyBackward, layerNorm, layerNormBackward, rmsNorm,
  rmsNormBackward, ssgSwitch, ssgSwitchBackward, ssgModulate, ssgModulateBackward, ssgGatedAdd, ssgGatedAddBackward,
  attention, attentionBackward, rope, im2col, col2im, adamw,
};
