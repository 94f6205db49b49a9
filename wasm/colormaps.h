#pragma once
// The colours of the figure's gray images: a colour map for the original and the reconstruction,
// a diverging one for the signed residual, and how their value ranges are chosen (one range for
// every frame, or each frame its own, with percentile clipping). Colour (RGB) images keep their
// own colours and ignore all of this.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace pcarecon {

enum class ImageColormap { grey, viridis, cividis, magma };
// red-blue: ColorBrewer's RdBu (blue negative, red positive); purple-orange: ColorBrewer's PuOr
// (purple negative, orange positive), whose arms stay apart under red–green colour blindness.
enum class ResidualColormap { red_blue, purple_orange };
enum class ScaleMode { fixed, per_frame };

struct ColourOptions {
  ImageColormap image = ImageColormap::grey;
  ResidualColormap residual = ResidualColormap::red_blue;
  ScaleMode scale = ScaleMode::fixed;
  // 0 (none) to kMaxClipPercent: values below the p-th and above the (100 − p)-th percentile
  // take the end colours, so a few extreme pixels do not wash out the rest.
  double clip_percent = 0;
};

constexpr double kMaxClipPercent = 25;

// The names the page, its URL hash and the module's options use; an Error names any other value
// and lists the accepted ones.
ImageColormap image_colormap_named(const std::string& name);        // grey|viridis|cividis|magma
ResidualColormap residual_colormap_named(const std::string& name);  // red-blue|purple-orange
ScaleMode scale_mode_named(const std::string& name);                // fixed|frame
double checked_clip_percent(double percent);                        // Error outside 0..25

std::string name_of(ImageColormap map);
std::string name_of(ResidualColormap map);
std::string name_of(ScaleMode mode);

struct Rgb {
  uint8_t r = 0, g = 0, b = 0;
  bool operator==(const Rgb& o) const { return r == o.r && g == o.g && b == o.b; }
};

// The map's stops, evenly spaced from the lowest value to the highest.
std::vector<Rgb> colour_stops(ImageColormap map);
std::vector<Rgb> colour_stops(ResidualColormap map);

// The same as a plotly colour scale: [[0, "#rrggbb"], …, [1, "#rrggbb"]].
nlohmann::json plotly_colorscale(ImageColormap map);
nlohmann::json plotly_colorscale(ResidualColormap map);

}  // namespace pcarecon
