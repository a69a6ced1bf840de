// Numerical options of the time-domain engine (`synctur simulate`, TOML table [simulation]) and
// the rule that picks the time step.  Units: hbar = k_B = 1; times in 1/frequency.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "synctur/noise/noise.hpp"
#include "synctur/physics/model.hpp"

namespace synctur {

/// An input the engine refuses before running (the message starts with the TOML key): a run
/// too large to count or to store.  The CLI maps it to exit status 2, like a config error.
class InputRefusedError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

/// The cutoff band that resolves w_c: what simulation.cutoff_band = "auto" resolves to unless
/// it drops the w_c term (resolve_cutoff_band), the value of every run before "auto" existed,
/// and the default of auto_steps_per_period's argument [1].
inline constexpr double kDefaultCutoffBand = 6.0;
/// simulation.cutoff_band = "auto" keeps kDefaultCutoffBand while the step it sets is at most
/// this many times the step count without the w_c term (resolve_cutoff_band) [1].
inline constexpr double kAutoCutoffBandMaxCost = 2.0;

struct SimulationOptions {
  /// simulation.trajectories  independent trajectories (with antithetic pairs: 2 per pair,
  /// must be even) [count].
  int trajectories = 16;
  /// simulation.periods  measured drive periods per trajectory, after the warm-up [count].
  std::int64_t periods = 2000;
  /// simulation.warmup_periods  discarded periods before measuring; -1 = automatic (from the
  /// slowest Floquet rate, suggested_warmup with decay warmup_decay) [count].
  std::int64_t warmup_periods = -1;
  /// simulation.warmup_decay  automatic warm-up: decay factor of the slowest mode's amplitude
  /// (second moments decay as its square) [1], 0 < value < 1.
  double warmup_decay = 1e-6;
  /// simulation.steps_per_period  n, dt = (2 pi/Omega)/n; 0 = automatic (auto_steps_per_period)
  /// [steps].
  int steps_per_period = 0;
  /// simulation.dt_accuracy  automatic n: target relative error (w_max dt)^2/6 of the noise
  /// interpolation at the highest relevant frequency w_max = Omega + max(w_A, w_B) [1].
  double dt_accuracy = 1e-3;
  /// simulation.cutoff_band  automatic n: the noise band max_band_fraction pi/dt must also
  /// reach cutoff_band * w_c, i.e. w_c dt <= pi/(2 cutoff_band) = 0.26 at 6 (the Drude noise
  /// and memory resolved up to the cutoff: with the step set by the oscillators alone and no
  /// bias correction the validate campaign found P_B biased by -44% at w_c = 1000; at
  /// w_c dt = 0.52 Simpson's in-step error still left J_1 7e-5 = 6% off, O((w_c dt)^4),
  /// docs/SIMULATION.md) [1], in [0, 100]; 0 = ignore w_c (cheaper; biased means when w_c is
  /// large unless bias = "correct" removes the offsets).  nullopt (default, TOML "auto") =
  /// resolve_cutoff_band: 6, or 0 when bias = "correct" and 6 would cost more than
  /// kAutoCutoffBandMaxCost times the steps without the w_c term.
  std::optional<double> cutoff_band;
  /// simulation.quadrature  how the period averages integrate the observables over each step:
  /// "simpson" (t_k and the mid-step t_k + dt/2, weights 1/3 and 2/3; exact for the in-step
  /// linear noise up to O(dt^4)), "left" (t_k only, 30-45% cheaper), or "auto": "simpson" when
  /// w_c dt > kSimpsonCutoffDt, else "left".  "left" misses the in-step (cyclostationary)
  /// correlation of the interpolated noise with the velocities, which matters when the Drude
  /// noise is not smooth on the grid: J_1 was +2.2e-3 against -1.2e-3 (exact) at w_c = 1000,
  /// w_c dt = 0.52; at w_c dt = 0.03 the two rules differ by < 0.05 se (docs/SIMULATION.md).
  std::string quadrature = "auto";
  /// simulation.noise_decimation  q >= 1: the noise is synthesised on the grid dt/q and every
  /// q-th sample is used (the SAME noise realisation as a run with q n steps per period and
  /// q = 1, for common-random-number convergence studies in dt; set noise.band_limit
  /// explicitly so that both runs use the same band) [1].
  int noise_decimation = 1;
  /// simulation.seed  master seed of the counter-based RNG [1].
  std::uint64_t seed = 1;
  /// simulation.antithetic  pair trajectories (xi_1, xi_2) and (-xi_1, xi_2).
  bool antithetic = true;
  /// simulation.batch_periods  periods per batch for batch means; 0 = automatic (periods/32,
  /// at least 1) [count].
  std::int64_t batch_periods = 0;
  /// simulation.pearson  also run the driven bath off (same seeds, same number of
  /// trajectories) to measure the Pearson coefficients of Eqs. 11, 25 [bool].
  bool pearson = true;
  /// simulation.commutator  compute the commutator part D_comm of the power fluctuations
  /// (docs/FLUCTUATIONS.md) and report D = D_sym - D_comm and the TUR ratios Q [bool].
  bool commutator = true;
  /// simulation.omega_derivative  also run at Omega (1 +- omega_step) with the same grid and
  /// seed (common random numbers) for dP_l/dOmega and V_Pl of Eq. 26 (3x the cost) [bool].
  bool omega_derivative = false;
  /// simulation.omega_step  relative step h of the central difference [1], 0 < h < 0.5.
  double omega_step = 0.02;
  /// simulation.D_window  x: the autocovariance window of D_*_sym spans at least x
  /// second-moment relaxation times 1/(2 |slowest Floquet rate|) (besides Sokal's 10 tau_int);
  /// the neglected tail is <= e^-x of the slow part of D_sym [1], 0 or in [1, 25]; a wider
  /// window costs precision (se ~ sqrt(x)).  0 (default) = automatic: 3, widened to 8 when
  /// the lags between add a significant amount (docs/SIMULATION.md section 4).
  double D_window = 0.0;
  /// simulation.bias  the systematic error of the discretisation (time step, in-step noise
  /// interpolation, quadrature, band limit, filter truncation) of the mean estimates, computed
  /// exactly as the scheme's deterministic expectation minus the continuum steady state
  /// (scheme_expectation.hpp) and reported as <key>_bias: "correct" (default) also removes
  /// it (<key> = <key>_uncorrected - <key>_bias), "estimate" only reports it, "off" skips it.
  std::string bias = "correct";
  /// [noise] options of both baths' noise.
  NoiseOptions noise;

