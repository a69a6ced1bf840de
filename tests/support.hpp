// Shared builders of the test suite (one definition instead of a copy per test file).
#pragma once

#include "synctur/engines/exact.hpp"
#include "synctur/physics/model.hpp"

namespace synctur::test {

/// The quick-start point as TOML text (inputs/quickstart.toml without [simulation]).
inline const char* const kQuickstartToml = R"([system]
mass = 1.0
omega_A = 1.0
omega_B = 0.6

[static_bath]
gamma = 1.0
temperature = 0.5

[driven_bath]
gamma = 0.01
cutoff = 1.2
temperature = 0.5

[drive]
Omega = 2.0
phi = 1.5707963267948966
r = 0.0
)";

/// The paper's pair (m = 1, w_A = 1, w_B = 0.6, gamma_1 = 0.01, w_c = 1.2, phi = pi/2, r = 0)
/// at static damping gamma_2, isothermal T_1 = T_2 = T and drive frequency Omega.
inline ModelParams isothermal_point(double gamma_2, double T, double Omega) {
  ModelParams p;
  p.gamma_2 = gamma_2;
  p.T_1 = p.T_2 = T;
  p.Omega = Omega;
  return p;
}

/// The exact steady state's means only (no fluctuations, no Omega derivative).
inline Results exact_means(const ModelParams& p) {
  ExactOptions eo;
  eo.fluctuations = false;
  eo.omega_derivative = false;
  return exact_point(p, eo);
}

}  // namespace synctur::test
