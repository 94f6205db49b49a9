#pragma once
// The colour maps' stops, generated from Debian's matplotlib by scripts/colormap-tables
// (colormap_tables.cpp): 256 stops for viridis, cividis and magma, 11 for ColorBrewer's PuOr.

namespace pcarecon::colormap_tables {

extern const char* const kViridis[256];
extern const char* const kCividis[256];
extern const char* const kMagma[256];
extern const char* const kPurpleOrange[11];  // reversed PuOr: purple (negative) to orange

}  // namespace pcarecon::colormap_tables
