#include "colormaps.h"

#include <cmath>
#include <cstdio>
#include <optional>

#include "colormap_tables.h"
#include "error.h"
#include "number_text.h"

namespace pcarecon {
namespace {

// The figure's colours before colour maps could be chosen, kept exactly: plain black to white,
// and a five-colour subset of ColorBrewer's RdBu.
const char* const kGrey[] = {"#000000", "#ffffff"};
const char* const kRedBlue[] = {"#2166ac", "#92c5de", "#f7f7f7", "#f4a582", "#b2182b"};

// A map's name and its stops, evenly spaced, first = lowest value.
struct NamedMap {
  const char* name;
  const char* const* stops;
  size_t count;
};

template <size_t N>
constexpr NamedMap named_map(const char* name, const char* const (&stops)[N]) {
  return {name, stops, N};
}

// Each enum's maps, in its order (an enum value indexes its map).
const NamedMap kImageMaps[] = {
    named_map("grey", kGrey), named_map("viridis", colormap_tables::kViridis),
    named_map("cividis", colormap_tables::kCividis), named_map("magma", colormap_tables::kMagma)};
const NamedMap kResidualMaps[] = {named_map("red-blue", kRedBlue),
                                  named_map("purple-orange", colormap_tables::kPurpleOrange)};

template <class Map, size_t N>
const NamedMap& map_of(Map map, const NamedMap (&maps)[N]) {
  const auto i = static_cast<size_t>(map);
  if (i >= N) throw internal_error("unknown colour map");
  return maps[i];
}

// The map named `name`, or std::nullopt.
template <class Map, size_t N>
std::optional<Map> map_named(const std::string& name, const NamedMap (&maps)[N]) {
  for (size_t i = 0; i < N; ++i)
    if (name == maps[i].name) return static_cast<Map>(i);
  return std::nullopt;
}

Rgb parse_hex(const char* hex) {
  unsigned r = 0, g = 0, b = 0;
  if (std::sscanf(hex, "#%2x%2x%2x", &r, &g, &b) != 3)
    throw internal_error(std::string("bad colour in a table: ") + hex);
  return Rgb{uint8_t(r), uint8_t(g), uint8_t(b)};
}

std::vector<Rgb> parsed(const NamedMap& map) {
  std::vector<Rgb> out;
  for (size_t i = 0; i < map.count; ++i) out.push_back(parse_hex(map.stops[i]));
  return out;
}

nlohmann::json colorscale_of(const NamedMap& map) {
  nlohmann::json scale = nlohmann::json::array();
  const size_t last = map.count - 1;
  for (size_t i = 0; i <= last; ++i) {
    // The ends exactly 0 and 1 (plotly requires them); stops between at i / last.
    const double at = i == last ? 1.0 : double(i) / double(last);
    scale.push_back(nlohmann::json::array({at, map.stops[i]}));
  }
  return scale;
}

}  // namespace

ImageColormap image_colormap_named(const std::string& name) {
  if (const auto map = map_named<ImageColormap>(name, kImageMaps)) return *map;
  throw Error("unknown colour map '" + name + "': choose grey, viridis, cividis or magma");
}

ResidualColormap residual_colormap_named(const std::string& name) {
  if (const auto map = map_named<ResidualColormap>(name, kResidualMaps)) return *map;
  throw Error("unknown residual colour map '" + name + "': choose red-blue or purple-orange");
}

ScaleMode scale_mode_named(const std::string& name) {
  if (name == "fixed") return ScaleMode::fixed;
  if (name == "frame") return ScaleMode::per_frame;
  throw Error("unknown colour scale mode '" + name +
              "': choose fixed (one range for every frame) or frame (each frame its own)");
}

double checked_clip_percent(double percent) {
  if (!(percent >= 0 && percent <= kMaxClipPercent))
    throw Error("clipping of " + number_text(percent) + " % is out of range: choose 0 (none) to " +
                std::to_string(int(kMaxClipPercent)) + " %");
  return percent;
}

std::string name_of(ImageColormap map) { return map_of(map, kImageMaps).name; }
std::string name_of(ResidualColormap map) { return map_of(map, kResidualMaps).name; }

std::string name_of(ScaleMode mode) { return mode == ScaleMode::fixed ? "fixed" : "frame"; }

std::vector<Rgb> colour_stops(ImageColormap map) { return parsed(map_of(map, kImageMaps)); }
std::vector<Rgb> colour_stops(ResidualColormap map) { return parsed(map_of(map, kResidualMaps)); }

nlohmann::json plotly_colorscale(ImageColormap map) {
  return colorscale_of(map_of(map, kImageMaps));
}
nlohmann::json plotly_colorscale(ResidualColormap map) {
  return colorscale_of(map_of(map, kResidualMaps));
}

}  // namespace pcarecon
