/** Shapes world: public surface. See world.ts for the sample API. */
export * from './palette.js';
export * from './scene.js';
export * from './render.js';
export * from './splits.js';
export * from './captions.js';
export * from './questions.js';
export * from './world.js';
export { objectNoun, canonicalMotionPhrase, DIRECTION_PHRASES } from './wording.js';
export type { Attribute } from './refer.js';
