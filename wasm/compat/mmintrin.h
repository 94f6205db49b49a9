// Emscripten 3.1.6 ships xmmintrin.h..nmmintrin.h (SSE on wasm SIMD) but no MMX header, which
// Eigen's SSE path includes. Nothing of MMX is used, so an empty header suffices.
#pragma once
