// Force-included (-include) in the WebAssembly build only, to let Eigen 3.4's SSE code run on
// wasm SIMD through Emscripten's SSE-emulation headers (-msimd128 -msse4.2): 3-4x faster than
// scalar wasm for the covariance product.
//
// Eigen picks x86 inline asm for pmin/pmax when it believes GCC < 6.3 compiles it
// (arch/SSE/PacketMath.h, a workaround for GCC bug 72867; see Eigen issue #2742). emcc's clang
// reports itself as GCC 4.2, so Eigen takes that path and the asm cannot compile to wasm. Clang has
// no such bug: after Eigen's own macros are set, we raise EIGEN_COMP_GNUC past 6.3 so the
// intrinsics are used. EIGEN_GNUC_AT_LEAST stays at 4.2, which keeps the GCC-6-only register
// spilling asm of GeneralBlockPanelKernel.h off as well. Eigen itself is used unpatched.
#pragma once
#include <Eigen/src/Core/util/DisableStupidWarnings.h>
#include <Eigen/src/Core/util/Macros.h>
#include <Eigen/src/Core/util/ReenableStupidWarnings.h>
#undef EIGEN_COMP_GNUC
#define EIGEN_COMP_GNUC 63
