// The 16-bit integer scatter kernel: packing, the register-blocked multiply-pair-add loop, and
// the flushes that keep its int32 sums exact. Written once over a few vector helpers with three
// bodies: wasm SIMD (wasm_simd128.h), SSE2 (every x86-64), and plain C++ for anything else.

#include "scatter_kernel.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "error.h"

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#elif defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace pcarecon {

namespace {

// Rows packed per kernel run: the int32 sums are read and written once per run, so longer runs
// cost less per row, while the packed columns (D × 512 int16 = 800 KB for D = 784) still sit in
// the L2 cache that the kernel streams them from.
constexpr int64_t kSegmentRows = 512;
static_assert(kSegmentRows >= IntegerScatter::kMaxBlockRows && kSegmentRows % 8 == 0,
              "a block must fit one segment");
// Columns are padded with zeros to a whole number of tiles.
constexpr int64_t kColumnPad = 8;
// A packed column: a segment plus one group of 8, so that a row packed near the end (with its
// group's zero rows after it) still fits.
constexpr int64_t kColumnStride = kSegmentRows + 8;
// The register tile: kTileI columns of the left operand by kTileJ of the right, 8 int32 sums in
// registers (with the loaded operands, within the 16 vector registers that V8 and x86-64 have).
// Measured in node on Fashion-MNIST (60000×784, one thread): 2×4 accumulates in 0.75 s, 1×4 in
// 0.88 s, 4×4 (spills) in 0.90 s; 256-row segments as fast as 512.
constexpr int kTileI = 2;
constexpr int kTileJ = 4;

int64_t round_up(int64_t n, int64_t multiple) { return (n + multiple - 1) / multiple * multiple; }

#if defined(__wasm_simd128__) || defined(__SSE2__)

#if defined(__wasm_simd128__)
using Vec = v128_t;
inline Vec vzero() { return wasm_i32x4_splat(0); }
inline Vec vload(const void* p) { return wasm_v128_load(p); }
inline void vstore(void* p, Vec v) { wasm_v128_store(p, v); }
// 8 int16 products, summed in adjacent pairs into 4 int32: i32x4.dot_i16x8_s.
inline Vec vmadd(Vec a, Vec b) { return wasm_i32x4_dot_i16x8(a, b); }
inline Vec vadd(Vec a, Vec b) { return wasm_i32x4_add(a, b); }
inline Vec vinterleave_lo32(Vec a, Vec b) { return wasm_i32x4_shuffle(a, b, 0, 4, 1, 5); }
inline Vec vinterleave_hi32(Vec a, Vec b) { return wasm_i32x4_shuffle(a, b, 2, 6, 3, 7); }
inline Vec vlow64(Vec a, Vec b) { return wasm_i64x2_shuffle(a, b, 0, 2); }
inline Vec vhigh64(Vec a, Vec b) { return wasm_i64x2_shuffle(a, b, 1, 3); }
inline Vec vinterleave_lo16(Vec a, Vec b) {
  return wasm_i16x8_shuffle(a, b, 0, 8, 1, 9, 2, 10, 3, 11);
}
inline Vec vinterleave_hi16(Vec a, Vec b) {
  return wasm_i16x8_shuffle(a, b, 4, 12, 5, 13, 6, 14, 7, 15);
}
#else
using Vec = __m128i;
inline Vec vzero() { return _mm_setzero_si128(); }
inline Vec vload(const void* p) { return _mm_loadu_si128(static_cast<const __m128i*>(p)); }
inline void vstore(void* p, Vec v) { _mm_storeu_si128(static_cast<__m128i*>(p), v); }
inline Vec vmadd(Vec a, Vec b) { return _mm_madd_epi16(a, b); }  // pmaddwd
inline Vec vadd(Vec a, Vec b) { return _mm_add_epi32(a, b); }
inline Vec vinterleave_lo32(Vec a, Vec b) { return _mm_unpacklo_epi32(a, b); }
inline Vec vinterleave_hi32(Vec a, Vec b) { return _mm_unpackhi_epi32(a, b); }
inline Vec vlow64(Vec a, Vec b) { return _mm_unpacklo_epi64(a, b); }
inline Vec vhigh64(Vec a, Vec b) { return _mm_unpackhi_epi64(a, b); }
inline Vec vinterleave_lo16(Vec a, Vec b) { return _mm_unpacklo_epi16(a, b); }
inline Vec vinterleave_hi16(Vec a, Vec b) { return _mm_unpackhi_epi16(a, b); }
#endif

// Columns c..c+8 of 8 rows (`rows`, row stride `stride`) into 8 columns of `out` (stride
// `out_stride`), each getting its 8 values side by side: an 8×8 transpose of int16.
inline void transpose8(const int16_t* rows, int64_t stride, int16_t* out, int64_t out_stride) {
  Vec a[8];
  for (int t = 0; t < 8; ++t) a[t] = vload(rows + t * stride);
  Vec p[8], q[8];
  for (int t = 0; t < 4; ++t) {
    p[2 * t] = vinterleave_lo16(a[2 * t], a[2 * t + 1]);      // columns 0..3 of rows 2t, 2t+1
    p[2 * t + 1] = vinterleave_hi16(a[2 * t], a[2 * t + 1]);  // columns 4..7
  }
  for (int h = 0; h < 2; ++h) {                                   // rows 0..3, then 4..7
    q[4 * h + 0] = vinterleave_lo32(p[4 * h + 0], p[4 * h + 2]);  // columns 0, 1
    q[4 * h + 1] = vinterleave_hi32(p[4 * h + 0], p[4 * h + 2]);  // columns 2, 3
    q[4 * h + 2] = vinterleave_lo32(p[4 * h + 1], p[4 * h + 3]);  // columns 4, 5
    q[4 * h + 3] = vinterleave_hi32(p[4 * h + 1], p[4 * h + 3]);  // columns 6, 7
  }
  for (int c = 0; c < 4; ++c) {
    vstore(out + (2 * c) * out_stride, vlow64(q[c], q[4 + c]));
    vstore(out + (2 * c + 1) * out_stride, vhigh64(q[c], q[4 + c]));
  }
}

// [Σa, Σb, Σc, Σd] of four vectors of 4 int32.
inline Vec reduce4(Vec a, Vec b, Vec c, Vec d) {
  const Vec ab = vadd(vinterleave_lo32(a, b), vinterleave_hi32(a, b));  // a0+a2 b0+b2 a1+a3 b1+b3
  const Vec cd = vadd(vinterleave_lo32(c, d), vinterleave_hi32(c, d));
  return vadd(vlow64(ab, cd), vhigh64(ab, cd));
}

// sums[i][j..j+4) += Σ_r col_i[r]·col_j[r] for the kTileI × kTileJ tile at (i0, j0).
inline void tile(const int16_t* packed, int64_t stride, int64_t rows, int64_t i0, int64_t j0,
                 int32_t* sums, int64_t padded_dim) {
  static_assert(kTileJ == 4, "reduce4 makes one row of 4 sums");
  Vec acc[kTileI][kTileJ];
  for (auto& row : acc)
    for (Vec& v : row) v = vzero();
  const int16_t* a = packed + i0 * stride;
  const int16_t* b = packed + j0 * stride;
  for (int64_t r = 0; r < rows; r += 8) {
    Vec left[kTileI];
    for (int m = 0; m < kTileI; ++m) left[m] = vload(a + m * stride + r);
    for (int n = 0; n < kTileJ; ++n) {
      const Vec right = vload(b + n * stride + r);
      for (int m = 0; m < kTileI; ++m) acc[m][n] = vadd(acc[m][n], vmadd(left[m], right));
    }
  }
  for (int m = 0; m < kTileI; ++m) {
    int32_t* out = sums + (i0 + m) * padded_dim + j0;
    vstore(out, vadd(vload(out), reduce4(acc[m][0], acc[m][1], acc[m][2], acc[m][3])));
  }
}

#else  // no SIMD: the same sums, one entry at a time

inline void transpose8(const int16_t* rows, int64_t stride, int16_t* out, int64_t out_stride) {
  for (int t = 0; t < 8; ++t)
    for (int c = 0; c < 8; ++c) out[c * out_stride + t] = rows[t * stride + c];
}

inline void tile(const int16_t* packed, int64_t stride, int64_t rows, int64_t i0, int64_t j0,
                 int32_t* sums, int64_t padded_dim) {
  for (int m = 0; m < kTileI; ++m) {
    const int16_t* a = packed + (i0 + m) * stride;
    for (int n = 0; n < kTileJ; ++n) {
      const int16_t* b = packed + (j0 + n) * stride;
      int32_t total = 0;
      for (int64_t r = 0; r < rows; ++r) total += int32_t{a[r]} * int32_t{b[r]};
      sums[(i0 + m) * padded_dim + j0 + n] += total;
    }
  }
}

#endif

void kernel(const int16_t* packed, int64_t stride, int64_t rows, int64_t padded_dim,
            int32_t* sums) {
  // Every tile that holds an entry of the lower triangle (j <= i).
  for (int64_t i0 = 0; i0 < padded_dim; i0 += kTileI) {
    for (int64_t j0 = 0; j0 < i0 + kTileI; j0 += kTileJ) {
      tile(packed, stride, rows, i0, j0, sums, padded_dim);
    }
  }
}

}  // namespace

