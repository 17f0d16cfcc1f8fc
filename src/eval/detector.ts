/**
 * An analytic detector that reads Shapes-world objects back from RGB frames: background, and for each
 * object its colour, shape, size and motion. It judges generated videos against their prompts.
 *
 * Method, per palette colour c over background b:
 * - soft coverage: a pixel p is explained as p = b + a (c - b); a = <p - b, c - b> / |c - b|^2 clamped
 *   to [0, 1], kept only if the residual |p - b - a (c - b)| is small and c explains p best;
 * - presence: mean coverage per frame above a small area; track: coverage-weighted centroid per frame;
 * - motion: least-squares slope of the track, per axis, over the whole video (still if it moves
 *   less than MIN_TRAVEL pixels along both axes);
 * - shape and size: the coverage map in the least-occluded frames against supersampled templates of
 *   every shape and size (the renderer's own geometry, `insideShape`), centroid-aligned; smallest L1.
 */
import {
  BACKGROUND_RGB, BACKGROUNDS, COLOR_RGB, COLORS, insideShape, SHAPES, SIZE_RADIUS_FRACTION, SIZES,
  type BackgroundColor, type Motion, type RGB, type ShapeColor, type ShapeKind, type ShapeSize,
} from '../data/shapes/index.js';

export interface DetectedObject {
  color: ShapeColor;
  shape: ShapeKind;
  size: ShapeSize;
  motion: Motion;
  /** mean covered pixels per frame */
  area: number;
  /** coverage-weighted centroid per frame (NaN where the colour is absent) */
  track: [number, number][];
}

export interface Detection {
  background: BackgroundColor;
  /** largest first */
  objects: DetectedObject[];
}

/** Pixels of travel over the whole video below which an axis counts as not moving. */
const MIN_TRAVEL = 3.5;
/** Largest colour residual (RGB distance) for a pixel to count as a blend of object and background. */
const MAX_RESIDUAL = 45;
/** Most objects of one colour a Shapes video holds. */
const MAX_OBJECTS = 3;
/** Minimum mean coverage (pixels per frame) for a colour to count as an object. */
const MIN_AREA = 6;

const dist2 = (a: RGB, r: number, g: number, b: number) => (a[0] - r) ** 2 + (a[1] - g) ** 2 + (a[2] - b) ** 2;

function nearest<K extends string>(keys: readonly K[], table: Readonly<Record<K, RGB>>, r: number, g: number, b: number): K {
  let best = keys[0], bd = Infinity;
  for (const k of keys) {
    const d = dist2(table[k], r, g, b);
    if (d < bd) { bd = d; best = k; }
  }
  return best;
}

/** The background: majority vote of the nearest background colour over all border pixels. */
function detectBackground(frames: Uint8Array, f: number, h: number, w: number): BackgroundColor {
  const votes = new Map<BackgroundColor, number>();
  for (let k = 0; k < f; k++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    if (y !== 0 && y !== h - 1 && x !== 0 && x !== w - 1) continue;
    const o = ((k * h + y) * w + x) * 3;
    const c = nearest(BACKGROUNDS, BACKGROUND_RGB, frames[o], frames[o + 1], frames[o + 2]);
    votes.set(c, (votes.get(c) ?? 0) + 1);
  }
  return [...votes.entries()].sort((a, b) => b[1] - a[1])[0][0];
}