  /// All violated constraints as (toml key, message); empty when valid.
  std::vector<std::pair<std::string, std::string>> validate() const;
};

/// The allowed values of the text options (the first is the default above); the config schema
/// and validate() both use these lists.
inline constexpr std::array<std::string_view, 3> kQuadratureValues = {"auto", "simpson", "left"};
inline constexpr std::array<std::string_view, 3> kBiasValues = {"correct", "estimate", "off"};
/// The words simulation.cutoff_band accepts besides a number (the first is the default).
inline constexpr std::array<std::string_view, 1> kCutoffBandWords = {"auto"};

/// quadrature = "auto" uses Simpson's rule when w_c dt exceeds this [1].
inline constexpr double kSimpsonCutoffDt = 0.1;

/// Whether the period averages use Simpson's rule (quadrature, w_c, dt resolved).
bool uses_simpson(const ModelParams& p, const SimulationOptions& opt, double dt);

/// Automatic steps per period: the smallest n >= 16 with (w_max dt)^2 / 6 <= accuracy, where
/// w_max = Omega + max(w_A, w_B) and dt = (2 pi / Omega) / n; also large enough that the band
/// the rule needs (required_flat_band / (1 - taper)), cutoff_band * w_c and an explicit
/// noise.band_limit fit below max_band_fraction * pi / dt.
int auto_steps_per_period(const ModelParams& p, double accuracy, const NoiseOptions& noise = {},
                          double cutoff_band = kDefaultCutoffBand);

/// What simulation.cutoff_band resolved to at a model point, and why.
struct CutoffBandChoice {
  double value = kDefaultCutoffBand;  ///< the band passed to auto_steps_per_period [1]
  bool automatic = false;             ///< the option was "auto" (nullopt)
  /// The automatic rule's choice changes the step (the steps with and without the w_c term
  /// differ, and steps_per_period is automatic).  Otherwise the value is irrelevant to the
  /// run and "auto" resolves to kDefaultCutoffBand, the value of every run before "auto".
  bool decisive = false;
  int steps_with = 0;     ///< automatic n with cutoff_band = kDefaultCutoffBand (0 if unused)
  int steps_without = 0;  ///< automatic n with cutoff_band = 0 (0 if unused)
  std::string rule;       ///< one line: which rule chose the value (for the output's echo)
};

/// simulation.cutoff_band at the point p: an explicit number as given; "auto" (nullopt):
///  - kDefaultCutoffBand with bias = "estimate" or "off" (no correction: w_c must be
///    resolved), or when steps_per_period is explicit (the band sets no step);
///  - with bias = "correct" (the offsets of the step and the band are removed exactly):
///    kDefaultCutoffBand while its step count is <= kAutoCutoffBandMaxCost x the count without
///    the w_c term (so nothing changes where w_c is comparable to the oscillators'
///    frequencies), else 0 (the step follows the oscillators, the drive and the bath rule;
///    validated at w_c = 30 and 1000, docs/SIMULATION.md section 7).
CutoffBandChoice resolve_cutoff_band(const ModelParams& p, const SimulationOptions& opt);

/// The n actually used: opt.steps_per_period if > 0, else auto_steps_per_period with the
/// resolved cutoff band.
int steps_per_period(const ModelParams& p, const SimulationOptions& opt);

/// dt = period / steps_per_period(p, opt) [time].
double simulation_dt(const ModelParams& p, const SimulationOptions& opt);

}  // namespace synctur
