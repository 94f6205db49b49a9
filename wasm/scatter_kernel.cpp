// The 16-bit integer scatter kernel: packing, the register-blocked multiply-pair-add loop, and
// the flushes that keep its int32 sums exact. Written once over a few vector helpers with three
// bodies: wasm SIMD (wasm_simd128.h), SSE2 (every x86-64), and plain C++ for anything else.

#include "scatter_kernel.h"

#include <algorithm>
#include <cmath>
#include <cstring>
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
// Columns are padded with zeros to a whole number of tiles.
constexpr int64_t kColumnPad = 8;
// The register tile: kTileI columns of the left operand by kTileJ of the right, 8 int32 sums in
// registers (with the loaded operands, within the 16 vector registers that V8 and x86-64 have).
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
#endif

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
  if (dim < 1) throw Error("the integer scatter needs at least 1 column; got " + std::to_string(dim));
  if (limit < 1 || limit > kDefaultLimit) {
    throw Error("the integer scatter's limit must be in [1, 2³¹ − 1]; got " + std::to_string(limit));
  }
  packed_.assign(static_cast<size_t>(padded_dim_ * kSegmentRows), 0);
  sums_.assign(static_cast<size_t>(padded_dim_ * padded_dim_), 0);
  pending_.assign(static_cast<size_t>(dim_), 0);
}

bool IntegerScatter::accepts(const Eigen::Ref<const RowMatrixD>& block) {
  for (Eigen::Index i = 0; i < block.rows(); ++i) {
    const double* row = block.row(i).data();
    bool ok = true;
    for (Eigen::Index j = 0; j < block.cols(); ++j) {
      const double v = row[j];
      ok &= (std::abs(v) <= kMaxMagnitude) & (v == std::nearbyint(v));
    }
    if (!ok) return false;
  }
  return true;
}

void IntegerScatter::pack_row(const double* row) {
  int16_t* out = packed_.data() + packed_rows_;
  for (int64_t j = 0; j < dim_; ++j) out[j * kSegmentRows] = static_cast<int16_t>(row[j]);
  dirty_ = true;
  if (++packed_rows_ == kSegmentRows) run_kernel();
}

void IntegerScatter::run_kernel() {
  if (packed_rows_ == 0) return;
  const int64_t rows = round_up(packed_rows_, 8);
  // The kernel reads whole groups of 8 rows: the rows past the last one count as zeros.
  for (int64_t j = 0; j < dim_; ++j) {
    int16_t* column = packed_.data() + j * kSegmentRows;
    std::fill(column + packed_rows_, column + rows, int16_t{0});
  }
  kernel(packed_.data(), kSegmentRows, rows, padded_dim_, sums_.data());
  packed_rows_ = 0;
}

void IntegerScatter::add(const Eigen::Ref<const RowMatrixD>& block,
                         const Eigen::Ref<const Eigen::RowVectorXd>& squares,
                         Eigen::MatrixXd& scatter) {
  bool whole_block_fits = true;
  for (int64_t j = 0; j < dim_; ++j) {
    whole_block_fits &= static_cast<double>(pending_[j]) + squares(j) <= static_cast<double>(limit_);
  }
  if (whole_block_fits) {
    for (Eigen::Index i = 0; i < block.rows(); ++i) pack_row(block.row(i).data());
    for (int64_t j = 0; j < dim_; ++j) pending_[j] += static_cast<int64_t>(squares(j));
    return;
  }
  // Row by row, flushing before the row that would take a column past the limit. A single row
  // always fits after a flush: v² ≤ 32767² < 2³¹.
  std::vector<int64_t> row_squares(static_cast<size_t>(dim_));
  for (Eigen::Index i = 0; i < block.rows(); ++i) {
    const double* row = block.row(i).data();
    bool fits = true;
    for (int64_t j = 0; j < dim_; ++j) {
      const int64_t v = static_cast<int64_t>(row[j]);
      row_squares[j] = v * v;
      fits &= pending_[j] + row_squares[j] <= limit_;
    }
    if (!fits) flush(scatter);
    pack_row(row);
    for (int64_t j = 0; j < dim_; ++j) pending_[j] += row_squares[j];
  }
}

void IntegerScatter::flush(Eigen::MatrixXd& scatter) {
  if (!dirty_) return;
  run_kernel();
  for (int64_t j = 0; j < dim_; ++j) {
    for (int64_t i = j; i < dim_; ++i) {
      scatter(i, j) += static_cast<double>(sums_[i * padded_dim_ + j]);
    }
  }
  std::fill(sums_.begin(), sums_.end(), 0);
  std::fill(pending_.begin(), pending_.end(), int64_t{0});
  dirty_ = false;
}

}  // namespace pcarecon
