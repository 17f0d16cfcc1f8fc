// Strided copy (permute, slice, concat, pad and their backwards), index select/add and reductions.
// Work is split so that every output element is computed the same way at any thread count.
#include "layout.h"

#include "threadpool.h"

namespace ho {

namespace {

constexpr i64 kTile = 32;           // square tiles for copies that transpose
constexpr i64 kSumChunk = 1 << 16;  // fixed chunks of long sums (partials added in order)

// Drops unit axes and merges axes contiguous in both operands; returns the new rank.
int coalesce2(i64* shape, i64* s0, i64* s1, int rank) {
  int r = 0;
  for (int d = 0; d < rank; d++) {
    if (shape[d] == 1) continue;
    if (r > 0 && s0[r - 1] == s0[d] * shape[d] && s1[r - 1] == s1[d] * shape[d]) {
      shape[r - 1] *= shape[d];
      s0[r - 1] = s0[d];
      s1[r - 1] = s1[d];
      continue;
    }
    shape[r] = shape[d]; s0[r] = s0[d]; s1[r] = s1[d];
    r++;
  }
  return r;
}

// dst[i * ld_dst + j] = src[j * ld_src + i] for a kTile x kTile tile, in 8 x 8 blocks whose rows
// are read and written contiguously (the compiler keeps each block in registers).
void transpose_tile(const float* src, i64 ld_src, float* dst, i64 ld_dst) {
  for (i64 jb = 0; jb < kTile; jb += 8)
    for (i64 ib = 0; ib < kTile; ib += 8) {
      float blk[8][8];
      for (int j = 0; j < 8; j++)
        for (int i = 0; i < 8; i++) blk[i][j] = src[(jb + j) * ld_src + ib + i];
      for (int i = 0; i < 8; i++)
        for (int j = 0; j < 8; j++) dst[(ib + i) * ld_dst + jb + j] = blk[i][j];
    }
}

// True when no two indices map to the same destination element.
bool injective(const i64* shape, const i64* strides, int rank) {
  int order[16];
  for (int d = 0; d < rank; d++) order[d] = d;
  std::sort(order, order + rank, [&](int x, int y) { return std::llabs(strides[x]) < std::llabs(strides[y]); });
  i64 extent = 0;  // largest offset reachable by the axes so far
  for (int k = 0; k < rank; k++) {
    const i64 s = std::llabs(strides[order[k]]);
    if (s <= extent) return false;
    extent += s * (shape[order[k]] - 1);
  }
  return true;
}

}  // namespace

void copy(const i64* shape_in, int rank, const float* src, const i64* ss_in, float* dst, const i64* ds_in,
          bool accumulate) {
  i64 shape[16], ss[16], ds[16];
  i64 total = 1;
  for (int d = 0; d < rank; d++) { shape[d] = shape_in[d]; ss[d] = ss_in[d]; ds[d] = ds_in[d]; total *= shape[d]; }
  if (total == 0) return;
  rank = coalesce2(shape, ss, ds, rank);
  if (rank == 0) { *dst = accumulate ? *dst + *src : *src; return; }
  const int last = rank - 1;
  // A transposing copy (unit stride on different axes for source and destination) goes tile by tile.
  int td = -1;
  for (int d = 0; d < last && td < 0; d++) {
    if ((ds[last] == 1 && ss[last] != 1 && ss[d] == 1) || (ss[last] == 1 && ds[last] != 1 && ds[d] == 1)) td = d;
  }
  // Outer axes: everything but `last` and `td`, iterated as one flat index.
  i64 oshape[16], oss[16], ods[16];
  int orank = 0;
  for (int d = 0; d < last; d++)
    if (d != td) { oshape[orank] = shape[d]; oss[orank] = ss[d]; ods[orank] = ds[d]; orank++; }
  i64 outer = 1;
  for (int d = 0; d < orank; d++) outer *= oshape[d];
  const i64 len = shape[last], sl = ss[last], dl = ds[last];
  const i64 tblocks = td >= 0 ? ceil_div(shape[td], kTile) : 1;
  const i64 items = outer * tblocks;
  const i64 per_item = len * (td >= 0 ? kTile : 1);

  auto body = [&](i64 lo, i64 hi) {
    i64 idx[16];
    i64 so = 0, dof = 0, rem = lo / tblocks;
    for (int d = orank - 1; d >= 0; d--) {
      idx[d] = rem % oshape[d];
      rem /= oshape[d];
      so += idx[d] * oss[d]; dof += idx[d] * ods[d];
    }
    for (i64 it = lo; it < hi; it++) {
      const i64 tb = it % tblocks;
      const float* s = src + so;
      float* o = dst + dof;
      if (td < 0) {
        if (sl == 1 && dl == 1) {
          if (accumulate) for (i64 j = 0; j < len; j++) o[j] += s[j];
          else std::memcpy(o, s, sizeof(float) * len);
        } else if (accumulate) {
          for (i64 j = 0; j < len; j++) o[j * dl] += s[j * sl];
        } else {
          for (i64 j = 0; j < len; j++) o[j * dl] = s[j * sl];
        }
      } else {
        const i64 st = ss[td], dt = ds[td], i0 = tb * kTile, i1 = std::min(shape[td], i0 + kTile);
        for (i64 j0 = 0; j0 < len; j0 += kTile) {
          const i64 j1 = std::min(len, j0 + kTile);
          if (!accumulate && st == 1 && dl == 1 && i1 - i0 == kTile && j1 - j0 == kTile) {
            transpose_tile(s + i0 + j0 * sl, sl, o + i0 * dt + j0, dt);
            continue;
          }
          for (i64 i = i0; i < i1; i++) {
            const float* sr = s + i * st;
            float* dr = o + i * dt;
            if (accumulate) for (i64 j = j0; j < j1; j++) dr[j * dl] += sr[j * sl];
            else for (i64 j = j0; j < j1; j++) dr[j * dl] = sr[j * sl];
          }
        }
      }
      if (tb == tblocks - 1) {  // next outer index
        for (int d = orank - 1; d >= 0; d--) {
          so += oss[d]; dof += ods[d];
          if (++idx[d] < oshape[d]) break;
          so -= oss[d] * oshape[d]; dof -= ods[d] * oshape[d];
          idx[d] = 0;
        }
      }
    }
  };
  if (injective(shape, ds, rank)) parallel_for(items, std::max<i64>(1, kMoveGrain / per_item), body);
  else body(0, items);  // overlapping destinations: one thread, in order
}

void index_select(const float* x, i64 outer, i64 n, i64 inner, const int32_t* idx, i64 m, float* out) {
  parallel_for(outer * m, std::max<i64>(1, kMoveGrain / std::max<i64>(inner, 1)), [&](i64 lo, i64 hi) {
    for (i64 r = lo; r < hi; r++) {
      const i64 o = r / m, j = r % m;
      std::memcpy(out + r * inner, x + (o * n + idx[j]) * inner, sizeof(float) * inner);
    }
  });
}

void index_add(const float* gy, i64 outer, i64 n, i64 inner, const int32_t* idx, i64 m, float* gx) {
  // Repeated indices add into the same rows, so split by (outer, column block), never by j.
  constexpr i64 CB = 64;
  const i64 cblocks = ceil_div(inner, CB);
  parallel_for(outer * cblocks, std::max<i64>(1, kMoveGrain / std::max<i64>(m * CB, 1)), [&](i64 lo, i64 hi) {
    for (i64 it = lo; it < hi; it++) {
      const i64 o = it / cblocks, c0 = it % cblocks * CB, c1 = std::min(inner, c0 + CB);
      for (i64 j = 0; j < m; j++) {
        const float* s = gy + (o * m + j) * inner;
        float* d = gx + (o * n + idx[j]) * inner;
        for (i64 c = c0; c < c1; c++) d[c] += s[c];
      }
    }
  });
}

void reduce(bool max, const float* x, float* out, i64 outer, i64 n, i64 inner) {
  if (outer == 0 || inner == 0) return;
  if (inner == 1) {
    // Row reductions, each over fixed chunks whose partials are combined in order.
    const i64 chunks = std::max<i64>(1, ceil_div(n, kSumChunk));
    std::vector<double> part(outer * chunks);
    parallel_for(outer * chunks, std::max<i64>(1, kMoveGrain / std::min(n + 1, kSumChunk)), [&](i64 lo, i64 hi) {
      for (i64 it = lo; it < hi; it++) {
        const i64 o = it / chunks, j0 = it % chunks * kSumChunk, j1 = std::min(n, j0 + kSumChunk);
        const float* xr = x + o * n;
        if (max) {
          float acc = -kInf;
          for (i64 j = j0; j < j1; j++) if (xr[j] > acc || xr[j] != xr[j]) acc = xr[j];
          part[it] = acc;
        } else {
          double acc[4] = {0, 0, 0, 0};
          i64 j = j0;
          for (; j + 4 <= j1; j += 4)
            for (int u = 0; u < 4; u++) acc[u] += xr[j + u];
          for (; j < j1; j++) acc[0] += xr[j];
          part[it] = (acc[0] + acc[1]) + (acc[2] + acc[3]);
        }
      }
    });
    for (i64 o = 0; o < outer; o++) {
      double acc = max ? -kInf : 0.0;
      for (i64 c = 0; c < chunks; c++) {
        const double v = part[o * chunks + c];
        if (max) { if (v > acc || v != v) acc = v; }
        else acc += v;
      }
      out[o] = static_cast<float>(acc);
    }
    return;
  }
  // Column reductions over [n] for blocks of `inner`, accumulated in float64. The rows are cut into
  // fixed blocks of kColRows, so a reduction with one column block (a bias gradient: outer 1, n rows,
  // inner <= 256) still splits across threads; each task writes its block's partial sums (or maxima),
  // and the partials are combined in block order, so the result does not depend on the thread count.
  constexpr i64 CB = 256;
  constexpr i64 kColRows = 256;
  const i64 cblocks = ceil_div(inner, CB), rblocks = std::max<i64>(1, ceil_div(n, kColRows));
  std::vector<double> part(rblocks > 1 ? outer * rblocks * inner : 0);  // one row block: written straight to out
  parallel_for(outer * cblocks * rblocks, std::max<i64>(1, kMoveGrain / (std::min(n, kColRows) * CB + 1)), [&](i64 lo, i64 hi) {
    double acc[CB];
    for (i64 it = lo; it < hi; it++) {
      const i64 o = it / (cblocks * rblocks), cb = it / rblocks % cblocks, rb = it % rblocks;
      const i64 c0 = cb * CB, w = std::min(inner, c0 + CB) - c0;
      const i64 j0 = rb * kColRows, j1 = std::min(n, j0 + kColRows);
      const float* xb = x + o * n * inner + c0;
      for (i64 c = 0; c < w; c++) acc[c] = max ? -kInf : 0.0;
      for (i64 j = j0; j < j1; j++) {
        const float* xr = xb + j * inner;
        if (max) { for (i64 c = 0; c < w; c++) if (xr[c] > acc[c] || xr[c] != xr[c]) acc[c] = xr[c]; }
        else for (i64 c = 0; c < w; c++) acc[c] += xr[c];
      }
      if (rblocks == 1) for (i64 c = 0; c < w; c++) out[o * inner + c0 + c] = static_cast<float>(acc[c]);
      else std::memcpy(part.data() + (o * rblocks + rb) * inner + c0, acc, sizeof(double) * w);
    }
  });
  if (rblocks == 1) return;
  parallel_for(outer * inner, std::max<i64>(1, kMoveGrain / rblocks), [&](i64 lo, i64 hi) {
    for (i64 it = lo; it < hi; it++) {
      const i64 o = it / inner, c = it % inner;
      double acc = part[o * rblocks * inner + c];
      for (i64 rb = 1; rb < rblocks; rb++) {
        const double v = part[(o * rblocks + rb) * inner + c];
        if (max) { if (v > acc || v != v) acc = v; }
        else acc += v;
      }
      out[it] = static_cast<float>(acc);
    }
  });
}

double sum_squares(const float* x, i64 n) {
  const i64 chunks = ceil_div(n, kSumChunk);
  std::vector<double> part(chunks);
  parallel_for(chunks, 1, [&](i64 lo, i64 hi) {
    for (i64 c = lo; c < hi; c++) {
      double acc[4] = {0, 0, 0, 0};
      i64 j = c * kSumChunk;
      const i64 j1 = std::min(n, j + kSumChunk);
      for (; j + 4 <= j1; j += 4)
        for (int u = 0; u < 4; u++) acc[u] += static_cast<double>(x[j + u]) * x[j + u];
      for (; j < j1; j++) acc[0] += static_cast<double>(x[j]) * x[j];
      part[c] = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    }
  });
  double s = 0;
  for (double p : part) s += p;
  return s;
}

}  // namespace ho
