#include "explorer.h"

#include <cmath>
#include <utility>

#include "error.h"

namespace pcarecon {
namespace {

using nlohmann::json;

double finite(double v, const char* what) {
  if (!std::isfinite(v)) throw Error(std::string("internal error: non-finite value in ") + what);
  return v;
}

json vector_json(const Eigen::VectorXd& v, const char* what) {
  json out = json::array();
  for (Eigen::Index i = 0; i < v.size(); ++i) out.push_back(finite(v[i], what));
  return out;
}

std::string plural(int64_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

}  // namespace

json npy_header_json(const NpyHeader& header) {
  return json{{"shape", header.shape},
              {"dtype", header.descr},
              {"fortran_order", header.fortran_order},
              {"version", header.version()}};
}

json pca_model_json(const PcaModel& model) {
  json components = json::array();
  for (Eigen::Index i = 0; i < model.components.rows(); ++i)
    components.push_back(vector_json(model.components.row(i).transpose(), "components"));
  return json{{"n_components", model.n_components()},
              {"n_samples", model.n_samples},
              {"dim", model.dim()},
              {"total_variance", finite(model.total_variance, "total_variance")},
              {"mean", vector_json(model.mean, "mean")},
              {"components", std::move(components)},
              {"explained_variance", vector_json(model.explained_variance, "explained_variance")},
              {"explained_variance_ratio",
               vector_json(model.explained_variance_ratio, "explained_variance_ratio")},
              {"singular_values", vector_json(model.singular_values, "singular_values")}};
}

void Explorer::begin_file(std::optional<ImageShape> hint) {
  if (hint && (hint->height <= 0 || hint->width <= 0))
    throw Error("image size " + std::to_string(hint->height) + "x" + std::to_string(hint->width) +
                " is not valid: give a positive height and width, or 0 and 0 to infer them");
  cancel_file();
  pending_hint_ = hint;
  // The sink runs inside pending_reader_->feed()/finish(), so the reader is there to ask for
  // the stack's size when the first rows arrive. Explorer cannot be moved, so `this` stays valid.
  pending_reader_ = std::make_unique<NpyStreamReader>(
      [this](const Eigen::Ref<const RowMatrixF>& rows, int64_t first_row) {
        if (!pending_) {
          auto stack = std::make_unique<ImageStack>();
          stack->image = pending_reader_->image_shape();
          stack->rows.resize(pending_reader_->samples(), stack->image.values());
          pending_ = std::move(stack);
        }
        if (first_row < 0 || rows.cols() != pending_->rows.cols() ||
            first_row + rows.rows() > pending_->rows.rows())
          throw Error("internal error: the reader delivered rows outside the stack");
        pending_->rows.middleRows(first_row, rows.rows()) = rows;
      },
      hint, kMemoryLimitBytes);
}

void Explorer::expect_file_size(uint64_t bytes) {
  if (!pending_reader_) throw Error("no file is being read: begin a file before giving its size");
  pending_reader_->expect_total_size(bytes);
}

void Explorer::feed(const uint8_t* bytes, size_t size) {
  if (!pending_reader_)
    throw Error(
        "no file is being read: begin a file before feeding it (a file that failed must be started "
        "again)");
  try {
    pending_reader_->feed(bytes, size);
  } catch (...) {
    cancel_file();
    throw;
  }
}

void Explorer::finish_file() {
  if (!pending_reader_) throw Error("no file is being read: begin a file before finishing it");
  try {
    pending_reader_->finish();
    if (!pending_reader_->has_header())
      throw Error("file is truncated: it ends before the end of its .npy header (" +
                  plural(int64_t(pending_reader_->bytes_fed()), "byte", "bytes") + " read)");
    if (!pending_) {  // no rows were delivered: an empty stack (the reader normally refuses these)
      auto stack = std::make_unique<ImageStack>();
      stack->image = pending_reader_->image_shape();
      stack->rows.resize(pending_reader_->samples(), stack->image.values());
      pending_ = std::move(stack);
    }
    if (pending_reader_->rows_delivered() != pending_->samples())
      throw Error("internal error: " + std::to_string(pending_reader_->rows_delivered()) + " of " +
                  std::to_string(pending_->samples()) + " samples were read");
    pending_->value_min = pending_reader_->value_min();
    pending_->value_max = pending_reader_->value_max();
    NpyHeader header = pending_reader_->header();
    // Nothing below throws: the new stack replaces the old one as a whole.
    header_ = std::move(header);
    images_ = std::move(pending_);
    model_.reset();
    basis_.reset();
  } catch (...) {
    cancel_file();
    throw;
  }
  cancel_file();
}

void Explorer::cancel_file() {
  basis_arrays_ = BasisArrays{};
  pending_reader_.reset();
  pending_.reset();
  pending_hint_.reset();
}

std::optional<StackInfo> Explorer::pending_info() const {
  if (!pending_reader_ || !pending_reader_->has_header()) return std::nullopt;
  StackInfo info;
  info.header = pending_reader_->header();
  info.image = pending_reader_->image_shape();
  info.samples = pending_reader_->samples();
  info.value_min = pending_reader_->value_min();
  info.value_max = pending_reader_->value_max();
  return info;
}

int64_t Explorer::rows_read() const {
  return pending_reader_ && pending_reader_->has_header() ? pending_reader_->rows_delivered() : 0;
}

bool Explorer::has_images() const { return images_ != nullptr; }

const ImageStack& Explorer::images() const {
  if (!images_) throw Error("no images are loaded: open a .npy file first");
  return *images_;
}

const NpyHeader& Explorer::header() const {
  if (!header_) throw Error("no images are loaded: open a .npy file first");
  return *header_;
}

StackInfo Explorer::info() const {
  const ImageStack& stack = images();
  StackInfo info;
  info.header = header();
  info.image = stack.image;
  info.samples = stack.samples();
  info.value_min = stack.value_min;
  info.value_max = stack.value_max;
  return info;
}

void Explorer::fit(int64_t n_components) {
  const ImageStack& stack = images();
  if (n_components < 0)
    throw Error("number of components must be 0 (all) or at least 1 (got " +
                std::to_string(n_components) + ")");
  PcaOptions options;
  options.n_components = n_components;
  PcaModel model = fit_pca(stack.rows, options);
  model_ = std::move(model);
  basis_.reset();
  ++fit_count_;
}

void Explorer::fit_from(int64_t n_components, const CovarianceAccumulator& all_rows) {
  const ImageStack& stack = images();
  const int64_t n = stack.samples();
  const int64_t d = stack.rows.cols();
  if (n_components < 0)
    throw Error("number of components must be 0 (all) or at least 1 (got " +
                std::to_string(n_components) + ")");
  if (n < d)
    throw Error("a fit from a covariance needs at least as many samples as pixels (" +
                std::to_string(n) + " < " + std::to_string(d) + ")");
  if (all_rows.dim() != d || all_rows.count() != n)
    throw Error("the covariance holds " + std::to_string(all_rows.count()) + " rows of " +
                std::to_string(all_rows.dim()) + " values; the images are " + std::to_string(n) +
                " rows of " + std::to_string(d));
  PcaModel model = fit_pca(all_rows, n_components);
  model_ = std::move(model);
  basis_.reset();
  ++fit_count_;
}

bool Explorer::has_model() const { return model_.has_value(); }

const PcaModel& Explorer::model() const {
  if (!model_) throw Error("no model is fitted: fit the images first");
  return *model_;
}

nlohmann::json Explorer::figure(const FigureOptions& options) const {
  const ImageStack& stack = images();
  return build_figure(stack, model(), options);
}

void Explorer::check_sample(int64_t sample_index) const {
  const int64_t n = images().samples();
  if (sample_index < 0 || sample_index >= n)
    throw Error("sample index " + std::to_string(sample_index) + " is out of range: the file has " +
                plural(n, "sample", "samples") +
                (n == 1 ? " (index 0)" : " (0 to " + std::to_string(n - 1) + ")"));
}

Eigen::VectorXf Explorer::image(int64_t sample_index) const {
  check_sample(sample_index);
  return images_->rows.row(sample_index).transpose();
}

ReconstructionSeries Explorer::series(int64_t sample_index) const {
  const ImageStack& stack = images();
  const PcaModel& m = model();
  check_sample(sample_index);
  const Eigen::VectorXf x = stack.rows.row(sample_index).transpose();
  return reconstruction_series(m, x, double(stack.value_max) - double(stack.value_min), 0);
}

Eigen::VectorXd Explorer::reconstruction(int64_t sample_index, int64_t k) const {
  const ReconstructionSeries s = series(sample_index);
  const int64_t K = model().n_components();
  if (k < 0 || k > K)
    throw Error("k = " + std::to_string(k) + " is out of range: choose 0 to " + std::to_string(K) +
                " (the number of fitted components)");
  return reconstruct(model(), s.loadings, k);
}

Eigen::VectorXd Explorer::component(int64_t i) const {
  const PcaModel& m = model();
  if (i < 0 || i >= m.n_components())
    throw Error("component " + std::to_string(i) + " is out of range: the model has " +
                plural(m.n_components(), "component", "components") +
                (m.n_components() == 1 ? " (index 0)"
                                       : " (0 to " + std::to_string(m.n_components() - 1) + ")"));
  return m.components.row(i).transpose();
}

// ---- bring your own basis ------------------------------------------------------------------------

void Explorer::set_basis_array(const std::string& name, const uint8_t* npy_bytes, size_t size) {
  if (!pending_reader_)
    throw Error("no file is being read: begin the images' file before giving the basis' arrays");
  try {
    basis_arrays_.set(name, npy_bytes, size);
  } catch (...) {
    cancel_file();  // as feed(): after an error the file must be started again
    throw;
  }
}

void Explorer::finish_file_with_basis() {
  if (!pending_reader_) throw Error("no file is being read: begin a file before finishing it");
  BasisArrays arrays = std::move(basis_arrays_);
  basis_arrays_ = BasisArrays{};
  // finish_file() replaces the stack and drops the model: keep both aside until the basis has
  // been checked against the new images, and put them back if it does not fit.
  std::unique_ptr<ImageStack> old_images = std::move(images_);
  std::optional<NpyHeader> old_header = std::exchange(header_, std::nullopt);
  std::optional<PcaModel> old_model = std::exchange(model_, std::nullopt);
  const std::optional<BasisSource> old_basis = basis_;
  try {
    finish_file();
    BasisModel built = model_from_basis(arrays, *images_);
    model_ = std::move(built.model);
    basis_ = BasisSource{built.variance_from_file, built.ratio_from_file};
  } catch (...) {
    images_ = std::move(old_images);
    header_ = std::move(old_header);
    model_ = std::move(old_model);
    basis_ = old_basis;
    throw;
  }
}

}  // namespace pcarecon
