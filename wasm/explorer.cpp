#include "explorer.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <utility>

#include "error.h"
#include "frame_values.h"
#include "gram_fit.h"
#include "symmetric_spectrum.h"

namespace pcarecon {
namespace {

using nlohmann::json;

double finite(double v, const char* what) {
  if (!std::isfinite(v)) throw internal_error(std::string("non-finite value in ") + what);
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

json fit_npy_json(const uint8_t* bytes, size_t size, int64_t n_components) {
  if (n_components < 0)
    throw Error("number of components must be 0 (all) or at least 1 (got " +
                std::to_string(n_components) + ")");
  // A fit needs no image shape: any (N, D) file is read as N images of 1×D.
  std::optional<ImageShape> rows_hint;
  if (const auto header = parse_npy_header(bytes, size))
    if (header->shape.size() == 2) rows_hint = ImageShape{1, header->shape[1]};
  const ImageStack images = read_npy(bytes, size, rows_hint);
  PcaOptions options;
  options.n_components = n_components;
  return pca_model_json(fit_pca(images.rows, options));
}

void Explorer::begin_file(std::optional<ImageShape> hint) {
  if (hint && (hint->height <= 0 || hint->width <= 0))
    throw Error("image size " + std::to_string(hint->height) + "x" + std::to_string(hint->width) +
                " is not valid: give a positive height and width, or 0 and 0 to infer them");
  cancel_file();
  FileReading::Settings settings;
  settings.stream_above_bytes = stream_above_bytes_;
  settings.stream_window_bytes = stream_window_bytes_;
  settings.stream_solver = stream_solver_;
  reading_ = std::make_unique<FileReading>(hint, settings);
}

void Explorer::expect_file_size(uint64_t bytes) {
  if (!reading_) throw Error("no file is being read: begin a file before giving its size");
  reading_->expect_file_size(bytes);
}

void Explorer::feed(const uint8_t* bytes, size_t size) {
  if (!reading_)
    throw Error(
        "no file is being read: begin a file before feeding it (a file that failed must be started "
        "again)");
  try {
    reading_->feed(bytes, size);
  } catch (...) {
    cancel_file();
    throw;
  }
}

void Explorer::finish_file() {
  if (!reading_) throw Error("no file is being read: begin a file before finishing it");
  try {
    LoadedFile file = reading_->finish();
    replace_stack(std::move(file));
  } catch (...) {
    cancel_file();
    throw;
  }
  cancel_file();
}

void Explorer::replace_stack(LoadedFile file) {
  header_ = std::move(file.header);
  images_ = std::move(file.images);
  stream_ = std::move(file.streamed);
  partial_fit_.reset();
  split_topk_.reset();
  split_gram_.reset();
  streamed_topk_.reset();
  model_.reset();
  exact_fit_.reset();
  figure_memo_.reset();
  report_.reset();
  basis_.reset();
}

void Explorer::cancel_file() {
  basis_arrays_ = BasisArrays{};
  reading_.reset();
}

std::optional<StackInfo> Explorer::pending_info() const {
  return reading_ ? reading_->info() : std::nullopt;
}

int64_t Explorer::rows_read() const { return reading_ ? reading_->rows_read() : 0; }

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
  if (stream_) info.streamed = stream_->info;
  return info;
}

void Explorer::fit(int64_t n_components) {
  const ImageStack& stack = images();
  if (n_components < 0)
    throw Error("number of components must be 0 (all) or at least 1 (got " +
                std::to_string(n_components) + ")");
  if (stream_) {  // the rows are gone: fit from the covariance of all of them
    const int64_t n = stream_->info.total_samples, d = stack.rows.cols();
    if (n < d)
      throw Error("a streamed file needs at least as many samples as pixels for its PCA (" +
                  std::to_string(n) + " < " + std::to_string(d) + ")");
    if (!stream_->rows)
      throw Error("this streamed file is fitted by the top-K solver in passes over the file");
    set_exact_model(exact_fit(*stream_->rows, n_components), n_components);
    return;
  }
  PcaOptions options;
  options.n_components = n_components;
  options.lazy_spectrum = true;  // every eigenvalue when the variance chart asks for it
  std::optional<ExactFit> exact;
  PcaModel model = stack.held_as_bytes() ? fit_pca(StackRows::of(stack), options, &exact)
                                         : fit_pca(stack.rows, options, &exact);
  set_model(std::move(model), FitReport{}, std::move(exact));
}

void Explorer::set_model(PcaModel model, FitReport report, std::optional<ExactFit> exact) {
  model_ = std::move(model);
  exact_fit_ = std::move(exact);
  figure_memo_.reset();
  report_ = report;
  basis_.reset();
  ++fit_count_;
}

void Explorer::fit_from(int64_t n_components, const CovarianceAccumulator& all_rows) {
  const ImageStack& stack = images();
  const int64_t n = total_samples();
  const int64_t d = stack.dim();
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
  set_exact_model(exact_fit(all_rows, n_components), n_components);
}

bool Explorer::extend_fit(int64_t n_components) {
  if (!exact_fit_ || !model_) return false;
  const int64_t most = max_components(exact_fit_->n_samples, exact_fit_->dim());
  if (n_components < 1 || n_components > most) {
    throw Error("cannot fit " + std::to_string(n_components) +
                " components: this data has at most " + std::to_string(most));
  }
  // A copy that shares the decomposition; no pass over the rows (the worker's FIT says 0 too).
  set_exact_model(*exact_fit_, n_components, 0);
  return true;
}

void Explorer::make_whole_spectrum() {
  if (!exact_fit_ || !model_ || exact_fit_->spectrum) return;
  exact_fit_->make_spectrum();
  model_->spectrum = exact_fit_->spectrum->eigenvalues().cwiseMax(0.0);  // as make_model keeps it
}

void Explorer::set_exact_model(ExactFit exact, int64_t n_components, int passes) {
  PcaModel model = exact.model(n_components);
  set_model(std::move(model), FitReport{SolverKind::Exact, passes}, std::move(exact));
}

namespace {
std::string rows_range_error(int64_t first, int64_t end, int64_t n) {
  return "rows " + std::to_string(first) + " to " + std::to_string(end) +
         " are not a range of the " + std::to_string(n) + " samples";
}
}  // namespace

StackRows Explorer::held_rows(int64_t first, int64_t count) const {
  const StackRows all = StackRows::of(images());
  if (first < 0 || count < 0 || first > all.rows() || count > all.rows() - first)
    throw Error(rows_range_error(first, first + count, all.rows()));
  return all.middle_rows(first, count);
}

RowMatrixF Explorer::rows(int64_t first, int64_t count) const {
  const StackRows some = held_rows(first, count);
  RowMatrixF out(count, some.cols());
  if (count > 0) some.centred_block(0, count, Eigen::VectorXf::Zero(some.cols()), out);
  return out;
}

void Explorer::accumulate_rows(int64_t begin, int64_t end) {
  const StackRows all = StackRows::of(images());
  if (begin < 0 || end < begin || end > all.rows())
    throw Error(rows_range_error(begin, end, all.rows()));
  partial_fit_.reset();
  CovarianceAccumulator accumulator(all.cols());
  accumulator.add(all.middle_rows(begin, end - begin));  // 8-bit rows widened a block at a time
  partial_fit_.emplace(std::move(accumulator));
}

int64_t Explorer::partial_fit_dim() const {
  if (!partial_fit_) throw Error("no partial covariance: call accumulateRows first");
  return partial_fit_->dim();
}

void Explorer::fit_with(int64_t n_components, const AccumulatorState& rest) {
  if (!partial_fit_) throw Error("no partial covariance: call accumulateRows first");
  CovarianceAccumulator all = std::move(*partial_fit_);
  partial_fit_.reset();
  all.merge(CovarianceAccumulator::from_state(rest));
  fit_from(n_components, all);
}

bool Explorer::has_model() const { return model_.has_value(); }

const PcaModel& Explorer::model() const {
  if (!model_) throw Error("no model is fitted: fit the images first");
  return *model_;
}

nlohmann::json Explorer::figure(const FigureOptions& options) const {
  const ImageStack& stack = images();
  return build_figure(stack, model(), options, &figure_memo());
}

FigureParts Explorer::figure_parts(const FigureOptions& options) const {
  const ImageStack& stack = images();
  return build_figure_parts(stack, model(), options, &figure_memo());
}

FigureMemo& Explorer::figure_memo() const {
  if (!figure_memo_) {
    figure_memo_.emplace();
    figure_memo_->rows = component_rows(model());
  }
  return *figure_memo_;
}

// ---- The fit the page asks for ---------------------------------------------------------------

namespace {
void check_components(int64_t n_components) {
  if (n_components < 0)
    throw Error("number of components must be 0 (all) or at least 1 (got " +
                std::to_string(n_components) + ")");
}
}  // namespace

SolverChoice Explorer::plan_fit(int64_t n_components) const {
  const ImageStack& stack = images();
  check_components(n_components);
  const int64_t n = total_samples(), d = stack.dim();
  const DType dtype = header().dtype;
  const bool bytes = dtype == DType::UInt8 || dtype == DType::Int8 || dtype == DType::Bool;
  const double held = static_cast<double>(stack.held_bytes());
  constexpr double kMargin = 64.0 * (1 << 20);  // the module's own code, stacks, small buffers
  const double left = std::max(0.0, static_cast<double>(kMemoryLimitBytes) - held - kMargin);
  SolverChoice choice =
      choose_solver(n, d, n_components, bytes ? RowType::UInt8 : RowType::Float32, left);
  const SolverKind asked = requested_solver(fit_request_, choice.kind);
  if (asked != SolverKind::Gram || n < d) choice.kind = asked;  // Gram only where N < D
  if (stream_) choice.kind = stream_->info.topk ? SolverKind::Randomized : SolverKind::Exact;
  return choice;
}

void Explorer::fit_for_view(int64_t n_components) {
  split_gram_.reset();  // a split Gram fit given up: its G goes before this fit makes one
  const SolverKind kind = plan_fit(n_components).kind;
  if (kind == SolverKind::Exact) return fit(n_components);
  if (stream_)
    throw Error("this streamed file is fitted by the top-K solver in passes over the file");
  const ImageStack& stack = images();
  if (kind == SolverKind::Gram) {  // N < D: K exact components from the N×N Gram matrix
    set_model(fit_gram(StackRows::of(stack), n_components), FitReport{SolverKind::Gram, 2});
    return;
  }
  TopKOptions options;
  options.n_components = n_components;
  int passes = 0;
  PcaModel model = fit_topk(StackRows::of(stack), options, &passes);
  set_model(std::move(model), FitReport{SolverKind::Randomized, passes + 1});
}

void Explorer::begin_split_topk(int64_t n_components, int64_t own_rows) {
  const ImageStack& stack = images();
  check_components(n_components);
  if (stream_) throw Error("a streamed stack is fitted from its covariance, not split");
  const int64_t n = stack.samples();
  if (own_rows < 1 || own_rows > n) throw Error(rows_range_error(0, own_rows, n));
  split_topk_.reset();
  TopKOptions options;
  options.n_components = n_components;
  split_topk_.emplace(StackRows::of(stack).middle_rows(0, own_rows), n, options);
}

SplitTopK& Explorer::split_topk() {
  if (!split_topk_) throw Error("no split fit is in progress: begin one first");
  return *split_topk_;
}

void Explorer::finish_split_topk() {
  SplitTopK& split = split_topk();
  PcaModel model = split.model();
  const int passes = split.passes();
  split_topk_.reset();
  set_model(std::move(model), FitReport{SolverKind::Randomized, passes});
}

void Explorer::begin_split_gram() {
  const ImageStack& stack = images();
  if (stream_)
    throw Error("a streamed stack is fitted from its covariance or in passes, not split");
  split_gram_.reset();
  split_gram_.emplace(StackRows::of(stack));
}

GramSum& Explorer::split_gram() {
  if (!split_gram_) throw Error("no split Gram fit is in progress: begin one first");
  return *split_gram_;
}

const GramWeights& Explorer::weigh_split_gram(int64_t n_components) {
  check_components(n_components);
  return split_gram().weigh(n_components);
}

void Explorer::finish_split_gram() {
  split_gram();                                         // Error when none is in progress
  std::optional<GramSum> sum = std::move(split_gram_);  // spent, whether it fits or not
  split_gram_.reset();
  set_model(sum->fit(), FitReport{SolverKind::Gram, 2});
}

void Explorer::check_sample(int64_t sample_index) const {
  const int64_t n = images().samples();
  if (stream_ && (sample_index < 0 || sample_index >= n))
    throw Error("sample index " + std::to_string(sample_index) + " is out of range: of the " +
                std::to_string(stream_->info.total_samples) +
                " samples of this streamed file, the first " + std::to_string(n) +
                " are kept (0 to " + std::to_string(n - 1) + ")");
  if (sample_index < 0 || sample_index >= n)
    throw Error("sample index " + std::to_string(sample_index) + " is out of range: the file has " +
                plural(n, "sample", "samples") +
                (n == 1 ? " (index 0)" : " (0 to " + std::to_string(n - 1) + ")"));
}

Eigen::VectorXf Explorer::image(int64_t sample_index) const {
  check_sample(sample_index);
  return images_->row(sample_index);
}

ReconstructionSeries Explorer::series(int64_t sample_index) const {
  const ImageStack& stack = images();
  const PcaModel& m = model();
  check_sample(sample_index);
  const Eigen::VectorXf x = stack.row(sample_index);
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

// ---- bring your own basis ---------------------------------------------------------------------

void Explorer::set_basis_array(const std::string& name, const uint8_t* npy_bytes, size_t size) {
  if (!reading_)
    throw Error("no file is being read: begin the images' file before giving the basis' arrays");
  try {
    basis_arrays_.set(name, npy_bytes, size);
  } catch (...) {
    cancel_file();  // as feed(): after an error the file must be started again
    throw;
  }
}

// ---- Streamed mode: files larger than memory ------------------------------------------------

int64_t Explorer::total_samples() const {
  return stream_ ? stream_->info.total_samples : images().samples();
}

void Explorer::read_rows(int64_t begin, int64_t end) {
  if (!reading_) throw Error("no file is being read: begin a file before choosing its rows");
  if (!reading_->has_header())
    throw Error("the file's header has not been read yet: feed it before choosing its rows");
  if (!reading_->streaming())
    throw Error("only a streamed file can be read in parts: this one is held whole in memory");
  try {
    reading_->read_rows(begin, end);
  } catch (...) {
    cancel_file();
    throw;
  }
}

StreamedPart Explorer::finish_part() {
  if (!reading_) throw Error("no file is being read: begin a file before finishing it");
  StreamedPart part;
  try {
    part = reading_->finish_part();
  } catch (...) {
    cancel_file();
    throw;
  }
  cancel_file();
  return part;
}

void Explorer::merge_part(const StreamedPart& part) {
  if (!reading_ || !reading_->streaming())
    throw Error("no streamed file is being read: a part can only be merged into one");
  reading_->merge_part(part);
}

void Explorer::begin_streamed_topk(int64_t n_components) {
  if (!stream_ || !stream_->moments)
    throw Error("no streamed file fitted in passes is loaded: the top-K fit over a file needs one");
  check_components(n_components);
  streamed_topk_.reset();
  TopKOptions options;
  options.n_components = n_components;
  streamed_topk_ = std::make_unique<StreamedTopK>(header(), *stream_->moments, options);
}

StreamedTopK& Explorer::streamed_topk() {
  if (!streamed_topk_) throw Error("no streamed top-K fit is in progress: begin one first");
  return *streamed_topk_;
}

void Explorer::finish_streamed_topk() {
  StreamedTopK& fit = streamed_topk();
  PcaModel model = fit.model();
  const int passes = fit.passes();
  streamed_topk_.reset();
  set_model(std::move(model), FitReport{SolverKind::Randomized, passes});
}

void Explorer::finish_file_with_basis() {
  if (!reading_) throw Error("no file is being read: begin a file before finishing it");
  BasisArrays arrays = std::move(basis_arrays_);
  basis_arrays_ = BasisArrays{};
  // finish_file() replaces the stack and drops the model: keep both aside until the basis has
  // been checked against the new images, and put them back if it does not fit.
  std::unique_ptr<ImageStack> old_images = std::move(images_);
  std::optional<NpyHeader> old_header = std::exchange(header_, std::nullopt);
  std::optional<PcaModel> old_model = std::exchange(model_, std::nullopt);
  std::optional<StreamedRows> old_stream = std::exchange(stream_, std::nullopt);
  const std::optional<BasisSource> old_basis = basis_;
  try {
    finish_file();
    BasisModel built = model_from_basis(arrays, *images_);
    model_ = std::move(built.model);
    exact_fit_.reset();
    figure_memo_.reset();
    report_.reset();
    basis_ = BasisSource{built.variance_from_file, built.ratio_from_file};
  } catch (...) {
    images_ = std::move(old_images);
    header_ = std::move(old_header);
    model_ = std::move(old_model);
    stream_ = std::move(old_stream);
    basis_ = old_basis;
    throw;
  }
}

}  // namespace pcarecon
