#include "npz_input.h"

#include <algorithm>
#include <new>

#include "error.h"

namespace pcarecon {
namespace {

constexpr size_t kNpyHeadBytes = 4096;        // a NumPy header is 128 bytes or a little more
constexpr size_t kNpyMaxHeadBytes = 1 << 20;  // the reader's own limit on a header

const char* const kBasisArrays[] = {"components", "mean", "explained_variance",
                                    "explained_variance_ratio"};

std::string joined_names(const std::vector<NpzMemberInfo>& members, bool keys) {
  std::string out;
  for (const NpzMemberInfo& m : members) {
    if (!out.empty()) out += ", ";
    out += keys ? m.name : m.entry->name;
  }
  return out.empty() ? "none" : out;
}

const NpzMemberInfo* find_info(const std::vector<NpzMemberInfo>& members, const std::string& name) {
  for (const NpzMemberInfo& m : members)
    if (m.name == name) return &m;
  return nullptr;
}

}  // namespace

std::vector<NpzMemberInfo> describe_members(const NpzArchive& archive) {
  std::vector<NpzMemberInfo> out;
  for (const NpzMember& entry : archive.members()) {
    NpzMemberInfo item;
    item.name = entry.key;
    item.entry = &entry;
    if (!entry.npy) {
      item.note = "not a .npy file";
      out.push_back(std::move(item));
      continue;
    }
    try {
      for (size_t want = kNpyHeadBytes; !item.header; want *= 16) {
        const std::vector<uint8_t> head =
            archive.read_head(entry, std::min(want, kNpyMaxHeadBytes));
        item.header = parse_npy_header(head.data(), head.size());
        if (!item.header && (head.size() < want || want >= kNpyMaxHeadBytes))
          throw Error("its .npy header is incomplete");
      }
      try {
        image_shape_for(*item.header);
        item.image = true;
      } catch (const Error& e) {
        item.note = e.what();
      }
    } catch (const Error& e) {
      item.note = e.what();
      item.unreadable = true;
    }
    out.push_back(std::move(item));
  }
  return out;
}

bool is_basis_archive(const std::vector<NpzMemberInfo>& members) {
  return find_info(members, "components") && find_info(members, "mean");
}

nlohmann::json members_json(const std::vector<NpzMemberInfo>& members) {
  nlohmann::json list = nlohmann::json::array();
  for (const NpzMemberInfo& m : members) {
    list.push_back({{"name", m.name},
                    {"shape", m.header ? nlohmann::json(m.header->shape) : nlohmann::json()},
                    {"dtype", m.header ? nlohmann::json(m.header->descr) : nlohmann::json()},
                    {"image", m.image},
                    {"note", m.note.empty() ? nlohmann::json() : nlohmann::json(m.note)}});
  }
  return {{"archive", true}, {"basis", is_basis_archive(members)}, {"members", list}};
}

const NpzMemberInfo& choose_member(const std::vector<NpzMemberInfo>& members,
                                   const std::optional<std::string>& array) {
  const std::string names = joined_names(members, false);
  if (std::none_of(members.begin(), members.end(),
                   [](const NpzMemberInfo& m) { return m.entry->npy; }))
    throw Error("the .npz archive holds no .npy arrays (its members: " + names +
                "); save the images with numpy.savez");
  if (array) {
    const NpzMemberInfo* chosen = find_info(members, *array);
    if (!chosen)
      throw Error("the .npz archive has no array named '" + *array + "' (it holds " + names + ")");
    if (!chosen->entry->npy)
      throw Error(chosen->entry->name + " in the .npz archive is not a .npy array");
    return *chosen;
  }
  const bool basis = is_basis_archive(members);
  std::vector<const NpzMemberInfo*> candidates;
  for (const NpzMemberInfo& m : members) {
    const bool basis_array = basis && std::find(std::begin(kBasisArrays), std::end(kBasisArrays),
                                                m.name) != std::end(kBasisArrays);
    if (m.image && !basis_array) candidates.push_back(&m);
  }
  if (candidates.size() == 1) return *candidates[0];
  if (candidates.size() > 1) {
    std::string list;
    for (const NpzMemberInfo* m : candidates) list += (list.empty() ? "" : ", ") + m->name;
    throw Error("the .npz archive holds several stacks of images (" + list +
                "): choose one with --array NAME");
  }
  for (const NpzMemberInfo& m : members)
    if (m.unreadable) throw Error(m.note);  // e.g. encrypted, or bzip2
  if (basis)
    throw Error("the basis file holds no images to reconstruct (its arrays: " + names +
                "); add them to the archive, e.g. images=X[:1000].reshape(-1, H, W)");
  std::string why;
  for (const NpzMemberInfo& m : members)
    why += (why.empty() ? "" : "; ") + m.name + ": " +
           (m.note.empty() ? std::string("not an image stack") : m.note);
  throw Error("the .npz archive holds no stack of images (" + why + ")");
}

NpzInput load_npz(const NpzArchive& archive, const std::optional<std::string>& array,
                  std::optional<ImageShape> hint) {
  const std::vector<NpzMemberInfo> members = describe_members(archive);
  const NpzMemberInfo& chosen = choose_member(members, array);
  NpzInput out;
  out.member = chosen.name;
  ImageStack& stack = out.images;
  // The rows are sized once the reader has checked the header against the member's size, so a
  // hostile header cannot make this allocate more than the member holds.
  NpyStreamReader* reader_of_sink = nullptr;
  NpyStreamReader reader(
      [&](const Eigen::Ref<const RowMatrixF>& block, int64_t first_row) {
        if (stack.rows.rows() == 0) {
          stack.image = reader_of_sink->image_shape();
          try {
            stack.rows.resize(reader_of_sink->samples(), stack.image.values());
          } catch (const std::bad_alloc&) {
            throw Error(ErrorKind::OutOfMemory,
                        "not enough memory to hold " + out.member + " (" +
                            std::to_string(reader_of_sink->samples()) + " images of " +
                            std::to_string(stack.image.values()) + " values)");
          }
        }
        stack.rows.middleRows(first_row, block.rows()) = block;
      },
      hint);
  reader_of_sink = &reader;
  reader.expect_total_size(chosen.entry->size);
  archive.stream(*chosen.entry, [&](const uint8_t* bytes, size_t size) {
    reader.feed(bytes, size);
    return true;
  });
  reader.finish();
  out.header = reader.header();
  stack.value_min = reader.value_min();
  stack.value_max = reader.value_max();

  if (is_basis_archive(members)) {
    BasisArrays arrays;
    for (const char* name : kBasisArrays)
      if (const NpzMemberInfo* m = find_info(members, name)) {
        const std::vector<uint8_t> bytes = archive.read(*m->entry);
        arrays.set(name, bytes.data(), bytes.size());
      }
    out.basis = model_from_basis(arrays, stack);
  }
  return out;
}

}  // namespace pcarecon