IntegerScatter::IntegerScatter(int64_t dim, int64_t limit)
    : dim_(dim), limit_(limit), padded_dim_(round_up(dim, kColumnPad)) {
  if (dim < 1)
    throw Error("the integer scatter needs at least 1 column; got " + std::to_string(dim));
  if (limit < 1 || limit > kDefaultLimit) {
    throw Error("the integer scatter's limit must be in [1, 2³¹ − 1]; got " +
                std::to_string(limit));
  }
  packed_.assign(static_cast<size_t>(padded_dim_ * kColumnStride), 0);
  group_.assign(static_cast<size_t>(8 * padded_dim_), 0);
  sums_.assign(static_cast<size_t>(padded_dim_ * padded_dim_), 0);
  pending_.assign(static_cast<size_t>(dim_), 0);
  block_sums_.assign(static_cast<size_t>(dim_), 0);
  block_squares_.assign(static_cast<size_t>(dim_), 0);
}

std::vector<int32_t> IntegerScatter::integer_shift(const Eigen::Ref<const Eigen::VectorXd>& shift) {
  std::vector<int32_t> out(static_cast<size_t>(shift.size()));
  for (Eigen::Index j = 0; j < shift.size(); ++j) {
    const double s = shift(j);
    if (!(std::abs(s) <= kMaxValue) || s != std::nearbyint(s)) return {};
    out[static_cast<size_t>(j)] = static_cast<int32_t>(s);
  }
  return out;
}