/** coverage[colourIndex][frame * h * w + pixel] in [0, 1]. */
function coverageMaps(frames: Uint8Array, f: number, h: number, w: number, bg: RGB): Float32Array[] {
  const n = f * h * w;
  const maps = COLORS.map(() => new Float32Array(n));
  const dirs = COLORS.map((c) => [COLOR_RGB[c][0] - bg[0], COLOR_RGB[c][1] - bg[1], COLOR_RGB[c][2] - bg[2]]);
  const norms = dirs.map((d) => d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
  for (let i = 0; i < n; i++) {
    const pr = frames[3 * i] - bg[0], pg = frames[3 * i + 1] - bg[1], pb = frames[3 * i + 2] - bg[2];
    if (pr * pr + pg * pg + pb * pb < 400) continue; // background
    let best = -1, bestRes = MAX_RESIDUAL * MAX_RESIDUAL, bestA = 0;
    for (let c = 0; c < COLORS.length; c++) {
      const d = dirs[c];
      const a = Math.min(1, Math.max(0, (pr * d[0] + pg * d[1] + pb * d[2]) / norms[c]));
      const res = (pr - a * d[0]) ** 2 + (pg - a * d[1]) ** 2 + (pb - a * d[2]) ** 2;
      if (res < bestRes) { bestRes = res; best = c; bestA = a; }
    }
    if (best >= 0) maps[best][i] = bestA;
  }
  return maps;
}

/** Supersampled (4x4) template coverage of a shape of radius r centred at (cx, cy), over an h x w frame. */
function template(shape: ShapeKind, r: number, cx: number, cy: number, h: number, w: number): Float32Array {
  const t = new Float32Array(h * w);
  const x0 = Math.max(0, Math.floor(cx - r - 1)), x1 = Math.min(w, Math.ceil(cx + r + 1));
  const y0 = Math.max(0, Math.floor(cy - r - 1)), y1 = Math.min(h, Math.ceil(cy + r + 1));
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) {
    let hit = 0;
    for (let j = 0; j < 4; j++) for (let i = 0; i < 4; i++) {
      if (insideShape(shape, (x + (i + 0.5) / 4 - cx) / r, (y + (j + 0.5) / 4 - cy) / r)) hit++;
    }
    t[y * w + x] = hit / 16;
  }
  return t;
}

/** Coverage-weighted centroid (x, y) and total coverage of n pixels of a map starting at offset. */
function centroid(map: Float32Array, offset: number, n: number, w: number): [number, number, number] {
  let s = 0, sx = 0, sy = 0;
  for (let i = 0; i < n; i++) {
    const a = map[offset + i];
    if (a === 0) continue;
    s += a; sx += a * ((i % w) + 0.5); sy += a * (Math.floor(i / w) + 0.5);
  }
  return [s > 0 ? sx / s : NaN, s > 0 ? sy / s : NaN, s];
}

/** Least-squares slope of values over frame indices, ignoring NaNs, times (frames - 1): total travel. */
function travel(values: number[]): number {
  const pts = values.map((v, i) => [i, v] as const).filter(([, v]) => Number.isFinite(v));
  if (pts.length < 2) return 0;
  const mx = pts.reduce((s, [i]) => s + i, 0) / pts.length, my = pts.reduce((s, [, v]) => s + v, 0) / pts.length;
  let num = 0, den = 0;
  for (const [i, v] of pts) { num += (i - mx) * (v - my); den += (i - mx) ** 2; }
  return (num / den) * (values.length - 1);
}

export function motionFromTravel(dx: number, dy: number): Motion {
  const mx = Math.abs(dx) >= MIN_TRAVEL, my = Math.abs(dy) >= MIN_TRAVEL;
  if (!mx && !my) return 'still';
  const horiz = dx < 0 ? 'left' : 'right', vert = dy < 0 ? 'up' : 'down';
  if (mx && my) return `${vert}-${horiz}` as Motion;
  return mx ? horiz : vert;
}

/** Centroid offset of a template relative to its centre (triangles are not centred on their centroid). */
function templateCentroidOffset(shape: ShapeKind, r: number): [number, number] {
  const size = Math.ceil(2 * r + 4), c = size / 2;
  const t = template(shape, r, c, c, size, size);
  const [x, y] = centroid(t, 0, size * size, size);
  return [x - c, y - c];
}

/**
 * Shape and size whose centroid-aligned template best matches the coverage in the given frames (L1),
 * not counting template pixels covered by other objects (`hidden` > 0.5).
 */
