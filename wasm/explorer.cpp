#include "explorer.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <utility>

#include "error.h"

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
  pending_hint_ = hint;
  // The sink runs inside pending_reader_->feed()/finish(), so the reader is there to ask for
  // the stack's size when the first rows arrive. Explorer cannot be moved, so `this` stays valid.
  pending_reader_ = std::make_unique<NpyStreamReader>(
      [this](const Eigen::Ref<const RowMatrixF>& rows, int64_t first_row) {
        if (pending_stream_) return stream_rows(rows, first_row);
        if (!pending_) {
          auto stack = std::make_unique<ImageStack>();
          stack->image = pending_reader_->image_shape();
          stack->rows.resize(pending_reader_->samples(), stack->image.values());
          pending_ = std::move(stack);
        }
        if (first_row < 0 || rows.cols() != pending_->rows.cols() ||
            first_row + rows.rows() > pending_->rows.rows())
          throw internal_error("the reader delivered rows outside the stack");
        pending_->rows.middleRows(first_row, rows.rows()) = rows;
      },
      hint, kMemoryLimitBytes);
  pending_reader_->set_stream_check([this](const NpyHeader& header, const ImageShape& image) {
    return decide_stream(header, image);
  });
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
    if (pending_stream_) {
      finish_streamed();  // replaces the stack itself, or throws
      cancel_file();
      return;
    }
    if (!pending_) {  // no rows were delivered: an empty stack (the reader normally refuses these)
      auto stack = std::make_unique<ImageStack>();
      stack->image = pending_reader_->image_shape();
      stack->rows.resize(pending_reader_->samples(), stack->image.values());
      pending_ = std::move(stack);
    }
    if (pending_reader_->rows_delivered() != pending_->samples())
      throw internal_error(std::to_string(pending_reader_->rows_delivered()) + " of " +
                           std::to_string(pending_->samples()) + " samples were read");
    pending_->value_min = pending_reader_->value_min();
    pending_->value_max = pending_reader_->value_max();
    NpyHeader header = pending_reader_->header();
    // Nothing below throws: the new stack replaces the old one as a whole.
    header_ = std::move(header);
    images_ = std::move(pending_);
    partial_fit_.reset();
    stream_.reset();
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
  pending_stream_.reset();
}

std::optional<StackInfo> Explorer::pending_info() const {
  if (!pending_reader_ || !pending_reader_->has_header()) return std::nullopt;
  StackInfo info;
  info.header = pending_reader_->header();
  info.image = pending_reader_->image_shape();
  info.samples = pending_reader_->samples();
  info.value_min = pending_reader_->value_min();
  info.value_max = pending_reader_->value_max();
  if (pending_stream_) {
    info.streamed = pending_stream_->info;
    info.samples = pending_stream_->info.kept_samples;
    if (pending_stream_->has_range) {
      const bool own = pending_reader_->rows_delivered() > pending_reader_->first_row();
      info.value_min =
          own ? std::min(info.value_min, pending_stream_->value_min) : pending_stream_->value_min;
      info.value_max =
          own ? std::max(info.value_max, pending_stream_->value_max) : pending_stream_->value_max;
    }
  }
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
    PcaModel model = fit_pca(*stream_->rows, n_components);
    model_ = std::move(model);
    ++fit_count_;
    return;
  }
  PcaOptions options;
  options.n_components = n_components;
  PcaModel model = fit_pca(stack.rows, options);
  model_ = std::move(model);
  basis_.reset();
  ++fit_count_;
}