// Packs rows as v = x − shift from row `at` of the pack buffer (the caller makes room), 8 rows
// at a time (a last partial group padded with zero rows), adding Σv per column to `sums`.
// Returns false at the first group holding a value that is not whole or out of range; the rows
// written from `at` on are then garbage, but nothing counts them.
bool IntegerScatter::pack(const Eigen::Ref<const RowMatrixF>& rows, const int32_t* shift,
                          int64_t at, int32_t* sums) {
  const int64_t n = rows.rows();
  for (int64_t r0 = 0; r0 < n; r0 += 8) {
    const int64_t count = std::min<int64_t>(8, n - r0);
    bool bad = false;
    for (int64_t t = 0; t < count; ++t) {
      const float* x = rows.row(r0 + t).data();
      int16_t* out = group_.data() + t * padded_dim_;
      // Branch-free, so that the compiler vectorizes it. The clamp keeps the conversion defined;
      // a clamped value no longer equals its source, so it is refused like a fraction.
      for (int64_t j = 0; j < dim_; ++j) {
        const float clamped =
            std::min(std::max(x[j], -static_cast<float>(kMaxValue)), static_cast<float>(kMaxValue));
        const int32_t xi = static_cast<int32_t>(clamped);
        const int32_t v = xi - shift[j];
        bad |= (static_cast<float>(xi) != x[j]) |
               (static_cast<uint32_t>(v + kMaxMagnitude) > 2u * kMaxMagnitude);
        out[j] = static_cast<int16_t>(v);
        // Added as unsigned, which wraps: the sums of good rows never do (each |v| <= 32767, and
        // add() takes at most 256 rows), but a refused group's values can reach 2^30 each, and a
        // signed overflow would be undefined even though those sums are thrown away.
        sums[j] = static_cast<int32_t>(static_cast<uint32_t>(sums[j]) + static_cast<uint32_t>(v));
      }
    }
    if (bad) return false;
    for (int64_t t = count; t < 8; ++t)  // zero rows up to the group's end
      std::fill(group_.begin() + t * padded_dim_, group_.begin() + (t + 1) * padded_dim_,
                int16_t{0});
    for (int64_t c = 0; c < padded_dim_; c += 8) {
      transpose8(group_.data() + c, padded_dim_, packed_.data() + c * kColumnStride + at + r0,
                 kColumnStride);
    }
  }
  return true;
}

void IntegerScatter::run_kernel() {
  if (packed_rows_ == 0) return;
  // The rows after the last one, to the end of its group of 8, are zeros (pack() wrote them).
  kernel(packed_.data(), kColumnStride, round_up(packed_rows_, 8), padded_dim_, sums_.data());
  packed_rows_ = 0;
}

