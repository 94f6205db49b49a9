// Dataset-wide views of a fitted model: variance thresholds, every row's distortion, and
// reconstructions from a range of components.

#include "dataset_stats.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "error.h"
#include "number_text.h"

namespace pcarecon {

namespace {

// A block of rows this long is converted to double at a time: about 2 MB whatever D is.
int64_t block_rows(int64_t dim) { return std::max<int64_t>(1, (int64_t{1} << 18) / dim); }

void check_finite(const Eigen::Ref<const RowMatrixF>& rows, int64_t first_row) {
  for (Eigen::Index r = 0; r < rows.rows(); ++r) {
    for (Eigen::Index j = 0; j < rows.cols(); ++j) {
      if (!std::isfinite(rows(r, j)))
        throw Error("row " + std::to_string(first_row + r) + " has a non-finite value (" +
                    number_text(rows(r, j)) + ") at value " + std::to_string(j));
    }
  }
}

}  // namespace

std::optional<int64_t> components_for_share(
    const Eigen::Ref<const Eigen::VectorXd>& explained_variance_ratio, double share) {
  if (!(share > 0 && share < 1))
    throw Error("a share of the variance must be between 0 and 1, exclusive (got " +
                number_text(share) + ")");
  double cumulative = 0;
  for (Eigen::Index i = 0; i < explained_variance_ratio.size(); ++i) {
    cumulative += explained_variance_ratio(i);
    if (cumulative > share) return static_cast<int64_t>(i + 1);
  }
  return std::nullopt;
}

namespace {

void check_distortion_sizes(int64_t cols, const Eigen::Ref<const Eigen::VectorXd>& mean,
                            const Eigen::Ref<const Eigen::MatrixXd>& components) {
  const int64_t dim = mean.size();
  if (dim < 1) throw Error("the mean is empty: fit PCA before measuring distortions");
  if (cols != dim)
    throw Error("the rows have " + std::to_string(cols) + " values, but the model has " +
                std::to_string(dim) + " per image");
  if (components.cols() != dim)
    throw Error("the components have " + std::to_string(components.cols()) +
                " values, but the mean has " + std::to_string(dim));
}

// blocks(r, b, centred): rows [r, r + b) minus the mean, in double.
template <class Blocks>
RowDistortions distortions_of(int64_t n, const Eigen::Ref<const Eigen::VectorXd>& mean,
                              const Eigen::Ref<const Eigen::MatrixXd>& components,
                              const Blocks& blocks) {
  const int64_t dim = mean.size();
  const int64_t k = components.rows();
  RowDistortions out{Eigen::VectorXd(n), Eigen::VectorXd::Zero(k + 1)};
  const int64_t block = block_rows(dim);
  Eigen::MatrixXd centred;   // block×D
  Eigen::MatrixXd loadings;  // block×k
  for (int64_t r = 0; r < n; r += block) {
    const int64_t b = std::min(block, n - r);
    blocks(r, b, centred);
    loadings.noalias() = centred * components.transpose();
    for (int64_t i = 0; i < b; ++i) {
      double distortion = centred.row(i).squaredNorm();
      out.sums(0) += distortion;
      for (int64_t j = 0; j < k; ++j) {
        distortion = std::max(0.0, distortion - loadings(i, j) * loadings(i, j));
        out.sums(j + 1) += distortion;
      }
      out.at_k(r + i) = distortion;
    }
  }
  return out;
}

}  // namespace

RowDistortions row_distortions(const Eigen::Ref<const RowMatrixF>& rows,
                               const Eigen::Ref<const Eigen::VectorXd>& mean,
                               const Eigen::Ref<const Eigen::MatrixXd>& components) {
  check_distortion_sizes(rows.cols(), mean, components);
  return distortions_of(
      rows.rows(), mean, components, [&](int64_t r, int64_t b, Eigen::MatrixXd& centred) {
        check_finite(rows.middleRows(r, b), r);
        centred = rows.middleRows(r, b).cast<double>().rowwise() - mean.transpose();
      });
}

RowDistortions row_distortions(const StackRows& rows, const Eigen::Ref<const Eigen::VectorXd>& mean,
                               const Eigen::Ref<const Eigen::MatrixXd>& components) {
  check_distortion_sizes(rows.cols(), mean, components);
  const Eigen::VectorXf zero = Eigen::VectorXf::Zero(rows.cols());
  RowMatrixF work;
  return distortions_of(rows.rows(), mean, components,
                        [&](int64_t r, int64_t b, Eigen::MatrixXd& centred) {
                          rows.check_finite(r, b);
                          rows.centred_block(r, b, zero, work);  // x − 0: the values as float32
                          centred = work.cast<double>().rowwise() - mean.transpose();
                        });
}

Eigen::VectorXd reconstruct_range(const PcaModel& model, const Eigen::Ref<const Eigen::VectorXf>& x,
                                  int64_t first, int64_t last) {
  const int64_t k = model.n_components();
  if (first < 1 || last > k || first > last)
    throw Error("components " + std::to_string(first) + ".." + std::to_string(last) +
                " are not a range within 1.." + std::to_string(k));
  if (x.size() != model.dim())
    throw Error("this sample has " + std::to_string(x.size()) + " values, but the model has " +
                std::to_string(model.dim()) + " per image");
  for (Eigen::Index j = 0; j < x.size(); ++j) {
    if (!std::isfinite(x(j)))
      throw Error("this sample has a non-finite value (" + number_text(x(j)) + ") at value " +
                  std::to_string(j));
  }
  const Eigen::VectorXd centred = x.cast<double>() - model.mean;
  const auto rows = model.components.middleRows(first - 1, last - first + 1);
  const Eigen::VectorXd loadings = rows * centred;
  return model.mean + rows.transpose() * loadings;
}

}  // namespace pcarecon
