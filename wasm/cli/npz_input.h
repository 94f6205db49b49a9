#pragma once
// A .npz archive as the CLI's input, loaded by the page's rules (web/worker/archive-loader.js):
// every member is described from its .npy header; the stack of images loaded is the one named
// (--array) or else the only member that is an image stack; an archive holding `components` and
// `mean` is a basis file, whose images are reconstructed from that basis (basis.h) instead of a
// fit.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "basis.h"
#include "image_stack.h"
#include "npy_reader.h"
#include "npz_archive.h"

namespace pcarecon {

// One member as the page lists it in its array chooser.
struct NpzMemberInfo {
  std::string name;  // the key numpy.load gives it
  std::optional<NpyHeader> header;
  bool image = false;       // an image stack as it stands
  std::string note;         // why not (or why it cannot be read); empty for an image stack
  bool unreadable = false;  // the member itself could not be read (encrypted, bzip2, corrupt)
  const NpzMember* entry = nullptr;
};

std::vector<NpzMemberInfo> describe_members(const NpzArchive& archive);
bool is_basis_archive(const std::vector<NpzMemberInfo>& members);  // components and mean
// {"archive": true, "basis": bool, "members": [{"name", "shape", "dtype", "image", "note"}]}
nlohmann::json members_json(const std::vector<NpzMemberInfo>& members);

// The member to load: the one named `array`, else the only stack of images (not counting a
// basis' own arrays). Throws Error naming what is missing: no such member, no images, or several
// stacks with no --array.
const NpzMemberInfo& choose_member(const std::vector<NpzMemberInfo>& members,
                                   const std::optional<std::string>& array);

struct NpzInput {
  std::string member;  // the key of the images loaded
  NpyHeader header;    // of that member
  ImageStack images;
  std::optional<BasisModel> basis;  // set for a basis file: its model checked against the images
};

// Loads the chosen images (hint: the H×W of an (N, D) member) and, for a basis file, the model
// of its basis (model_from_basis: its messages name the values at fault).
NpzInput load_npz(const NpzArchive& archive, const std::optional<std::string>& array,
                  std::optional<ImageShape> hint);

}  // namespace pcarecon
