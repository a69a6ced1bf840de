// TOML -> Config: syntax, unknown keys, types, finiteness, ranges, overrides, [sweep].
// Every error is ONE line (ConfigError).  Syntax: docs/INPUTS.md.
#include "synctur/io/config.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <climits>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>

#include "synctur/engines/exact.hpp"

namespace synctur::io {

namespace {

using Type = KeySpec::Type;
using Check = std::function<std::string(const ConfigValue&)>;
using Apply = std::function<void(Config&, const ConfigValue&)>;

/// Shortest text that reads back to v ("0.1", "-1", "nan", "inf").
std::string fmt(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  return std::string(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
}

std::string fmt(const ConfigValue& v) {
  if (const double* d = std::get_if<double>(&v)) return fmt(*d);
  if (const auto* i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
  if (const bool* b = std::get_if<bool>(&v)) return *b ? "true" : "false";
  return "\"" + std::get<std::string>(v) + "\"";
}

// --- range rules (one call per key in the schema) ---------------------------------------
[[maybe_unused]] Check positive() {
  return [](const ConfigValue& v) {
    const double x = std::holds_alternative<double>(v)
                         ? std::get<double>(v)
                         : static_cast<double>(std::get<std::int64_t>(v));
    return x > 0 ? std::string() : "must be > 0 (got " + fmt(v) + ")";
  };
}
[[maybe_unused]] Check non_negative() {
  return [](const ConfigValue& v) {
    const double x = std::holds_alternative<double>(v)
                         ? std::get<double>(v)
                         : static_cast<double>(std::get<std::int64_t>(v));
    return x >= 0 ? std::string() : "must be >= 0 (got " + fmt(v) + ")";
  };
}
/// Integer keys stored as 32-bit int: range-checked BEFORE narrowing (4294967298 must not
/// become 2).
Check int32() {
  return [](const ConfigValue& v) {
    const std::int64_t x = std::get<std::int64_t>(v);
    return (x >= std::numeric_limits<int>::min() && x <= std::numeric_limits<int>::max())
               ? std::string()
               : "must fit a 32-bit integer, |value| <= 2147483647 (got " + fmt(v) + ")";
  };
}
Check at_least(std::int64_t lo) {
  return [lo](const ConfigValue& v) {
    return std::get<std::int64_t>(v) >= lo
               ? std::string()
               : "must be >= " + std::to_string(lo) + " (got " + fmt(v) + ")";
  };
}
[[maybe_unused]] Check in_range(double lo, double hi) {
  return [lo, hi](const ConfigValue& v) {
    const double x = std::get<double>(v);
    return (x >= lo && x <= hi)
               ? std::string()
               : "must be in [" + fmt(lo) + ", " + fmt(hi) + "] (got " + fmt(v) + ")";
  };
}
[[maybe_unused]] Check one_of(std::vector<std::string> allowed) {
  return [allowed](const ConfigValue& v) {
    const auto& s = std::get<std::string>(v);
    if (std::find(allowed.begin(), allowed.end(), s) != allowed.end()) return std::string();
    std::string m = "must be one of";
    for (const auto& a : allowed) m += " \"" + a + "\"";
    return m + " (got \"" + s + "\")";
  };
}

template <std::size_t N>
Check one_of(const std::array<std::string_view, N>& list) {
  return one_of(std::vector<std::string>(list.begin(), list.end()));
}

// --- schema entries ---------------------------------------------------------------------
KeySpec real(std::string path, std::optional<double> def, Check check = {}, Apply apply = {},
             std::string doc = {}) {
  std::optional<ConfigValue> d;
  if (def) d = *def;
  return {std::move(path), Type::Real, d, std::move(check), std::move(apply), std::move(doc), {}};
}
KeySpec integer(std::string path, std::optional<std::int64_t> def, Check check = {},
                Apply apply = {}, std::string doc = {}) {
  std::optional<ConfigValue> d;
  if (def) d = *def;
  return {std::move(path), Type::Int, d, std::move(check), std::move(apply), std::move(doc), {}};
}
KeySpec boolean(std::string path, std::optional<bool> def, Apply apply = {}, std::string doc = {}) {
  std::optional<ConfigValue> d;
  if (def) d = *def;
  return {std::move(path), Type::Bool, d, {}, std::move(apply), std::move(doc), {}};
}
[[maybe_unused]] KeySpec string(std::string path, std::optional<std::string> def, Check check = {},
                                Apply apply = {}, std::string doc = {}) {
  std::optional<ConfigValue> d;
  if (def) d = *def;
  return {std::move(path), Type::String, d, std::move(check), std::move(apply), std::move(doc), {}};
}
/// A number or one of `words`; the default is the first word.  A string value must be one of
/// the words (a number's range rule is `check`'s, e.g. in SimulationOptions::validate()).
template <std::size_t N>
KeySpec real_or_word(std::string path, const std::array<std::string_view, N>& words,
                     Check check = {}, Apply apply = {}, std::string doc = {}) {
  std::vector<std::string> w(words.begin(), words.end());
  Check c = [w, check](const ConfigValue& v) {
    if (std::holds_alternative<std::string>(v)) return one_of(w)(v);
    return check ? check(v) : std::string();
  };
  return {std::move(path),
          Type::RealOrWord,
          ConfigValue(w.front()),
          std::move(c),
          std::move(apply),
          std::move(doc),
          w};
}
/// A required model parameter; its range is checked by ModelParams::validate().
KeySpec model(std::string path, std::string doc) {
  Apply a = [path](Config& c, const ConfigValue& v) {
    set_param(c.model, path, std::get<double>(v));
  };
  return real(path, std::nullopt, {}, a, std::move(doc));
}

const TheoryOptions kTheoryDefaults{};
const SimulationOptions kSim{};
const ExactOptions kExact{};
/// The range rule of an ExactOptions field, from ExactOptions::validate() (written once there).
Check exact_rule(std::string field, double ExactOptions::*member) {
  return [field, member](const ConfigValue& v) {
    ExactOptions o;
    o.*member = std::get<double>(v);
    for (const auto& [k, why] : o.validate())
      if (k == field) return why + " (got " + fmt(v) + ")";
    return std::string();
  };
}
std::int64_t int_of(const ConfigValue& v) {
  return std::get<std::int64_t>(v);
}
double real_of(const ConfigValue& v) {
  return std::get<double>(v);
}
#define SIM(assign) [](Config& c, const ConfigValue& v) { c.simulation.assign; }
#define NOISE(assign) [](Config& c, const ConfigValue& v) { c.simulation.noise.assign; }
#define NOISE_RAW(expr) [](Config& c, const ConfigValue& v) { expr; }

/// THE list of accepted keys, in output order.  A new key (and with it a new table) is one line:
///   real("simulation.dt", 1e-2, positive(), {}, "time step [1/frequency]"),
///   integer("simulation.batches", 32, at_least(2)),
///   boolean("exact.enabled", false),
///   string("noise.window", std::string("tukey"), one_of({"tukey", "hann"})),
/// (std::nullopt as default = required).  Read it back with cfg.real("simulation.dt") etc., or
/// give a setter (5th argument) that stores it into a typed struct of Config.
std::vector<KeySpec> make_schema() {
  return {
      model("system.mass", "oscillator mass m > 0 [mass]"),
      model("system.omega_A", "frequency w_A > 0 [frequency]"),
      model("system.omega_B", "frequency w_B > 0, != w_A [frequency]"),
      // Optional [system] keys (issue 16): range rules in ModelParams::validate(); echoed in the
      // JSON "parameters" only when not at their default (echo_parameter).
      string(
          "system.statistics", std::string("quantum"), one_of({"quantum", "classical"}),
          [](Config& c, const ConfigValue& v) {
            c.model.classical = std::get<std::string>(v) == "classical";
          },
          "noise statistics: quantum (J coth(w/2T)) or classical (2T J/w, D = D_sym)"),
      real(
          "system.quartic_A", 0.0, non_negative(),
          [](Config& c, const ConfigValue& v) { c.model.quartic_A = std::get<double>(v); },
          "lambda_A >= 0 of V_A = m w_A^2 x^2/2 + lambda_A x^4/4 (simulate only) "
          "[energy/length^4]"),
      real(
          "system.quartic_B", 0.0, non_negative(),
          [](Config& c, const ConfigValue& v) { c.model.quartic_B = std::get<double>(v); },
          "lambda_B >= 0 of V_B (simulate only) [energy/length^4]"),
      model("static_bath.gamma", "gamma_2 > 0, static Ohmic bath (nu = 2) [frequency]"),
      model("static_bath.temperature", "T_2 >= 0 [frequency]"),
      model("driven_bath.gamma", "gamma_1 > 0, driven Drude bath (nu = 1) [frequency]"),
      model("driven_bath.cutoff", "w_c > 0, Drude cutoff [frequency]"),
      model("driven_bath.temperature", "T_1 >= 0 [frequency]"),
      model("drive.Omega", "driving frequency Omega > 0 [frequency]"),
      model("drive.phi", "relative phase of g_B [rad]"),
      model("drive.r", "r >= 0, f_B = (Omega/w_c)^r [1]"),
      // [theory]: range rules in TheoryOptions::validate()
      real(
          "theory.rtol", kTheoryDefaults.rtol, {},
          [](Config& c, const ConfigValue& v) { c.theory.rtol = std::get<double>(v); },
          "relative tolerance of the frequency integrals [1]"),
      boolean(
          "theory.omega_threshold", kTheoryDefaults.omega_threshold,
          [](Config& c, const ConfigValue& v) { c.theory.omega_threshold = std::get<bool>(v); },
          "also compute Omega_th (Fig. 10; costly)"),
      real(
          "theory.omega_th_min", kTheoryDefaults.omega_th_min, {},
          [](Config& c, const ConfigValue& v) { c.theory.omega_th_min = std::get<double>(v); },
          "lower end of the Omega_th search [frequency]"),
      real(
          "theory.omega_th_max", kTheoryDefaults.omega_th_max, {},
          [](Config& c, const ConfigValue& v) { c.theory.omega_th_max = std::get<double>(v); },
          "upper end of the Omega_th search [frequency]"),
      // [exact]: the accuracy of `synctur exact` (and of the exact references of simulate and
      // validate); the command-line options --rtol, --atol, --hill-tol set the same keys
      real("exact.rtol", kExact.rtol, exact_rule("rtol", &ExactOptions::rtol), {},
           "relative tolerance of the frequency integrals [1]"),
      real("exact.atol_rel", kExact.atol_rel, exact_rule("atol_rel", &ExactOptions::atol_rel), {},
           "quadrature floor relative to int |integrand| [1]"),
      real("exact.hill_tol", kExact.hill_tol, exact_rule("hill_tol", &ExactOptions::hill_tol), {},
           "Hill truncation: accept N when the integrand changes by less than this (relative) "
           "from N to N + 6 [1]"),
      // [response]: the w grid of `synctur response` (Fig. 2a)
      real("response.w_min", 0.0, {}, {}, "first frequency of the grid [frequency]"),
      real("response.w_max", 3.0, {}, {}, "last frequency of the grid [frequency]"),
      integer("response.points", 601, at_least(1), {}, "number of grid points"),
      // [simulation]: range rules in SimulationOptions::validate()
      integer("simulation.trajectories", kSim.trajectories, int32(),
              SIM(trajectories = static_cast<int>(int_of(v))),
              "independent trajectories (even with antithetic pairs) [count]"),
      integer("simulation.periods", kSim.periods, {}, SIM(periods = int_of(v)),
              "measured drive periods per trajectory [count]"),
      integer("simulation.warmup_periods", kSim.warmup_periods, {}, SIM(warmup_periods = int_of(v)),
              "discarded periods; -1 = from the slowest Floquet rate [count]"),
      real("simulation.warmup_decay", kSim.warmup_decay, {}, SIM(warmup_decay = real_of(v)),
           "automatic warm-up: decay of the slowest mode's amplitude [1]"),
      integer("simulation.steps_per_period", kSim.steps_per_period, int32(),
              SIM(steps_per_period = static_cast<int>(int_of(v))),
              "time steps per drive period; 0 = automatic [steps]"),
      real("simulation.dt_accuracy", kSim.dt_accuracy, {}, SIM(dt_accuracy = real_of(v)),
           "automatic steps: target (w_max dt)^2/6, w_max = Omega + max(w_A, w_B) [1]"),
      real_or_word(
          "simulation.cutoff_band", kCutoffBandWords, {},
          [](Config& c, const ConfigValue& v) {
            c.simulation.cutoff_band.reset();
            if (const double* d = std::get_if<double>(&v)) c.simulation.cutoff_band = *d;
          },
          "automatic steps: the noise band also reaches cutoff_band * w_c "
          "(w_c dt <= pi/(2 value)); 0 = ignore; auto = " +
              fmt(kDefaultCutoffBand) + ", or 0 with bias = correct when " +
              fmt(kDefaultCutoffBand) + " costs > " + fmt(kAutoCutoffBandMaxCost) +
              "x the steps [1]"),
      string("simulation.quadrature", kSim.quadrature, one_of(kQuadratureValues),
             SIM(quadrature = std::get<std::string>(v)),
             "in-step quadrature of the period averages: simpson (t_k, t_k + dt/2), left (t_k), "
             "auto (simpson iff w_c dt > " +
                 fmt(kSimpsonCutoffDt) + ")"),
      integer("simulation.noise_decimation", kSim.noise_decimation, int32(),
              SIM(noise_decimation = static_cast<int>(int_of(v))),
              "noise synthesised on dt/q, every q-th sample used (dt convergence studies) [1]"),
      integer("simulation.seed", static_cast<std::int64_t>(kSim.seed), at_least(0),
              SIM(seed = static_cast<std::uint64_t>(int_of(v))), "master RNG seed [1]"),
      boolean("simulation.antithetic", kSim.antithetic, SIM(antithetic = std::get<bool>(v)),
              "antithetic pairs (xi_1 -> -xi_1, same xi_2)"),
      integer("simulation.batch_periods", kSim.batch_periods, {}, SIM(batch_periods = int_of(v)),
              "periods per batch for batch means; 0 = automatic [count]"),
      boolean("simulation.pearson", kSim.pearson, SIM(pearson = std::get<bool>(v)),
              "also run with the driven bath off for the Pearson coefficients (Eqs. 11, 25)"),
      boolean("simulation.commutator", kSim.commutator, SIM(commutator = std::get<bool>(v)),
              "commutator part of the power fluctuations: D = D_sym - D_comm, Q = S_dot D/O^2"),
      boolean("simulation.omega_derivative", kSim.omega_derivative,
              SIM(omega_derivative = std::get<bool>(v)),
              "paired runs at Omega (1 +- omega_step) for dP/dOmega and V_Pl (Eq. 26; 3x cost)"),
      real("simulation.D_window", kSim.D_window, {}, SIM(D_window = real_of(v)),
           "D_*_sym window: at least this many second-moment relaxation times; 0 = automatic [1]"),
      real("simulation.omega_step", kSim.omega_step, {}, SIM(omega_step = real_of(v)),
           "relative step h of the Omega derivative [1]"),
      string("simulation.bias", kSim.bias, one_of(kBiasValues),
             SIM(bias = std::get<std::string>(v)),
             "discretisation offset of the means from the continuum, computed exactly: "
             "correct (subtract, report <key>_bias), estimate (report only), off"),
      string(
          "simulation.progress", std::string(kProgressValues[0]), one_of(kProgressValues),
          [](Config& c, const ConfigValue& v) { c.progress = std::get<std::string>(v); },
          "progress line on stderr: auto (terminal only), always, never"),
      // [noise]: options of the noise synthesis (NoiseOptions, docs/NOISE.md)
      real("noise.band_limit", kSim.noise.band_limit, {}, NOISE(band_limit = real_of(v)),
           "band limit w_b; 0 = automatic [frequency]"),
      real("noise.taper", kSim.noise.taper, {}, NOISE(taper = real_of(v)),
           "taper width as a fraction of w_b [1]"),
      string("noise.taper_shape", std::string(to_string(kSim.noise.taper_shape)),
             one_of({to_string(TaperShape::Smooth), to_string(TaperShape::Cosine)}),
             NOISE_RAW(taper_shape_from_string(std::get<std::string>(v),
                                               &c.simulation.noise.taper_shape)),
             "taper shape: smooth or cosine"),
      real("noise.max_band_fraction", kSim.noise.max_band_fraction, {},
           NOISE(max_band_fraction = real_of(v)),
           "automatic w_b at most this fraction of pi/dt [1]"),
      real("noise.filter_tol", kSim.noise.filter_tol, {}, NOISE(filter_tol = real_of(v)),
           "discarded relative tail energy of the FIR filter [1]"),
      integer("noise.max_taps", kSim.noise.max_taps, int32(),
              NOISE(max_taps = static_cast<int>(int_of(v))), "cap on the filter length [samples]"),
      integer("noise.block_log2", kSim.noise.block_log2, int32(),
              NOISE(block_log2 = static_cast<int>(int_of(v))),
              "FFT length 2^block_log2; 0 = automatic [samples]"),
      boolean("noise.fftw_measure", kSim.noise.fftw_measure,
              NOISE(fftw_measure = std::get<bool>(v)),
              "FFTW_MEASURE plans (faster, not bit-reproducible across runs)"),
      // [noise]: the measurement of `synctur noise` (docs/NOISE.md; seed: simulation.seed)
      real("noise.dt", 0.0, non_negative(), {},
           "time step of `synctur noise`; 0 = the engine's dt (simulation_dt) [1/frequency]"),
      integer(
          "noise.samples", std::int64_t{1} << 22,
          [](const ConfigValue& v) {
            const auto n = std::get<std::int64_t>(v);
            return n >= 1024 && n <= (std::int64_t{1} << 36)
                       ? std::string()
                       : "must be in [1024, 2^36] (got " + fmt(v) + ")";
          },
          {}, "`synctur noise`: samples per bath, split over noise.streams [count]"),
      integer("noise.streams", 32, at_least(2), {},
              "`synctur noise`: independent streams (trajectories 0..K-1) per bath [count]"),
      integer(
          "noise.welch_segment", 0,
          [](const ConfigValue& v) {
            const auto n = std::get<std::int64_t>(v);
            return n == 0 || (n >= 16 && n <= (std::int64_t{1} << 24) && (n & (n - 1)) == 0)
                       ? std::string()
                       : "must be 0 (automatic) or a power of two in [16, 2^24] (got " + fmt(v) +
                             ")";
          },
          {}, "`synctur noise`: Welch segment (Hann, no overlap); 0 = automatic [samples]"),
      integer("noise.lags", 64, at_least(1), {},
              "`synctur noise`: autocovariance lags 0, s, ..., (lags-1) s [count]"),
      integer("noise.lag_stride", 0, at_least(0), {},
              "`synctur noise`: lag spacing s; 0 = automatic, s dt ~ pi/(4 w_ref) [samples]"),
  };
}

/// Checks that involve several keys: (key reported, predicate message or "").
std::vector<std::pair<std::string, std::string>> cross_checks(const Config& c) {
  std::vector<std::pair<std::string, std::string>> bad;
  if (!(c.real("response.w_max") >= c.real("response.w_min")))
    bad.emplace_back("response.w_max", "must be >= response.w_min (got " +
                                           fmt(c.real("response.w_max")) + " < " +
                                           fmt(c.real("response.w_min")) + ")");
  return bad;
}

// --- helpers ------------------------------------------------------------------------------
std::string one_line(std::string_view s) {
  std::string out(s);
  for (char& ch : out)
    if (ch == '\n' || ch == '\r' || ch == '\t') ch = ' ';
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::string type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a floating-point number";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    default:
      return "nothing";
  }
}

const char* expected_name(Type t) {
  switch (t) {
    case Type::Real:
      return "a number";
    case Type::Int:
      return "an integer";
    case Type::Bool:
      return "a boolean (true or false)";
    case Type::String:
      return "a string";
    case Type::RealOrWord:
      return "a number";
  }
  return "?";
}

std::string section_of(const std::string& path) {
  return path.substr(0, path.find('.'));
}

/// Error context: the file name and the paths set by --set.
struct Ctx {
  std::string file;
  /// path -> "path=value" as given: the keys set by --set, and the tables they created.
  std::map<std::string, std::string> overridden;

  bool from_override(const std::string& key) const {
    // The key itself, a value below an overridden table, or a table containing an override.
    for (const auto& [p, arg] : overridden)
      if (key == p || key.rfind(p + ".", 0) == 0 || key.rfind(p + "[", 0) == 0 ||
          p.rfind(key + ".", 0) == 0)
        return true;
    return false;
  }
  /// "<file>: <key>: <detail>" or "--set <key>: <detail>".
  [[noreturn]] void key_error(const std::string& key, const std::string& detail,
                              const toml::node* n = nullptr) const {
    int line = 0, col = 0;
    if (n && !from_override(key)) {
      line = static_cast<int>(n->source().begin.line);
      col = static_cast<int>(n->source().begin.column);
    }
    if (from_override(key)) throw ConfigError("--set " + key + ": " + detail, "--set", key);
    throw ConfigError(file + ": " + key + ": " + detail, file, key, line, col);
  }
  /// "<file>: <message>" or "--set: <message>".
  [[noreturn]] void error(const std::string& key, const std::string& message,
                          const toml::node* n = nullptr) const {
    const bool ov = from_override(key);
    int line = 0, col = 0;
    if (n && !ov) {
      line = static_cast<int>(n->source().begin.line);
      col = static_cast<int>(n->source().begin.column);
    }
    throw ConfigError((ov ? std::string("--set") : file) + ": " + message, ov ? "--set" : file, key,
                      line, col);
  }
};

std::string suggestion(const std::string& word, const std::vector<std::string>& candidates) {
  const std::string m = closest_match(word, candidates);
  return m.empty() ? std::string() : " (did you mean '" + m + "'?)";
}

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j)
      cur[j] =
          std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

/// Copy any toml node into table `t` under `key`.
void put(toml::table& t, const std::string& key, const toml::node& n) {
  n.visit([&](const auto& v) { t.insert_or_assign(key, v); });
}

bool bare_key(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return {};
  const auto e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

/// Apply one --set argument to the parsed document.
void apply_override(toml::table& root, const std::string& arg, Ctx& ctx) {
  const auto eq = arg.find('=');
  if (eq == std::string::npos)
    throw ConfigError("--set " + arg + ": expected section.key=value", "--set", arg);
  const std::string path = trim(arg.substr(0, eq)), text = trim(arg.substr(eq + 1));
  std::vector<std::string> parts;
  for (std::size_t b = 0;;) {
    const auto d = path.find('.', b);
    parts.push_back(path.substr(b, d == std::string::npos ? std::string::npos : d - b));
    if (d == std::string::npos) break;
    b = d + 1;
  }
  if (parts.size() < 2 || !std::all_of(parts.begin(), parts.end(), bare_key))
    throw ConfigError("--set " + arg + ": expected section.key=value (got key '" + path + "')",
                      "--set", path);
  if (text.empty()) throw ConfigError("--set " + arg + ": missing value", "--set", path);

  toml::table parsed;
  bool ok = text.find_first_of("\n\r") == std::string::npos;
  if (ok) {
    try {
      const std::string doc = "v = " + text;
      parsed = toml::parse(std::string_view(doc), std::string_view("--set"));
      ok = parsed.size() == 1 && parsed.get("v");
    } catch (const toml::parse_error& e) {
      // A bare word that is not TOML (e.g. drive.Omega) is taken as a string.
      if (std::string("\"'[{").find(text.front()) != std::string::npos)
        throw ConfigError("--set " + arg + ": " + one_line(e.description()), "--set", path);
      parsed = toml::table{};
      parsed.insert("v", text);
    }
  }
  if (!ok) throw ConfigError("--set " + arg + ": expected one TOML value", "--set", path);

  toml::table* t = &root;
  std::string sofar;
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    sofar += (i ? "." : "") + parts[i];
    toml::node* child = t->get(parts[i]);
    if (!child) {
      t->insert(parts[i], toml::table{});
      child = t->get(parts[i]);
      // A table the file does not have: what is wrong in it is the override's doing.
      ctx.overridden.emplace(sofar, arg);
    }
    if (!child->is_table())
      throw ConfigError(
          "--set " + arg + ": '" + sofar + "' is " + type_name(*child) + ", not a table", "--set",
          path);
    t = child->as_table();
  }
  put(*t, parts.back(), *parsed.get("v"));
  ctx.overridden[path] = arg;
}

/// Items of a table in source order (toml++ tables are sorted by key).
std::vector<std::pair<std::string, const toml::node*>> in_order(const toml::table& t) {
  std::vector<std::pair<std::string, const toml::node*>> v;
  for (const auto& [k, n] : t) v.emplace_back(std::string(k.str()), &n);
  std::stable_sort(v.begin(), v.end(), [](const auto& a, const auto& b) {
    const auto &sa = a.second->source().begin, &sb = b.second->source().begin;
    return std::pair(sa.line, sa.column) < std::pair(sb.line, sb.column);
  });
  return v;
}

/// Reject keys and tables that are not in the schema (the [sweep] table is checked by its parser).
void check_unknown(const toml::table& root, const std::vector<KeySpec>& schema, const Ctx& ctx) {
  std::vector<std::string> paths, sections, leaves;
  for (const auto& s : schema) {
    paths.push_back(s.path);
    if (std::find(sections.begin(), sections.end(), section_of(s.path)) == sections.end())
      sections.push_back(section_of(s.path));
  }
  sections.push_back("sweep");

  // Overrides first (they are explicit), then the file in source order.
  auto items = in_order(root);
  std::stable_partition(items.begin(), items.end(),
                        [&](const auto& it) { return ctx.from_override(it.first); });
  for (const auto& [k, n] : items) {
    if (k == "sweep") continue;
    if (std::find(sections.begin(), sections.end(), k) == sections.end()) {
      if (n->is_table()) ctx.error(k, "unknown table [" + k + "]" + suggestion(k, sections), n);
      // A key at top level: perhaps a known key without its table.
      std::string hint;
      for (const auto& p : paths)
        if (lower(p.substr(p.find('.') + 1)) == lower(k)) hint = " (did you mean '" + p + "'?)";
      ctx.error(k, "unknown key '" + k + "'" + hint, n);
    }
    if (!n->is_table()) ctx.key_error(k, "expected a table, got " + type_name(*n), n);
    auto children = in_order(*n->as_table());
    std::stable_partition(children.begin(), children.end(),
                          [&](const auto& it) { return ctx.from_override(k + "." + it.first); });
    for (const auto& [ck, cn] : children) {
      const std::string path = k + "." + ck;
      if (std::find(paths.begin(), paths.end(), path) == paths.end())
        ctx.error(path, "unknown key '" + path + "'" + suggestion(path, paths), cn);
    }
  }
}

const toml::node* find(const toml::table& root, const std::string& path) {
  const auto dot = path.find('.');
  const toml::node* sec = root.get(path.substr(0, dot));
  if (!sec || !sec->is_table()) return nullptr;
  return sec->as_table()->get(path.substr(dot + 1));
}

/// The node at a dotted key below the [sweep] node ("sweep.x.points"), or the deepest found.
const toml::node* find_deep(const toml::node& sweep, const std::string& key) {
  const toml::node* cur = &sweep;
  std::size_t b = key.find('.');
  while (b != std::string::npos && cur->is_table()) {
    const std::size_t e = key.find('.', b + 1);
    const toml::node* next =
        cur->as_table()->get(key.substr(b + 1, e == std::string::npos ? e : e - b - 1));
    if (!next) break;
    cur = next;
    b = e;
  }
  return cur;
}

/// A number (integer or float) as double, or an error naming `key`.
double as_real(const toml::node& n, const std::string& key, const Ctx& ctx) {
  if (const auto* f = n.as_floating_point()) return f->get();
  if (const auto* i = n.as_integer()) return static_cast<double>(i->get());
  ctx.key_error(key, "expected a number, got " + type_name(n), &n);
}

/// A finite number, or an error naming `key`.
double finite_real(const toml::node& n, const std::string& key, const Ctx& ctx) {
  const double v = as_real(n, key, ctx);
  if (!std::isfinite(v)) ctx.key_error(key, "must be finite (got " + fmt(v) + ")", &n);
  return v;
}

ConfigValue read_value(const toml::node& n, const KeySpec& spec, const Ctx& ctx) {
  switch (spec.type) {
    case Type::Real:
      return finite_real(n, spec.path, ctx);
    case Type::Int:
      if (const auto* i = n.as_integer()) return i->get();
      break;
    case Type::Bool:
      if (const auto* b = n.as_boolean()) return b->get();
      break;
    case Type::String:
      if (const auto* s = n.as_string()) return s->get();
      break;
    case Type::RealOrWord: {
      if (const auto* s = n.as_string()) return s->get();
      if (n.is_number()) return finite_real(n, spec.path, ctx);
      break;
    }
  }
  std::string expected = expected_name(spec.type);
  for (const auto& w : spec.words) expected += " or \"" + w + "\"";
  ctx.key_error(spec.path, "expected " + expected + ", got " + type_name(n), &n);
}

// --- [sweep] --------------------------------------------------------------------------------
SweepAxis parse_axis(const toml::node& n, const std::string& name, const Ctx& ctx) {
  const std::string base = "sweep." + name;
  if (!n.is_table())
    ctx.key_error(base,
                  "expected a table such as { key = \"drive.Omega\", from = 0.01, to = 200, "
                  "points = 200, scale = \"log\" }, got " +
                      type_name(n),
                  &n);
  const toml::table& t = *n.as_table();
  static const std::vector<std::string> allowed = {"key",    "from",  "to",
                                                   "points", "scale", "values"};
  std::vector<std::string> allowed_paths;
  for (const auto& a : allowed) allowed_paths.push_back(base + "." + a);
  for (const auto& [k, cn] : in_order(t)) {
    if (std::find(allowed.begin(), allowed.end(), k) == allowed.end())
      ctx.error(base + "." + k,
                "unknown key '" + base + "." + k + "'" + suggestion(base + "." + k, allowed_paths),
                cn);
  }
  SweepAxis a;
  a.name = name;
  const toml::node* key = t.get("key");
  if (!key) ctx.error(base + ".key", "missing key '" + base + ".key' (the parameter to sweep)", &n);
  if (!key->is_string())
    ctx.key_error(base + ".key", "expected a string, got " + type_name(*key), key);
  a.key = key->as_string()->get();
  if (!is_sweep_key(a.key))
    ctx.key_error(base + ".key",
                  "unknown parameter '" + a.key + "'" + suggestion(a.key, sweep_keys()) +
                      "; use a model key such as 'drive.Omega', or 'T', 'Tbar', 'dT_over_Tbar'",
                  key);

  if (const toml::node* vals = t.get("values")) {
    for (const char* k : {"from", "to", "points", "scale"})
      if (t.get(k))
        ctx.key_error(base,
                      std::string("give either 'values' or 'from', 'to', 'points' (and "
                                  "'scale'), not both (found '") +
                          k + "' and 'values')",
                      &n);
    if (!vals->is_array())
      ctx.key_error(base + ".values", "expected an array of numbers, got " + type_name(*vals),
                    vals);
    a.scale = SweepAxis::Scale::List;
    const auto& arr = *vals->as_array();
    for (std::size_t i = 0; i < arr.size(); ++i)
      a.values.push_back(as_real(arr[i], base + ".values[" + std::to_string(i) + "]", ctx));
    return a;
  }
  for (const char* k : {"from", "to", "points"})
    if (!t.get(k))
      ctx.error(base + "." + k,
                "missing key '" + base + "." + k + "' (or give the list 'values = [...]')", &n);
  a.from = as_real(*t.get("from"), base + ".from", ctx);
  a.to = as_real(*t.get("to"), base + ".to", ctx);
  const toml::node* pts = t.get("points");
  if (!pts->is_integer())
    ctx.key_error(base + ".points", "expected an integer, got " + type_name(*pts), pts);
  a.points = pts->as_integer()->get();
  a.scale = SweepAxis::Scale::Linear;
  if (const toml::node* sc = t.get("scale")) {
    if (!sc->is_string())
      ctx.key_error(base + ".scale", "expected a string, got " + type_name(*sc), sc);
    const std::string s = sc->as_string()->get();
    if (s == "log")
      a.scale = SweepAxis::Scale::Log;
    else if (s != "linear")
      ctx.key_error(base + ".scale", "must be \"linear\" or \"log\" (got \"" + s + "\")", sc);
  }
  return a;
}

SweepSpec parse_sweep(const toml::node& n, const ModelParams& base, const Ctx& ctx) {
  if (!n.is_table()) ctx.key_error("sweep", "expected a table, got " + type_name(n), &n);
  const toml::table& t = *n.as_table();
  static const std::vector<std::string> allowed = {"x", "y", "Tbar", "dT_over_Tbar"};
  std::vector<std::string> allowed_paths;
  for (const auto& a : allowed) allowed_paths.push_back("sweep." + a);
  for (const auto& [k, cn] : in_order(t))
    if (std::find(allowed.begin(), allowed.end(), k) == allowed.end())
      ctx.error("sweep." + k,
                "unknown key 'sweep." + k + "'" + suggestion("sweep." + k, allowed_paths), cn);

  SweepSpec s;
  const toml::node* x = t.get("x");
  const toml::node* y = t.get("y");
  if (!x) ctx.error("sweep.x", "missing key 'sweep.x' (the first sweep axis)", &n);
  s.axes.push_back(parse_axis(*x, "x", ctx));
  if (y) s.axes.push_back(parse_axis(*y, "y", ctx));
  for (const char* k : {"Tbar", "dT_over_Tbar"})
    if (const toml::node* v = t.get(k)) {
      const double d = as_real(*v, std::string("sweep.") + k, ctx);
      (std::string(k) == "Tbar" ? s.Tbar : s.dT_over_Tbar) = d;
    }
  const auto bad = s.validate();
  if (!bad.empty()) {
    const std::string& key = bad.front().first;
    ctx.key_error(key, bad.front().second, find_deep(n, key));
  }
  // Every point must be a valid model point.
  const auto points = expand_sweep(s, base);
  for (std::size_t i = 0; i < points.size(); ++i) {
    const auto pb = points[i].params.validate();
    if (pb.empty()) continue;
    std::string at;
    for (std::size_t j = 0; j < s.axes.size(); ++j)
      at += (j ? ", " : "") + s.axes[j].key + " = " + fmt(points[i].axis[j]);
    ctx.key_error("sweep",
                  "point " + std::to_string(i + 1) + " (" + at + "): " + pb.front().first + " " +
                      pb.front().second,
                  &n);
  }
  return s;
}

}  // namespace

// --- public ---------------------------------------------------------------------------------
std::string closest_match(const std::string& word, const std::vector<std::string>& candidates) {
  const std::string w = lower(word);
  std::string best;
  std::size_t bestd = SIZE_MAX;
  for (const auto& c : candidates) {
    const std::size_t d = edit_distance(w, lower(c));
    if (d < bestd) {
      bestd = d;
      best = c;
    }
  }
  const std::size_t limit = std::max<std::size_t>(2, word.size() / 4);
  return bestd <= limit ? best : std::string();
}

bool echo_parameter(const std::string& path, const ConfigValue& v) {
  if (path == "system.statistics") return std::get<std::string>(v) != "quantum";
  if (path == "system.quartic_A" || path == "system.quartic_B") return std::get<double>(v) != 0.0;
  return true;
}

const std::vector<KeySpec>& config_schema() {
  static const std::vector<KeySpec> schema = make_schema();
  return schema;
}

bool Config::has(const std::string& path) const {
  return std::any_of(values.begin(), values.end(),
                     [&](const auto& kv) { return kv.first == path; });
}
const ConfigValue& Config::value(const std::string& path) const {
  for (const auto& [k, v] : values)
    if (k == path) return v;
  throw std::out_of_range("no configuration key '" + path + "'");
}
double Config::real(const std::string& path) const {
  return std::get<double>(value(path));
}
std::int64_t Config::integer(const std::string& path) const {
  return std::get<std::int64_t>(value(path));
}
bool Config::boolean(const std::string& path) const {
  return std::get<bool>(value(path));
}
const std::string& Config::string(const std::string& path) const {
  return std::get<std::string>(value(path));
}

Config parse_config(std::string_view toml_text, const std::string& source_name,
                    const std::vector<std::string>& set_overrides) {
  Ctx ctx{source_name, {}};
  toml::table root;
  try {
    root = toml::parse(toml_text, std::string_view(source_name));
  } catch (const toml::parse_error& e) {
    const int line = static_cast<int>(e.source().begin.line);
    const int col = static_cast<int>(e.source().begin.column);
    throw ConfigError(source_name + ":" + std::to_string(line) + ":" + std::to_string(col) + ": " +
                          one_line(e.description()),
                      source_name, "", line, col);
  }
  for (const auto& arg : set_overrides) apply_override(root, arg, ctx);

  const auto& schema = config_schema();
  check_unknown(root, schema, ctx);

  Config cfg;
  cfg.source = source_name;
  cfg.overrides = set_overrides;
  std::map<std::string, const toml::node*> nodes;
  for (const auto& spec : schema) {
    const toml::node* n = find(root, spec.path);
    ConfigValue v;
    if (!n) {
      if (!spec.default_value) {
        // A required key missing is the file's doing, also in a table a --set created.
        const std::string sec = section_of(spec.path);
        const std::string what =
            root.get(sec) && !ctx.overridden.count(sec)
                ? "missing key '" + spec.path + "'"
                : "missing table [" + sec + "] (first missing key '" + spec.path + "')";
        throw ConfigError(ctx.file + ": " + what, ctx.file, spec.path);
      }
      v = *spec.default_value;
    } else {
      v = read_value(*n, spec, ctx);
      if (spec.check) {
        const std::string why = spec.check(v);
        if (!why.empty()) ctx.key_error(spec.path, why, n);
      }
    }
    nodes[spec.path] = n;
    if (spec.apply) spec.apply(cfg, v);
    cfg.values.emplace_back(spec.path, std::move(v));
  }

  auto report = [&](const std::vector<std::pair<std::string, std::string>>& bad) {
    if (bad.empty()) return;
    const auto& [key, msg] = bad.front();
    std::string m = msg;
    if (m.find("(got") == std::string::npos && cfg.has(key))
      m += " (got " + fmt(cfg.value(key)) + ")";
    const auto it = nodes.find(key);
    ctx.key_error(key, m, it == nodes.end() ? nullptr : it->second);
  };
  report(cfg.model.validate());
  report(cfg.theory.validate());
  report(cfg.simulation.validate());
  report(cross_checks(cfg));

  if (const toml::node* sw = root.get("sweep")) cfg.sweep = parse_sweep(*sw, cfg.model, ctx);
  resolve_auto_cutoff_band(cfg, true);
  return cfg;
}

void resolve_auto_cutoff_band(Config& cfg, bool with_sweep) {
  if (cfg.simulation.cutoff_band) return;
  cfg.cutoff_band_rule.clear();
  std::vector<ModelParams> points;
  if (cfg.sweep && with_sweep)
    for (const SweepPoint& pt : expand_sweep(*cfg.sweep, cfg.model)) points.push_back(pt.params);
  else
    points.push_back(cfg.model);
  std::size_t decisive = 0, zero = 0;
  std::string first_rule;
  for (const ModelParams& p : points) {
    const CutoffBandChoice c = resolve_cutoff_band(p, cfg.simulation);
    if (c.value == 0.0) ++zero;
    if (c.decisive && decisive++ == 0) first_rule = c.rule;
  }
  const bool uniform = zero == 0 || zero == points.size();
  for (auto& [k, v] : cfg.values)
    if (k == "simulation.cutoff_band")
      v = uniform ? ConfigValue(zero ? 0.0 : kDefaultCutoffBand)
                  : ConfigValue(std::string(kCutoffBandWords[0]));
  if (decisive == 0) return;
  if (points.size() == 1) {
    cfg.cutoff_band_rule = first_rule;
    return;
  }
  cfg.cutoff_band_rule = "auto at each of the " + std::to_string(points.size()) +
                         " sweep points: 0 at " + std::to_string(zero) + ", " +
                         fmt(kDefaultCutoffBand) +
                         " at the others; the w_c term sets the step at " +
                         std::to_string(decisive) + " (steps_per_period column)";
}

Config load_config(const std::string& path, const std::vector<std::string>& set_overrides) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw ConfigError(path + ": is a directory, not a TOML file", path, "");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(path + ": cannot open file (" + std::strerror(errno) + ")", path, "");
  // Read at most kMaxInputBytes (+1 to detect more): a device or endless stream is refused.
  constexpr std::size_t kMaxInputBytes = 16u << 20;
  std::string text(kMaxInputBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) throw ConfigError(path + ": cannot read file", path, "");
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > kMaxInputBytes)
    throw ConfigError(path + ": larger than 16 MiB: not a synctur input", path, "");
  return parse_config(text, path, set_overrides);
}

std::string override_key(const std::string& set_arg) {
  return trim(set_arg.substr(0, set_arg.find('=')));
}

bool set_by_override(const Config& cfg, const std::string& key) {
  return std::any_of(cfg.overrides.begin(), cfg.overrides.end(),
                     [&](const std::string& s) { return override_key(s) == key; });
}

}  // namespace synctur::io