void Explorer::fit_from(int64_t n_components, const CovarianceAccumulator& all_rows) {
  const ImageStack& stack = images();
  const int64_t n = total_samples();
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

namespace {
std::string rows_range_error(int64_t first, int64_t end, int64_t n) {
  return "rows " + std::to_string(first) + " to " + std::to_string(end) +
         " are not a range of the " + std::to_string(n) + " samples";
}
}  // namespace

RowMatrixF::ConstRowsBlockXpr Explorer::rows(int64_t first, int64_t count) const {
  const RowMatrixF& all = images().rows;
  if (first < 0 || count < 0 || first > all.rows() || count > all.rows() - first)
    throw Error(rows_range_error(first, first + count, all.rows()));
  return all.middleRows(first, count);
}

void Explorer::accumulate_rows(int64_t begin, int64_t end) {
  const RowMatrixF& all = images().rows;
  if (begin < 0 || end < begin || end > all.rows())
    throw Error(rows_range_error(begin, end, all.rows()));
  partial_fit_.reset();
  CovarianceAccumulator accumulator(all.cols());
  accumulator.add(all.middleRows(begin, end - begin));
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
  return build_figure(stack, model(), options);
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

// ---- bring your own basis
// ------------------------------------------------------------------------

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

// ---- Streamed mode: files larger than memory ------------------------------------------------

namespace {

std::string gigabytes(long double bytes) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.2Lf GB", bytes / 1e9L);
  return buffer;
}

}  // namespace

int64_t Explorer::total_samples() const {
  return stream_ ? stream_->info.total_samples : images().samples();
}

// The reader's stream check: whether the file just announced is streamed. Runs before the
// reader's own size checks, which then skip the whole-matrix limits for a streamed file.
bool Explorer::decide_stream(const NpyHeader& header, const ImageShape& image) {
  const int64_t n = header.shape[0], d = image.values();
  const long double bytes = static_cast<long double>(n) * static_cast<long double>(d) * 4;
  const bool fits = bytes < static_cast<long double>(kMemoryLimitBytes);
  if (bytes <= static_cast<long double>(stream_above_bytes_) && fits) return false;
  // Why it cannot be streamed, if it cannot.
  std::string why;
  const long double covariance = static_cast<long double>(d) * static_cast<long double>(d) * 8;
  if (header.fortran_order)
    why =
        "a Fortran-order file cannot be streamed either, since its samples are interleaved: "
        "save it C-contiguous (np.save(path, np.ascontiguousarray(a))) to have it streamed";
  else if (n < d)
    why =
        "it cannot be streamed either: the PCA of a streamed file needs at least as many "
        "samples as pixels (" +
        std::to_string(n) + " < " + std::to_string(d) + ")";
  else if (covariance > static_cast<long double>(kStreamMaxCovarianceBytes))
    why = "it cannot be streamed either: images of " + std::to_string(d) + " pixels need a " +
          std::to_string(d) + "x" + std::to_string(d) + " covariance matrix of " +
          gigabytes(covariance) + " (at most " + gigabytes(kStreamMaxCovarianceBytes) + ")";
  if (!why.empty()) {
    if (fits) return false;  // held whole, as any file below the limit
    try {
      check_memory_limit(n, image, kMemoryLimitBytes);
    } catch (const Error& e) {
      throw e.extended("; " + why);
    }
  }
  Stream stream;
  stream.info.total_samples = n;
  const uint64_t row_bytes = static_cast<uint64_t>(d) * sizeof(float);
  stream.info.kept_samples =
      std::clamp<int64_t>(static_cast<int64_t>(stream_window_bytes_ / row_bytes), 1, n);
  stream.info.data_offset = header.data_offset;
  stream.info.sample_bytes = static_cast<uint64_t>(d) * header.item_size;
  pending_stream_ = std::move(stream);
  return true;
}

// The reader's sink for a streamed file: every row into the covariance, the first ones kept.
void Explorer::stream_rows(const Eigen::Ref<const RowMatrixF>& rows, int64_t first_row) {
  Stream& s = *pending_stream_;
  const int64_t d = rows.cols();
  // Allocated with the first rows, not at the header: a short file costs no more than its size.
  if (!s.rows) s.rows.emplace(d);
  if (!pending_) {
    auto stack = std::make_unique<ImageStack>();
    stack->image = pending_reader_->image_shape();
    stack->rows.resize(s.info.kept_samples, stack->image.values());
    pending_ = std::move(stack);
  }
  if (first_row < 0 || d != pending_->rows.cols() || first_row + rows.rows() > s.info.total_samples)
    throw internal_error("the reader delivered rows outside the file");
  if (first_row < s.info.kept_samples) {
    const int64_t take = std::min<int64_t>(rows.rows(), s.info.kept_samples - first_row);
    pending_->rows.middleRows(first_row, take) = rows.topRows(take);
  }
  // NaN/Inf: the reader counts them and its finish() names the first; the covariance just stops.
  if (s.non_finite) return;
  if (!rows.allFinite()) {
    s.non_finite = true;
    return;
  }
  s.rows->add(rows);
}

void Explorer::read_rows(int64_t begin, int64_t end) {
  if (!pending_reader_) throw Error("no file is being read: begin a file before choosing its rows");
  if (!pending_reader_->has_header())
    throw Error("the file's header has not been read yet: feed it before choosing its rows");
  if (!pending_stream_)
    throw Error("only a streamed file can be read in parts: this one is held whole in memory");
  try {
    pending_reader_->read_rows(begin, end);
  } catch (...) {
    cancel_file();
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

StreamedPart Explorer::finish_part() {
  if (!pending_reader_) throw Error("no file is being read: begin a file before finishing it");
  StreamedPart part;
  try {
    pending_reader_->finish_data();  // NaN/Inf are handed over with the part, not reported here
    if (!pending_reader_->has_header())
      throw Error("file is truncated: it ends before the end of its .npy header (" +
                  plural(int64_t(pending_reader_->bytes_fed()), "byte", "bytes") + " read)");
    if (!pending_stream_)
      throw Error("only a streamed file can be read in parts: this one is held whole in memory");
    Stream& s = *pending_stream_;
    if (!s.parts.empty())
      throw Error(
          "a part that holds merged parts cannot be handed over: merge them where the "
          "file is finished");
    part.begin = pending_reader_->first_row();
    part.end = pending_reader_->end_row();
    part.non_finite = pending_reader_->non_finite();
    if (!s.rows) s.rows.emplace(pending_reader_->image_shape().values());
    if (part.non_finite.count == 0 && s.rows->count() != part.end - part.begin)
      throw internal_error(std::to_string(s.rows->count()) + " of the " +
                           std::to_string(part.end - part.begin) +
                           " samples of the part were accumulated");
    part.value_min = pending_reader_->value_min();
    part.value_max = pending_reader_->value_max();
    part.rows = s.rows->state();
  } catch (...) {
    cancel_file();
    throw;
  }
  cancel_file();
  return part;
}

void Explorer::merge_part(const StreamedPart& part) {
  if (!pending_reader_ || !pending_stream_)
    throw Error("no streamed file is being read: a part can only be merged into one");
  Stream& s = *pending_stream_;
  const int64_t n = s.info.total_samples;
  const int64_t d = pending_reader_->image_shape().values();
  const auto range = [](int64_t b, int64_t e) {
    return "samples " + std::to_string(b) + " to " + std::to_string(e);
  };
  if (part.begin < 0 || part.end < part.begin || part.end > n)
    throw Error("part: " + range(part.begin, part.end) + " are not a range of the " +
                std::to_string(n) + " samples");
  const auto& bad = part.non_finite;
  const uint64_t part_values =
      static_cast<uint64_t>(part.end - part.begin) * static_cast<uint64_t>(d);
  const uint64_t part_first = static_cast<uint64_t>(part.begin) * static_cast<uint64_t>(d);
  if (bad.count > part_values || bad.overflow > bad.count ||
      (bad.count > 0 && (bad.first < part_first || bad.first - part_first >= part_values)))
    throw Error("part: its count of NaN or infinite values (" + std::to_string(bad.count) +
                ", the first at value " + std::to_string(bad.first) + ") does not fit " +
                range(part.begin, part.end));
  if (bad.count == 0 && part.rows.count != part.end - part.begin)
    throw Error("part: its covariance holds " + std::to_string(part.rows.count) + " rows for " +
                range(part.begin, part.end));
  std::vector<std::pair<int64_t, int64_t>> taken = s.parts;
  taken.emplace_back(pending_reader_->first_row(), pending_reader_->end_row());
  for (const auto& [b, e] : taken)
    if (part.begin < e && b < part.end)
      throw Error("part: " + range(part.begin, part.end) + " overlap " + range(b, e) +
                  ", already read");
  if (part.begin == part.end) return;
  if (bad.count > 0) {
    // The file cannot load: finish_file() reports the NaN/Inf of every part, the first of them.
    pending_reader_->add_non_finite(bad);
    s.parts.emplace_back(part.begin, part.end);
    return;
  }
  const CovarianceAccumulator other = CovarianceAccumulator::from_state(part.rows);
  if (other.dim() != d)
    throw Error("part: its rows have " + std::to_string(other.dim()) + " values; the file's have " +
                std::to_string(d));
  if (!std::isfinite(part.value_min) || !std::isfinite(part.value_max) ||
      part.value_min > part.value_max)
    throw Error("part: its value range is not valid");
  if (!s.rows) s.rows.emplace(d);
  s.rows->merge(other);
  s.parts.emplace_back(part.begin, part.end);
  s.value_min = s.has_range ? std::min(s.value_min, part.value_min) : part.value_min;
  s.value_max = s.has_range ? std::max(s.value_max, part.value_max) : part.value_max;
  s.has_range = true;
}

// finish_file() of a streamed file, once its reader has finished: checks that every sample was
// read once (here or in a merged part), then replaces the stack. Throws before changing anything.
void Explorer::finish_streamed() {
  Stream& s = *pending_stream_;
  const int64_t n = s.info.total_samples;
  const int64_t d = pending_reader_->image_shape().values();
  const int64_t own_begin = pending_reader_->first_row(), own_end = pending_reader_->end_row();
  std::vector<std::pair<int64_t, int64_t>> ranges = s.parts;
  ranges.emplace_back(own_begin, own_end);
  std::sort(ranges.begin(), ranges.end());
  int64_t next = 0;
  for (const auto& [b, e] : ranges) {
    if (b != next)
      throw Error(b > next ? ErrorKind::PartsIncomplete : ErrorKind::BadInput,
                  "samples " + std::to_string(std::min(b, next)) + " to " +
                      std::to_string(std::max(b, next)) +
                      (b > next ? " of the streamed file were not read" : " were read twice"));
    next = e;
  }
  if (next != n)
    throw Error(ErrorKind::PartsIncomplete, "samples " + std::to_string(next) + " to " +
                                                std::to_string(n) +
                                                " of the streamed file were not read");
  if (own_begin != 0)
    throw Error(
        "the first samples of a streamed file must be read where it is kept (this part "
        "starts at sample " +
        std::to_string(own_begin) + ")");
  if (!s.rows) s.rows.emplace(d);
  if (s.rows->count() != n)
    throw internal_error(std::to_string(s.rows->count()) + " of " + std::to_string(n) +
                         " samples were accumulated");
  // Kept: the first rows, as many as were read here (all of the window unless the split was odd).
  const int64_t kept = std::min(s.info.kept_samples, own_end);
  if (kept < 1) throw internal_error("no sample of the streamed file is kept");
  if (!pending_ || pending_->rows.rows() < kept)
    throw internal_error("the kept samples of the streamed file were not read");
  if (pending_->rows.rows() > kept) pending_->rows.conservativeResize(kept, d);
  s.info.kept_samples = kept;
  const bool own = own_end > own_begin;
  float lo = pending_reader_->value_min(), hi = pending_reader_->value_max();
  if (s.has_range) {
    lo = own ? std::min(lo, s.value_min) : s.value_min;
    hi = own ? std::max(hi, s.value_max) : s.value_max;
  }
  pending_->value_min = lo;
  pending_->value_max = hi;
  NpyHeader header = pending_reader_->header();
  // Nothing below throws: the new stack replaces the old one as a whole.
  header_ = std::move(header);
  images_ = std::move(pending_);
  partial_fit_.reset();
  stream_ = std::move(pending_stream_);
  pending_stream_.reset();
  model_.reset();
}

}  // namespace pcarecon