function classifyShape(map: Float32Array, hidden: Float32Array, frameIdx: number[], track: [number, number][], h: number, w: number): { shape: ShapeKind; size: ShapeSize } {
  let best = { shape: SHAPES[0] as ShapeKind, size: SIZES[0] as ShapeSize }, bestScore = Infinity;
  const n = h * w;
  for (const size of SIZES) {
    const r = SIZE_RADIUS_FRACTION[size] * Math.min(h, w);
    for (const shape of SHAPES) {
      const [ox, oy] = templateCentroidOffset(shape, r);
      let score = 0;
      for (const f of frameIdx) {
        const t = template(shape, r, track[f][0] - ox, track[f][1] - oy, h, w);
        for (let i = 0; i < n; i++) {
          if (hidden[f * n + i] > 0.5) continue;
          const a = map[f * n + i];
          // Occluded template pixels (coverage 0 where the template is 1) cost less than extra coverage.
          score += a > t[i] ? a - t[i] : 0.5 * (t[i] - a);
        }
      }
      if (score < bestScore) { bestScore = score; best = { shape, size }; }
    }
  }
  return best;
}

/** A connected blob of one colour in one frame. */
interface Component {
  x: number;
  y: number;
  mass: number;
  pixels: number[];
}

/** 8-connected components of coverage > 0.25 in one frame; soft mass and centroid over the component. */
function components(map: Float32Array, offset: number, h: number, w: number): Component[] {
  const seen = new Uint8Array(h * w);
  const out: Component[] = [];
  for (let start = 0; start < h * w; start++) {
    if (seen[start] || map[offset + start] <= 0.25) continue;
    const stack = [start], pixels: number[] = [];
    seen[start] = 1;
    while (stack.length) {
      const i = stack.pop()!;
      pixels.push(i);
      const x = i % w, y = (i - x) / w;
      for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) {
        const nx = x + dx, ny = y + dy, j = ny * w + nx;
        if (nx < 0 || ny < 0 || nx >= w || ny >= h || seen[j] || map[offset + j] <= 0.25) continue;
        seen[j] = 1;
        stack.push(j);
      }
    }
    // Include the faint anti-aliased rim (coverage <= 0.25) next to the component in its mass.
    const rim = new Set<number>();
    for (const i of pixels) {
      const x = i % w, y = (i - x) / w;
      for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) {
        const nx = x + dx, ny = y + dy, j = ny * w + nx;
        if (nx >= 0 && ny >= 0 && nx < w && ny < h && !seen[j] && map[offset + j] > 0) rim.add(j);
      }
    }
    const all = [...pixels, ...rim];
    let mass = 0, sx = 0, sy = 0;
    for (const i of all) {
      const a = map[offset + i];
      mass += a; sx += a * ((i % w) + 0.5); sy += a * (Math.floor(i / w) + 0.5);
    }
    if (mass >= MIN_AREA / 2) out.push({ x: sx / mass, y: sy / mass, mass, pixels: all });
  }
  return out;
}

/**
 * Links components across frames into object tracks: the object count is the largest component count
 * seen in at least a third of the frames; frames with that many components are matched to each track's
 * constant-velocity prediction (so objects whose paths cross keep their identity); frames where
 * objects merge or vanish leave the track empty there.
 */
