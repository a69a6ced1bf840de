// Parameter sweeps: 1-D or 2-D grids over model parameters and over the derived temperature
// keys T (isothermal), Tbar and dT_over_Tbar.  Pure data + expansion; the [sweep] TOML syntax
// that fills a SweepSpec lives in io/config (docs/INPUTS.md).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "synctur/physics/model.hpp"

namespace synctur {

/// One axis of a sweep: a parameter key and its values, either generated (linear or
/// logarithmic from `from` to `to` with `points` points, both ends included) or given.
struct SweepAxis {
  enum class Scale { Linear, Log, List };

  std::string name = "x";  ///< "x" (first axis, fastest varying) or "y"
  std::string key;         ///< a model key (model_keys()) or "T", "Tbar", "dT_over_Tbar"
  Scale scale = Scale::Linear;
  double from = 0.0;           ///< Linear/Log: first value         [unit of the key]
  double to = 0.0;             ///< Linear/Log: last value          [unit of the key]
  long long points = 0;        ///< Linear/Log: number of values (>= 1; 1 gives {from})
  std::vector<double> values;  ///< List: the values, in order

  /// The values of the axis, in order.  Linear: from + (to - from) i/(n-1); Log:
  /// from (to/from)^(i/(n-1)); the last value is exactly `to`.
  std::vector<double> grid() const;
  std::size_t size() const;
  static const char* scale_name(Scale s);  ///< "linear", "log", "values"
};

/// A 1-D or 2-D sweep.  With two axes the points are ordered y-major: the x axis varies
/// fastest (index = iy * nx + ix), so a CSV reshapes to Z[iy][ix].
struct SweepSpec {
  std::vector<SweepAxis> axes;         ///< 1 or 2 axes
  std::optional<double> Tbar;          ///< fixed mean temperature (with a dT_over_Tbar axis)
  std::optional<double> dT_over_Tbar;  ///< fixed (T_1 - T_2)/Tbar (with a Tbar axis)

  /// All violated constraints as (key, message), key like "sweep.x.points"; empty when valid.
  /// Checks axis keys, points >= 1, log bounds > 0, finite values, companions of the derived
  /// keys present and not contradictory, -2 <= dT/Tbar <= 2, Tbar >= 0, at most 1e7 points.
  std::vector<std::pair<std::string, std::string>> validate() const;

  std::size_t size() const;  ///< number of points (product of the axis sizes)

  /// Columns that are not model keys but describe a point: "T" for an isothermal axis,
  /// "Tbar" and "dT_over_Tbar" when either is used.  Empty otherwise.
  std::vector<std::string> derived_columns() const;
};

/// One point of an expanded sweep.
struct SweepPoint {
  ModelParams params;           ///< the base parameters with the axis values applied
  std::vector<double> axis;     ///< the value of each axis at this point (x first)
  std::vector<double> derived;  ///< values of SweepSpec::derived_columns(), same order
};

/// The keys an axis may sweep: model_keys() then "T", "Tbar", "dT_over_Tbar".
const std::vector<std::string>& sweep_keys();
bool is_sweep_key(const std::string& key);

/// Apply the isothermal / mean-temperature keys: T_1 = Tbar (1 + x/2), T_2 = Tbar (1 - x/2).
void set_temperatures_from_mean(ModelParams& p, double Tbar, double dT_over_Tbar);

/// Expand a (valid) sweep into its points, in row order (x fastest).  Throws
/// std::invalid_argument if spec.validate() is not empty.  The points are not validated
/// against ModelParams::validate(): callers do that (io/config reports the first bad point).
std::vector<SweepPoint> expand_sweep(const SweepSpec& spec, const ModelParams& base);

}  // namespace synctur
