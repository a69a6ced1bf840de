// a b + c with one rounding where the hardware fuses it: the one multiply-add of the engine's
// kernels (dynamics/step_sampling.hpp) and of the scalar quartic kick (dynamics/quartic.hpp), so
// that every lane and the scalar path compute the same bits under any -ffp-contract setting.
#pragma once

#include <cmath>

namespace synctur {

/// a b + c: one fused multiply-add where the hardware has it (one rounding), else a product
/// and a sum (two roundings; std::fma would be a slow software emulation there).  Either way
/// the same in every lane.
inline double madd(double a, double b, double c) {
#ifdef FP_FAST_FMA
  return std::fma(a, b, c);
#else
  return a * b + c;
#endif
}

}  // namespace synctur
