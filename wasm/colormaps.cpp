#include "colormaps.h"

#include <cmath>
#include <cstdio>
#include <iterator>

#include "colormap_tables.h"
#include "error.h"
#include "number_text.h"

namespace pcarecon {
namespace {

// The figure's colours before colour maps could be chosen, kept exactly: plain black to white,
// and a five-colour subset of ColorBrewer's RdBu.
const char* const kGrey[] = {"#000000", "#ffffff"};
const char* const kRedBlue[] = {"#2166ac", "#92c5de", "#f7f7f7", "#f4a582", "#b2182b"};

template <size_t N>
std::vector<const char*> hexes(const char* const (&table)[N]) {
  return std::vector<const char*>(std::begin(table), std::end(table));
}

std::vector<const char*> table_of(ImageColormap map) {
  switch (map) {
    case ImageColormap::grey:
      return hexes(kGrey);
    case ImageColormap::viridis:
      return hexes(colormap_tables::kViridis);
    case ImageColormap::cividis:
      return hexes(colormap_tables::kCividis);
    case ImageColormap::magma:
      return hexes(colormap_tables::kMagma);
  }
  throw internal_error("unknown image colour map");
}

std::vector<const char*> table_of(ResidualColormap map) {
  switch (map) {
    case ResidualColormap::red_blue:
      return hexes(kRedBlue);
    case ResidualColormap::purple_orange:
      return hexes(colormap_tables::kPurpleOrange);
  }
  throw internal_error("unknown residual colour map");
}

Rgb parse_hex(const char* hex) {
  unsigned r = 0, g = 0, b = 0;
  if (std::sscanf(hex, "#%2x%2x%2x", &r, &g, &b) != 3)
    throw internal_error(std::string("bad colour in a table: ") + hex);
  return Rgb{uint8_t(r), uint8_t(g), uint8_t(b)};
}

std::vector<Rgb> parsed(const std::vector<const char*>& table) {
  std::vector<Rgb> out;
  for (const char* hex : table) out.push_back(parse_hex(hex));
  return out;
}

nlohmann::json colorscale_of(const std::vector<const char*>& table) {
  nlohmann::json scale = nlohmann::json::array();
  const size_t last = table.size() - 1;
  for (size_t i = 0; i <= last; ++i) {
    // The ends exactly 0 and 1 (plotly requires them); stops between at i / last.
    const double at = i == last ? 1.0 : double(i) / double(last);
    scale.push_back(nlohmann::json::array({at, table[i]}));
  }
  return scale;
}

}  // namespace

ImageColormap image_colormap_named(const std::string& name) {
  if (name == "grey") return ImageColormap::grey;
  if (name == "viridis") return ImageColormap::viridis;
  if (name == "cividis") return ImageColormap::cividis;
  if (name == "magma") return ImageColormap::magma;
  throw Error("unknown colour map '" + name + "': choose grey, viridis, cividis or magma");
}

ResidualColormap residual_colormap_named(const std::string& name) {
  if (name == "red-blue") return ResidualColormap::red_blue;
  if (name == "purple-orange") return ResidualColormap::purple_orange;
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

std::string name_of(ImageColormap map) {
  switch (map) {
    case ImageColormap::grey:
      return "grey";
    case ImageColormap::viridis:
      return "viridis";
    case ImageColormap::cividis:
      return "cividis";
    case ImageColormap::magma:
      return "magma";
  }
  return "?";
}

std::string name_of(ResidualColormap map) {
  return map == ResidualColormap::red_blue ? "red-blue" : "purple-orange";
}

std::string name_of(ScaleMode mode) { return mode == ScaleMode::fixed ? "fixed" : "frame"; }

std::vector<Rgb> colour_stops(ImageColormap map) { return parsed(table_of(map)); }
std::vector<Rgb> colour_stops(ResidualColormap map) { return parsed(table_of(map)); }

nlohmann::json plotly_colorscale(ImageColormap map) { return colorscale_of(table_of(map)); }
nlohmann::json plotly_colorscale(ResidualColormap map) { return colorscale_of(table_of(map)); }

}  // namespace pcarecon
