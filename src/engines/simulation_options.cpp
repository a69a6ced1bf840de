#include "synctur/engines/simulation_options.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace synctur {
namespace {
constexpr double kPi = 3.14159265358979323846;
std::string fmt(double v) {
  std::ostringstream o;
  o.precision(6);
  o << v;
  return o.str();
}
}  // namespace

std::vector<std::pair<std::string, std::string>> SimulationOptions::validate() const {
  std::vector<std::pair<std::string, std::string>> bad;
  if (trajectories < 1)
    bad.emplace_back("simulation.trajectories",
                     "must be >= 1 (got " + std::to_string(trajectories) + ")");
  else if (antithetic && trajectories % 2 != 0)
    bad.emplace_back("simulation.trajectories",
                     "must be even with simulation.antithetic = true, for antithetic pairs (got " +
                         std::to_string(trajectories) + ")");
  if (periods < 2)
    bad.emplace_back("simulation.periods", "must be >= 2 (got " + std::to_string(periods) + ")");
  if (warmup_periods < -1)
    bad.emplace_back("simulation.warmup_periods", "must be >= 0, or -1 for automatic (got " +
                                                      std::to_string(warmup_periods) + ")");
  if (!(warmup_decay > 0.0 && warmup_decay < 1.0))
    bad.emplace_back("simulation.warmup_decay",
                     "must be in (0, 1) (got " + fmt(warmup_decay) + ")");
  if (steps_per_period < 0 || steps_per_period == 1)
    bad.emplace_back("simulation.steps_per_period", "must be >= 2, or 0 for automatic (got " +
                                                        std::to_string(steps_per_period) + ")");
  if (!(dt_accuracy > 0.0 && dt_accuracy < 0.1))
    bad.emplace_back("simulation.dt_accuracy",
                     "must be in (0, 0.1) (got " + fmt(dt_accuracy) + ")");
  if (noise_decimation < 1 || noise_decimation > 64)
    bad.emplace_back("simulation.noise_decimation",
                     "must be in [1, 64] (got " + std::to_string(noise_decimation) + ")");
  if (batch_periods < 0)
    bad.emplace_back("simulation.batch_periods", "must be >= 1, or 0 for automatic (got " +
                                                     std::to_string(batch_periods) + ")");
  else if (batch_periods > 0 && periods / batch_periods < 2)
    bad.emplace_back("simulation.batch_periods",
                     "leaves fewer than 2 batches in simulation.periods = " +
                         std::to_string(periods) + " (got " + std::to_string(batch_periods) + ")");
  if (!(D_window == 0.0 || (D_window >= 1.0 && D_window <= 25.0)))
    bad.emplace_back("simulation.D_window",
                     "must be 0 (automatic) or in [1, 25] (got " + fmt(D_window) + ")");
  if (!(omega_step > 0.0 && omega_step < 0.5))
    bad.emplace_back("simulation.omega_step", "must be in (0, 0.5) (got " + fmt(omega_step) + ")");
  if (cutoff_band && !(*cutoff_band >= 0.0 && *cutoff_band <= 100.0))
    bad.emplace_back("simulation.cutoff_band",
                     "must be \"auto\" or in [0, 100] (got " + fmt(*cutoff_band) + ")");
  auto one_of = [&bad](const char* key, const auto& allowed, const std::string& v) {
    if (std::find(allowed.begin(), allowed.end(), v) != allowed.end()) return;
    std::string m = "must be one of";
    for (const auto a : allowed) m += " \"" + std::string(a) + "\"";
    bad.emplace_back(key, m + " (got \"" + v + "\")");
  };
  one_of("simulation.quadrature", kQuadratureValues, quadrature);
  one_of("simulation.bias", kBiasValues, bias);
  for (auto& b : noise.validate()) bad.push_back(b);
  return bad;
}

int auto_steps_per_period(const ModelParams& p, double accuracy, const NoiseOptions& noise,
                          double cutoff_band) {
  const double period = p.period();
  const double w_max = p.Omega + std::max(p.omega_A, p.omega_B);
  const double dt_acc = std::sqrt(6.0 * accuracy) / w_max;
  // The band needed by the rule (or the explicit one) must fit: w_b <= max_band_fraction pi/dt.
  const double rule = required_flat_band(p) / (1.0 - std::min(noise.taper, 0.999));
  const double want = std::max({rule, noise.band_limit, cutoff_band * p.cutoff});
  const double dt_band = noise.max_band_fraction * kPi / want;
  const double dt = std::min(dt_acc, dt_band);
  const double n = std::ceil(period / dt * (1.0 - 1e-12));
  return static_cast<int>(std::max(16.0, std::min(n, 1e8)));
}

CutoffBandChoice resolve_cutoff_band(const ModelParams& p, const SimulationOptions& opt) {
  CutoffBandChoice c;
  if (opt.cutoff_band) {
    c.value = *opt.cutoff_band;
    c.rule = "explicit";
    return c;
  }
  c.automatic = true;
  if (opt.steps_per_period > 0) {
    c.rule =
        "auto: simulation.steps_per_period is explicit (the band sets no step): " + fmt(c.value);
    return c;
  }
  c.steps_with = auto_steps_per_period(p, opt.dt_accuracy, opt.noise, kDefaultCutoffBand);
  c.steps_without = auto_steps_per_period(p, opt.dt_accuracy, opt.noise, 0.0);
  c.decisive = c.steps_with != c.steps_without;
  const std::string steps = "n = " + std::to_string(c.steps_with) + " steps per period with the " +
                            "w_c term, " + std::to_string(c.steps_without) + " without";
  if (!c.decisive) {
    c.rule = "auto: the w_c term sets no step (" + steps + "): " + fmt(c.value);
  } else if (opt.bias != "correct") {
    c.rule = "auto: simulation.bias = \"" + opt.bias +
             "\" removes no band offset, w_c is resolved (" + steps + "): " + fmt(c.value);
  } else if (c.steps_with <= kAutoCutoffBandMaxCost * c.steps_without) {
    c.rule = "auto: the w_c term costs at most " + fmt(kAutoCutoffBandMaxCost) + "x (" + steps +
             "): " + fmt(c.value);
  } else {
    c.value = 0.0;
    c.rule =
        "auto: simulation.bias = \"correct\" removes the band and step offsets and the w_c "
        "term costs more than " +
        fmt(kAutoCutoffBandMaxCost) + "x (" + steps + "): " + fmt(c.value);
  }
  return c;
}

int steps_per_period(const ModelParams& p, const SimulationOptions& opt) {
  if (opt.steps_per_period > 0) return opt.steps_per_period;
  const CutoffBandChoice c = resolve_cutoff_band(p, opt);
  return c.automatic ? (c.value > 0.0 ? c.steps_with : c.steps_without)
                     : auto_steps_per_period(p, opt.dt_accuracy, opt.noise, c.value);
}

bool uses_simpson(const ModelParams& p, const SimulationOptions& opt, double dt) {
  if (opt.quadrature == "auto") return p.cutoff * dt > kSimpsonCutoffDt;
  return opt.quadrature == "simpson";
}

double simulation_dt(const ModelParams& p, const SimulationOptions& opt) {
  return p.period() / steps_per_period(p, opt);
}

}  // namespace synctur
