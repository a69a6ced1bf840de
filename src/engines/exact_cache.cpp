// ExactCache (exact.hpp): a memo of exact_point() solves, keyed bitwise on the parameters and
// the options.
#include <bit>
#include <cstdint>
#include <string>
#include <utility>

#include "synctur/engines/exact.hpp"

namespace synctur {

namespace {

/// Bitwise equality of two doubles (a cache key: -0.0 and 0.0 differ, NaN equals itself).
bool same(double a, double b) {
  return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b);
}

// Every field of ModelParams and ExactOptions (a new field must be added here: the sizes below
// catch most additions).
static_assert(sizeof(ModelParams) == 14 * sizeof(double), "ModelParams changed: update same()");
static_assert(sizeof(ExactOptions) == 11 * sizeof(double), "ExactOptions changed: update same()");

bool same(const ModelParams& a, const ModelParams& b) {
  return same(a.mass, b.mass) && same(a.omega_A, b.omega_A) && same(a.omega_B, b.omega_B) &&
         same(a.gamma_2, b.gamma_2) && same(a.T_2, b.T_2) && same(a.gamma_1, b.gamma_1) &&
         same(a.cutoff, b.cutoff) && same(a.T_1, b.T_1) && same(a.Omega, b.Omega) &&
         same(a.phi, b.phi) && same(a.r, b.r) && a.classical == b.classical &&
         same(a.quartic_A, b.quartic_A) && same(a.quartic_B, b.quartic_B);
}

bool same(const ExactOptions& a, const ExactOptions& b) {
  return same(a.rtol, b.rtol) && same(a.atol_rel, b.atol_rel) && a.max_panels == b.max_panels &&
         same(a.hill_tol, b.hill_tol) && a.hill_min == b.hill_min && a.hill_max == b.hill_max &&
         a.hill_check == b.hill_check && a.fluctuations == b.fluctuations &&
         a.omega_derivative == b.omega_derivative && same(a.omega_step, b.omega_step) &&
         a.shifts == b.shifts && same(a.noise_band_limit, b.noise_band_limit) &&
         same(a.noise_taper, b.noise_taper) && a.noise_taper_shape == b.noise_taper_shape;
}

}  // namespace

ExactResult ExactCache::get(const ModelParams& p, const ExactOptions& opt,
                            std::string* stability_message) {
  for (const Entry& e : entries_)
    if (same(e.p, p) && same(e.opt, opt)) {
      ++hits_;
      if (stability_message) *stability_message = e.message;
      return e.result;
    }
  Entry e{p, opt, {}, {}};
  e.result = exact_point(p, opt, &e.message, this);
  ++solves_;
  if (stability_message) *stability_message = e.message;
  entries_.push_back(std::move(e));
  return entries_.back().result;
}

}  // namespace synctur
