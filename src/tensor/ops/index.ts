/** Every differentiable op, by concern. */
export * from './attention.js';
export * from './conv.js';
export * from './elementwise.js';
export * from './matmul.js';
export * from './nn.js';
export * from './reduce.js';
export * from './shape.js';
export * from './ssg.js';
export * from './unary.js';
