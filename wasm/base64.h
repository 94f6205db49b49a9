#pragma once
// Base64 (RFC 4648, with padding) for plotly's {dtype, bdata, shape} typed arrays.

#include <cstddef>
#include <cstdint>
#include <string>

namespace pcarecon {

std::string base64_encode(const uint8_t* bytes, size_t size);

}  // namespace pcarecon