function linkTracks(components: Component[][]): (Component | null)[][] {
  // The Shapes world has at most MAX_OBJECTS objects of a colour; more blobs are noise (e.g. from a
  // weak generator): keep the heaviest, which also bounds the k! assignment search below.
  const perFrame = components.map((bs) => (bs.length <= MAX_OBJECTS ? bs : [...bs].sort((a, b) => b.mass - a.mass).slice(0, MAX_OBJECTS)));
  const f = perFrame.length;
  const counts = perFrame.map((b) => b.length);
  let k = 0;
  for (let c = 1; c <= Math.max(0, ...counts); c++) if (counts.filter((x) => x === c).length >= Math.max(1, f / 3)) k = c;
  if (k === 0) return [];
  const tracks: (Component | null)[][] = [];
  for (let i = 0; i < k; i++) tracks.push(new Array<Component | null>(f).fill(null));
  // Per track: last seen frame and position, and velocity (pixels per frame) from its last two sightings.
  const seen: { t: number; x: number; y: number; vx: number; vy: number }[] = [];
  for (let t = 0; t < f; t++) {
    const bs = perFrame[t];
    if (bs.length !== k) continue;
    let order = bs.map((_, i) => i);
    if (seen.length === k) {
      // k <= 3 in the Shapes world: try every assignment, keep the least total distance to the predictions.
      let bestCost = Infinity;
      for (const perm of permutations(k)) {
        let cost = 0;
        perm.forEach((bi, ti) => {
          const s = seen[ti], dt = t - s.t;
          cost += Math.hypot(bs[bi].x - (s.x + s.vx * dt), bs[bi].y - (s.y + s.vy * dt));
        });
        if (cost < bestCost) { bestCost = cost; order = perm; }
      }
    }
    order.forEach((bi, ti) => {
      const b = bs[bi], prev = seen[ti];
      tracks[ti][t] = b;
      seen[ti] = prev
        ? { t, x: b.x, y: b.y, vx: (b.x - prev.x) / (t - prev.t), vy: (b.y - prev.y) / (t - prev.t) }
        : { t, x: b.x, y: b.y, vx: 0, vy: 0 };
    });
  }
  return tracks;
}

function permutations(k: number): number[][] {
  if (k === 1) return [[0]];
  return permutations(k - 1).flatMap((p) => Array.from({ length: k }, (_, i) => [...p.slice(0, i), k - 1, ...p.slice(i)]));
}

/** Detects every object in a video given as RGB uint8 frames [frames, height, width, 3]. */
export function detectObjects(frames: Uint8Array, frameCount: number, height: number, width: number): Detection {
  if (frames.length !== frameCount * height * width * 3) {
    throw new Error(`detectObjects: ${frames.length} bytes do not hold ${frameCount} frames of ${height}x${width} RGB`);
  }
  const background = detectBackground(frames, frameCount, height, width);
  const maps = coverageMaps(frames, frameCount, height, width, BACKGROUND_RGB[background]);
  const n = height * width;
  const total = new Float32Array(frameCount * n);
  for (const m of maps) for (let i = 0; i < total.length; i++) total[i] += m[i];
  const objects: DetectedObject[] = [];
  COLORS.forEach((color, c) => {
    const perFrame = Array.from({ length: frameCount }, (_, f) => components(maps[c], f * n, height, width));
    for (const track of linkTracks(perFrame)) {
      const present = track.map((b, f) => [b, f] as const).filter((e): e is readonly [Component, number] => e[0] !== null);
      const area = present.reduce((s, [b]) => s + b.mass, 0) / frameCount;
      if (area < MIN_AREA) continue;
      const xy = track.map((b) => (b ? [b.x, b.y] : [NaN, NaN]) as [number, number]);
      const motion = frameCount > 1 ? motionFromTravel(travel(xy.map((p) => p[0])), travel(xy.map((p) => p[1]))) : 'still';
      // This object's own coverage in its three largest frames; everything else that is drawn hides it.
      const own = new Float32Array(frameCount * n);
      for (const [b, f] of present) for (const i of b.pixels) own[f * n + i] = maps[c][f * n + i];
      const hidden = new Float32Array(frameCount * n);
      for (let i = 0; i < hidden.length; i++) hidden[i] = total[i] - own[i];
      const order = [...present].sort((p, q) => q[0].mass - p[0].mass).slice(0, 3).map(([, f]) => f);
      const { shape, size } = classifyShape(own, hidden, order, xy, height, width);
      objects.push({ color, shape, size, motion, area, track: xy });
    }
  });
  objects.sort((a, b) => b.area - a.area);
  return { background, objects };
}
