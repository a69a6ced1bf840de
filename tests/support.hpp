// Shared builders of the test suite (one definition instead of a copy per test file).
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <numbers>
#include <string>
#include <system_error>
#include <vector>

#include "synctur/engines/exact.hpp"
#include "synctur/engines/simulation_options.hpp"
#include "synctur/numerics/results.hpp"
#include "synctur/physics/model.hpp"

namespace synctur::test {

/// Bit for bit (NaN included).
inline bool same_bits(double a, double b) {
  return std::memcmp(&a, &b, sizeof a) == 0;
}

/// The keys of r's numbers, in order.
inline std::vector<std::string> number_keys(const Results& r) {
  std::vector<std::string> k;
  for (const auto& [key, v] : r.numbers()) k.push_back(key);
  return k;
}

/// Every number of b equals a's bit for bit (NaN included), key for key in the same order;
/// wall_s, the one number that is not a function of the inputs, is skipped.
inline void expect_bitwise(const Results& a, const Results& b, const std::string& what = "") {
  ASSERT_EQ(number_keys(a), number_keys(b)) << what;
  for (std::size_t i = 0; i < a.numbers().size(); ++i) {
    const auto& [k, v] = a.numbers()[i];
    if (k == "wall_s") continue;
    EXPECT_TRUE(same_bits(v, b.numbers()[i].second))
        << what << " " << k << ": " << v << " vs " << b.numbers()[i].second;
  }
}

/// The directories made by fresh_temp_dir, removed when the test program exits (by the
/// process that made them, not by a forked child).
struct TempDirs {
  pid_t owner = ::getpid();
  std::vector<std::filesystem::path> dirs;
  ~TempDirs() {
    if (::getpid() != owner) return;
    std::error_code ec;
    for (const auto& d : dirs) std::filesystem::remove_all(d, ec);
  }
};

/// A fresh, empty directory TempDir()/<name>_<pid>: unique to this process, so that two test
/// runs on one machine (a CI clone beside a developer's build) do not share files.
inline std::filesystem::path fresh_temp_dir(const std::string& name) {
  static TempDirs made;
  const std::filesystem::path d =
      std::filesystem::path(::testing::TempDir()) / (name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  made.dirs.push_back(d);
  return d;
}

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

/// The paper's pair (m = 1, w_A = 1, w_B = 0.6; phi = pi/2, r = 0 unless given) at static
/// damping gamma_2, driven damping gamma_1, drive frequency Omega and Drude cutoff w_c;
/// T_1 = T_2 = 0.5 (the ModelParams defaults).
inline ModelParams model(double gamma_2, double gamma_1, double Omega, double cutoff,
                         double phi = std::numbers::pi / 2, double r = 0.0) {
  ModelParams p;
  p.gamma_2 = gamma_2;
  p.gamma_1 = gamma_1;
  p.Omega = Omega;
  p.cutoff = cutoff;
  p.phi = phi;
  p.r = r;
  return p;
}

/// The same pair, isothermal T_1 = T_2 = T.
inline ModelParams point(double gamma_2, double gamma_1, double T, double Omega,
                         double cutoff = 1.2) {
  ModelParams p = model(gamma_2, gamma_1, Omega, cutoff);
  p.T_1 = p.T_2 = T;
  return p;
}

/// The same pair at the paper's gamma_1 = 0.01, isothermal T_1 = T_2 = T.
inline ModelParams isothermal_point(double gamma_2, double T, double Omega, double cutoff = 1.2) {
  return point(gamma_2, 0.01, T, Omega, cutoff);
}

/// The exact steady state's means only (no fluctuations, no Omega derivative).
inline Results exact_means(const ModelParams& p) {
  ExactOptions eo;
  eo.fluctuations = false;
  eo.omega_derivative = false;
  return to_results(exact_point(p, eo));
}

/// Simulation options of the engine tests: traj trajectories x periods, the given seed, no
/// bath-off (Pearson) run.
inline SimulationOptions sim_options(int traj, long periods, unsigned seed) {
  SimulationOptions o;
  o.trajectories = traj;
  o.periods = periods;
  o.seed = seed;
  o.pearson = false;
  return o;
}

/// z of a simulated key against a reference: (value - ref) / its standard error.
inline double z_score(const Results& r, const std::string& key, double ref) {
  return (r.get(key) - ref) / r.get(key + "_se");
}

}  // namespace synctur::test
