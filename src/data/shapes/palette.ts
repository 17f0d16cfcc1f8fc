/**
 * The Shapes world's vocabulary of object attributes: shapes, colors, sizes, motions and
 * backgrounds, with the exact RGB values and geometry used by the renderer. Exported so the
 * evaluation layer can read attributes back from frames with the same definitions.
 */

export type RGB = readonly [number, number, number];

/** Object colors. Pairwise RGB distance >= 100, distance to every background >= 140 (tested). */
export const COLORS = ['red', 'orange', 'yellow', 'green', 'cyan', 'blue', 'purple', 'white'] as const;
export type ShapeColor = (typeof COLORS)[number];

export const COLOR_RGB: Readonly<Record<ShapeColor, RGB>> = {
  red: [235, 35, 35],
  orange: [255, 135, 0],
  yellow: [245, 235, 45],
  green: [40, 200, 70],
  cyan: [40, 215, 230],
  blue: [50, 100, 255],
  purple: [170, 70, 230],
  white: [245, 245, 245],
};

/** Backgrounds: dark or neutral so every object color stands out. */
export const BACKGROUNDS = ['black', 'gray', 'navy', 'brown'] as const;
export type BackgroundColor = (typeof BACKGROUNDS)[number];

export const BACKGROUND_RGB: Readonly<Record<BackgroundColor, RGB>> = {
  black: [0, 0, 0],
  gray: [60, 60, 60],
  navy: [15, 20, 70],
  brown: [75, 45, 25],
};

export const SHAPES = ['circle', 'square', 'triangle', 'diamond', 'cross', 'ring'] as const;
export type ShapeKind = (typeof SHAPES)[number];

export const SIZES = ['small', 'large'] as const;
export type ShapeSize = (typeof SIZES)[number];

/** Object half-extent (radius of its bounding box) as a fraction of min(frame height, width). */
export const SIZE_RADIUS_FRACTION: Readonly<Record<ShapeSize, number>> = {
  small: 9 / 64, // 4.5 px at 32x32
  large: 7 / 32, // 7 px at 32x32
};

export const MOTIONS = [
  'left',
  'right',
  'up',
  'down',
  'up-left',
  'up-right',
  'down-left',
  'down-right',
  'still',
] as const;
export type Motion = (typeof MOTIONS)[number];

/** Unit step of each motion in image coordinates (x to the right, y downwards). */
export const MOTION_DIRECTION: Readonly<Record<Motion, readonly [number, number]>> = {
  left: [-1, 0],
  right: [1, 0],
  up: [0, -1],
  down: [0, 1],
  'up-left': [-1, -1],
  'up-right': [1, -1],
  'down-left': [-1, 1],
  'down-right': [1, 1],
  still: [0, 0],
};

/**
 * Total displacement along each moving axis over a whole video, as a fraction of min(H, W).
 * 0.375 * 32 px = 12 px over 8 steps = 1.5 px per frame (per axis; diagonals move 1.5 px on both axes).
 */
export const TRAVEL_FRACTION = 0.375;

/** Plural nouns used in counting questions. */
export const SHAPE_PLURAL: Readonly<Record<ShapeKind, string>> = {
  circle: 'circles',
  square: 'squares',
  triangle: 'triangles',
  diamond: 'diamonds',
  cross: 'crosses',
  ring: 'rings',
};

/**
 * Relative sampling frequencies. They are deliberately uneven (like object frequencies in real
 * datasets) so that POPE "popular" negatives — the most frequent objects — are meaningful.
 */
export const COLOR_WEIGHT: Readonly<Record<ShapeColor, number>> = {
  red: 1.6,
  blue: 1.5,
  green: 1.3,
  yellow: 1.15,
  white: 1.0,
  orange: 0.9,
  purple: 0.8,
  cyan: 0.7,
};

export const SHAPE_WEIGHT: Readonly<Record<ShapeKind, number>> = {
  circle: 1.5,
  square: 1.35,
  triangle: 1.15,
  diamond: 0.95,
  cross: 0.85,
  ring: 0.75,
};

// Shape geometry, in the object's unit frame: u, v in [-1, 1] are offsets from the centre divided
// by the object's half-extent, v grows downwards. Every shape fits in the unit box.
const SQUARE_HALF = 0.88;
const TRIANGLE_BASE = 0.8; // apex at (0, -1), base along v = 0.8 from u = -1 to u = 1
const CROSS_HALF_WIDTH = 0.3;
const RING_INNER_SQ = 0.3; // inner radius^2 of the ring (outer radius 1)

/** Point-in-shape test in the object's unit frame (see {@link shapeRowSpans} for the same geometry by rows). */
export function insideShape(shape: ShapeKind, u: number, v: number): boolean {
  switch (shape) {
    case 'circle':
      return u * u + v * v <= 1;
    case 'square':
      return Math.abs(u) <= SQUARE_HALF && Math.abs(v) <= SQUARE_HALF;
    case 'triangle':
      return v <= TRIANGLE_BASE && Math.abs(u) <= (v + 1) / (1 + TRIANGLE_BASE);
    case 'diamond':
      return Math.abs(u) + Math.abs(v) <= 1;
    case 'cross': {
      const au = Math.abs(u);
      const av = Math.abs(v);
      return (au <= CROSS_HALF_WIDTH && av <= 1) || (av <= CROSS_HALF_WIDTH && au <= 1);
    }
    case 'ring': {
      const r2 = u * u + v * v;
      return r2 <= 1 && r2 >= RING_INNER_SQ;
    }
  }
}

/**
 * The horizontal extent of a shape on the row at height v: writes intervals [u0, u1] (inclusive)
 * into `out` as u0, u1, u0', u1' and returns how many (0, 1 or 2). Same geometry as
 * {@link insideShape}; used by the renderer to fill rows without per-sample tests.
 */
export function shapeRowSpans(shape: ShapeKind, v: number, out: Float64Array): number {
  const av = Math.abs(v);
  if (av > 1) return 0;
  let half: number;
  switch (shape) {
    case 'circle':
      half = Math.sqrt(1 - v * v);
      break;
    case 'square':
      half = av <= SQUARE_HALF ? SQUARE_HALF : -1;
      break;
    case 'triangle':
      half = v <= TRIANGLE_BASE ? (v + 1) / (1 + TRIANGLE_BASE) : -1;
      break;
    case 'diamond':
      half = 1 - av;
      break;
    case 'cross':
      half = av <= CROSS_HALF_WIDTH ? 1 : CROSS_HALF_WIDTH;
      break;
    case 'ring': {
      half = Math.sqrt(1 - v * v);
      if (v * v > RING_INNER_SQ) break;
      // Two arcs either side of the hole.
      const inner = Math.sqrt(RING_INNER_SQ - v * v);
      out[0] = -half;
      out[1] = -inner;
      out[2] = inner;
      out[3] = half;
      return 2;
    }
  }
  if (half < 0) return 0;
  out[0] = -half;
  out[1] = half;
  return 1;
}
