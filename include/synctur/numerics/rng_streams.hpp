// The random stream identifiers: RngKey::bath of each noise source (as HOOMD's
// RNGIdentifiers.h).  Every stream is (seed, unit/trajectory, bath id); a new noise source gets
// a new id here, so two sources can never share a stream.  Changing a value changes every
// simulated number.
#pragma once

#include <cstdint>

namespace synctur {

inline constexpr std::uint32_t kDrivenBathId = 1;  ///< xi_1, the driven Drude bath (nu = 1)
inline constexpr std::uint32_t kStaticBathId = 2;  ///< xi_2, the static Ohmic bath (nu = 2)

}  // namespace synctur
