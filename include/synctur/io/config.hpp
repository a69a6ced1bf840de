// TOML input files -> Config.  The only place that reads TOML (toml++ stays in synctur_io).
//
// The parser is schema driven: config_schema() lists every accepted `section.key` with its
// type, default (or "required"), range rule and an optional setter into a typed struct.
// Adding a key to a new or existing table is ONE line in the schema table of
// src/io/config.cpp, e.g.
//     real("simulation.dt", 1e-2, positive()),
// after which the validated value is available as cfg.real("simulation.dt").
// The [sweep] table has its own syntax (SweepSpec, docs/INPUTS.md).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "synctur/engines/simulation_options.hpp"
#include "synctur/engines/sweep.hpp"
#include "synctur/engines/theory.hpp"
#include "synctur/physics/model.hpp"

namespace synctur::io {

/// A bad input: what() is ONE line, "<file>: <message>", "<file>:<line>:<column>: <message>"
/// for TOML syntax errors, or "--set ..." for errors in command-line overrides.
class ConfigError : public std::runtime_error {
 public:
  ConfigError(const std::string& what, std::string source, std::string key, int line = 0,
              int column = 0)
      : std::runtime_error(what),
        source_(std::move(source)),
        key_(std::move(key)),
        line_(line),
        column_(column) {}
  const std::string& source() const { return source_; }  ///< file path or "--set"
  const std::string& key() const { return key_; }        ///< dotted key ("" for syntax errors)
  int line() const { return line_; }                     ///< 1-based; 0 when unknown
  int column() const { return column_; }                 ///< 1-based; 0 when unknown

 private:
  std::string source_, key_;
  int line_, column_;
};

/// Allowed values of simulation.progress (Config::progress); the first is the default.
inline constexpr std::array<std::string_view, 3> kProgressValues = {"auto", "always", "never"};

/// A validated scalar of the schema.
using ConfigValue = std::variant<double, std::int64_t, bool, std::string>;

struct Config;

/// One accepted key.
struct KeySpec {
  /// RealOrWord: a number, or one of `words` (a string), e.g. simulation.cutoff_band.
  enum class Type { Real, Int, Bool, String, RealOrWord };
  std::string path;  ///< "section.key"
  Type type = Type::Real;
  std::optional<ConfigValue> default_value;  ///< nullopt: required
  /// Range rule: "" when v is acceptable, else the reason ("must be > 0 (got -1)").
  std::function<std::string(const ConfigValue& v)> check;
  /// Optional setter into a typed struct of Config (model, theory); may be empty: the value
  /// is always stored in Config::values.
  std::function<void(Config& cfg, const ConfigValue& v)> apply;
  std::string doc;                 ///< one-line description with unit
  std::vector<std::string> words;  ///< RealOrWord: the accepted strings
};

/// Whether the JSON head echoes this key's value: false for the optional keys of issue 16
/// (system.statistics, system.quartic_A, system.quartic_B) at their defaults, so that the
/// output of a linear quantum run is the same as before they existed.
bool echo_parameter(const std::string& path, const ConfigValue& v);

/// Every accepted key outside [sweep], in output order.
const std::vector<KeySpec>& config_schema();

struct Config {
  std::string source;                  ///< input file as given
  std::vector<std::string> overrides;  ///< the --set arguments, as given
  ModelParams model;                   ///< [system] [static_bath] [driven_bath] [drive]
  TheoryOptions theory;                ///< [theory]
  SimulationOptions simulation;        ///< [simulation]; its .noise is [noise]
  /// simulation.progress  the CLI's progress line: "auto" (only when stderr is a terminal),
  /// "always", "never".  A display setting of the front end, not an engine option (it is not
  /// in SimulationOptions; the engines report to an ExecutionContext's ProgressSink).
  std::string progress{kProgressValues[0]};
  std::optional<SweepSpec> sweep;  ///< [sweep], if present
  /// Why simulation.cutoff_band has the value echoed in `values` when it was "auto" and the
  /// automatic rule set the step (resolve_cutoff_band; at some point of a sweep); "" otherwise.
  /// The JSON head echoes it as simulation.cutoff_band_rule after simulation.cutoff_band.
  std::string cutoff_band_rule;
  /// Every schema key with its validated value (defaults filled in), in schema order;
  /// simulation.cutoff_band = "auto" as the number it resolved to (resolve_cutoff_band; at a
  /// sweep: "auto" only if that differs between the points).
  std::vector<std::pair<std::string, ConfigValue>> values;

  bool has(const std::string& path) const;
  const ConfigValue& value(const std::string& path) const;  ///< throws std::out_of_range
  double real(const std::string& path) const;
  std::int64_t integer(const std::string& path) const;
  bool boolean(const std::string& path) const;
  const std::string& string(const std::string& path) const;
};

/// Read, parse and validate a TOML file; `set_overrides` are "section.key=value" strings
/// (the value is parsed as a TOML value; a bare word that is not valid TOML is a string)
/// applied before validation.  Throws ConfigError.
Config load_config(const std::string& path, const std::vector<std::string>& set_overrides = {});

/// simulation.cutoff_band = "auto" (cfg.simulation.cutoff_band empty): store in cfg.values
/// the number it resolves to (resolve_cutoff_band) at the base point, or at every point of
/// cfg.sweep when with_sweep ("auto" stays where the points differ), and set
/// cfg.cutoff_band_rule when the rule set the step.  parse_config calls it with the sweep; a
/// caller that runs only the base point (--no-sweep) calls it again with with_sweep = false.
/// Where the w_c term sets no step the echo is kDefaultCutoffBand, as before "auto" existed.
void resolve_auto_cutoff_band(Config& cfg, bool with_sweep);

/// The key of a --set argument "section.key=value", trimmed as the loader trims it.
std::string override_key(const std::string& set_arg);
/// Whether key was given by one of cfg's --set overrides (so a message names `--set key`).
bool set_by_override(const Config& cfg, const std::string& key);

/// The same from TOML text; `source_name` is used in error messages.
Config parse_config(std::string_view toml_text, const std::string& source_name,
                    const std::vector<std::string>& set_overrides = {});

/// "did you mean" helper: the candidate closest to `word` (case-insensitive edit distance),
/// or "" when none is close.
std::string closest_match(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace synctur::io