bool IntegerScatter::add(const Eigen::Ref<const RowMatrixF>& block,
                         const std::vector<int32_t>& shift, Eigen::Ref<Eigen::VectorXd> sum,
                         Eigen::MatrixXd& scatter) {
  if (block.cols() != dim_ || static_cast<int64_t>(shift.size()) != dim_ || sum.size() != dim_) {
    throw Error("the integer scatter has " + std::to_string(dim_) + " columns; got a block of " +
                std::to_string(block.cols()) + ", a shift of " + std::to_string(shift.size()) +
                " and a sum of " + std::to_string(sum.size()));
  }
  if (block.rows() > kMaxBlockRows) {
    throw Error("the integer scatter takes at most " + std::to_string(kMaxBlockRows) +
                " rows at a time; got " + std::to_string(block.rows()));
  }
  // A block starts on a whole group of 8 rows with room for it in the pack buffer.
  if (packed_rows_ % 8 != 0 || packed_rows_ + block.rows() > kSegmentRows) run_kernel();
  const int64_t start = packed_rows_;
  std::fill(block_sums_.begin(), block_sums_.end(), 0);
  if (!pack(block, shift.data(), start, block_sums_.data())) return false;
  dirty_ = true;
  for (int64_t j = 0; j < dim_; ++j) sum(j) += block_sums_[static_cast<size_t>(j)];

  // Σv² per column of the new rows, from the packed columns (zeros past the last row).
  const int64_t rows = round_up(block.rows(), 8);
  bool fits = true;
  for (int64_t j = 0; j < dim_; ++j) {
    const int16_t* column = packed_.data() + j * kColumnStride + start;
    int64_t total = 0;
    for (int64_t r = 0; r < rows; ++r) total += int32_t{column[r]} * int32_t{column[r]};
    block_squares_[static_cast<size_t>(j)] = total;
    fits &= pending_[static_cast<size_t>(j)] + total <= limit_;
  }
  if (fits) {
    for (int64_t j = 0; j < dim_; ++j)
      pending_[static_cast<size_t>(j)] += block_squares_[static_cast<size_t>(j)];
    packed_rows_ = start + block.rows();
    if (packed_rows_ == kSegmentRows) run_kernel();
    return true;
  }
  // Too much for what is pending: flush the rows before this block (start is a whole number of
  // groups, so the kernel does not reach into it), then take the block's rows one at a time, with
  // a flush before any row that would take a column past the limit (a single row always fits
  // after one: v² ≤ 32767² < 2³¹). Rare: with uint8 data, once every ~33000 rows at most.
  flush(scatter);
  std::vector<int32_t> ignored(static_cast<size_t>(dim_));
  for (int64_t i = 0; i < block.rows(); ++i) {
    const float* x = block.row(i).data();
    bool row_fits = true;
    for (int64_t j = 0; j < dim_; ++j) {
      const int64_t v = static_cast<int64_t>(x[j]) - shift[static_cast<size_t>(j)];
      block_squares_[static_cast<size_t>(j)] = v * v;
      row_fits &= pending_[static_cast<size_t>(j)] + v * v <= limit_;
    }
    if (!row_fits) flush(scatter);
    pack(block.middleRows(i, 1), shift.data(), packed_rows_, ignored.data());
    dirty_ = true;
    for (int64_t j = 0; j < dim_; ++j)
      pending_[static_cast<size_t>(j)] += block_squares_[static_cast<size_t>(j)];
    if (++packed_rows_ == kSegmentRows) run_kernel();
  }
  return true;
}

void IntegerScatter::flush(Eigen::MatrixXd& scatter) {
  if (!dirty_) return;
  if (scatter.rows() != dim_ || scatter.cols() != dim_)
    throw Error("the integer scatter has " + std::to_string(dim_) +
                " columns; its sums cannot go into a " + std::to_string(scatter.rows()) + "×" +
                std::to_string(scatter.cols()) + " matrix");
  run_kernel();
  for (int64_t j = 0; j < dim_; ++j) {
    for (int64_t i = j; i < dim_; ++i) {
      scatter(i, j) += static_cast<double>(sums_[static_cast<size_t>(i * padded_dim_ + j)]);
    }
  }
  std::fill(sums_.begin(), sums_.end(), 0);
  std::fill(pending_.begin(), pending_.end(), int64_t{0});
  dirty_ = false;
}

void IntegerScatter::flush_lower(std::vector<int32_t>& lower) {
  lower.assign(static_cast<size_t>(dim_ * (dim_ + 1) / 2), 0);
  if (!dirty_) return;
  run_kernel();
  size_t at = 0;
  for (int64_t i = 0; i < dim_; ++i) {
    const int32_t* row = sums_.data() + i * padded_dim_;
    for (int64_t j = 0; j <= i; ++j) lower[at++] = row[j];
  }
  std::fill(sums_.begin(), sums_.end(), 0);
  std::fill(pending_.begin(), pending_.end(), int64_t{0});
  dirty_ = false;
}

int64_t IntegerScatter::most_pending() const {
  return pending_.empty() ? 0 : *std::max_element(pending_.begin(), pending_.end());
}

}  // namespace pcarecon
