#include "synctur/engines/sweep.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <sstream>
#include <stdexcept>

namespace synctur {

namespace {

constexpr std::size_t kMaxPoints = 10'000'000;

/// Shortest text that reads back to v ("0.1", "-1", "nan", "inf").
std::string fmt(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  return std::string(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
}

bool is_derived(const std::string& key) {
  return key == "T" || key == "Tbar" || key == "dT_over_Tbar";
}

/// Which model temperatures a key writes (for conflict detection).
bool writes_T1(const std::string& key) {
  return key == "driven_bath.temperature" || is_derived(key);
}
bool writes_T2(const std::string& key) {
  return key == "static_bath.temperature" || is_derived(key);
}

}  // namespace

const char* SweepAxis::scale_name(Scale s) {
  switch (s) {
    case Scale::Linear:
      return "linear";
    case Scale::Log:
      return "log";
    case Scale::List:
      return "values";
  }
  return "?";
}

std::size_t SweepAxis::size() const {
  if (scale == Scale::List) return values.size();
  return points > 0 ? static_cast<std::size_t>(points) : 0;
}

std::vector<double> SweepAxis::grid() const {
  if (scale == Scale::List) return values;
  const std::size_t n = size();
  std::vector<double> g(n);
  if (n == 0) return g;
  g[0] = from;
  if (n == 1) return g;
  const double last = static_cast<double>(n - 1);
  if (scale == Scale::Linear) {
    for (std::size_t i = 1; i + 1 < n; ++i)
      g[i] = from + (to - from) * (static_cast<double>(i) / last);
  } else {
    const double l0 = std::log(from), l1 = std::log(to);
    for (std::size_t i = 1; i + 1 < n; ++i)
      g[i] = std::exp(l0 + (l1 - l0) * (static_cast<double>(i) / last));
  }
  g[n - 1] = to;
  return g;
}

const std::vector<std::string>& sweep_keys() {
  static const std::vector<std::string> keys = [] {
    std::vector<std::string> k = model_keys();
    k.insert(k.end(), {"T", "Tbar", "dT_over_Tbar"});
    return k;
  }();
  return keys;
}

bool is_sweep_key(const std::string& key) {
  const auto& k = sweep_keys();
  return std::find(k.begin(), k.end(), key) != k.end();
}

void set_temperatures_from_mean(ModelParams& p, double Tbar, double dT_over_Tbar) {
  p.T_1 = Tbar * (1.0 + dT_over_Tbar / 2.0);
  p.T_2 = Tbar * (1.0 - dT_over_Tbar / 2.0);
}

namespace {

using Problems = std::vector<std::pair<std::string, std::string>>;

/// One axis: a known key, a valid grid, the derived keys' ranges (model keys are checked point
/// by point by the caller).
void validate_axis(const SweepAxis& a, Problems& bad) {
  const std::string k = "sweep." + a.name;
  if (!is_sweep_key(a.key)) {
    bad.emplace_back(k + ".key", "unknown parameter '" + a.key + "'");
    return;
  }
  if (a.scale == SweepAxis::Scale::List) {
    if (a.values.empty()) bad.emplace_back(k + ".values", "must not be empty");
    for (double v : a.values)
      if (!std::isfinite(v)) {
        bad.emplace_back(k + ".values", "must be finite (got " + fmt(v) + ")");
        break;
      }
  } else {
    if (a.points < 1)
      bad.emplace_back(k + ".points", "must be >= 1 (got " + std::to_string(a.points) + ")");
    if (!std::isfinite(a.from))
      bad.emplace_back(k + ".from", "must be finite (got " + fmt(a.from) + ")");
    if (!std::isfinite(a.to)) bad.emplace_back(k + ".to", "must be finite (got " + fmt(a.to) + ")");
    if (a.scale == SweepAxis::Scale::Log && !(a.from > 0.0 && a.to > 0.0))
      bad.emplace_back(k, "scale = \"log\" needs from > 0 and to > 0 (got from = " + fmt(a.from) +
                              ", to = " + fmt(a.to) + ")");
  }
  if (a.key != "dT_over_Tbar" && a.key != "Tbar" && a.key != "T") return;
  const auto g = a.scale == SweepAxis::Scale::List ? a.values : std::vector<double>{a.from, a.to};
  for (double v : g) {
    if (a.key == "dT_over_Tbar" && !(v >= -2.0 && v <= 2.0)) {
      bad.emplace_back(k, "dT_over_Tbar must be in [-2, 2] (got " + fmt(v) + ")");
      return;
    }
    if (a.key != "dT_over_Tbar" && !(v >= 0.0)) {
      bad.emplace_back(k, a.key + " must be >= 0 (got " + fmt(v) + ")");
      return;
    }
  }
}

/// The (Tbar, dT_over_Tbar) pair: each from an axis or a fixed value, never both, never neither.
void validate_temperature_pair(const SweepSpec& s, bool any_tbar_axis, bool any_dt_axis,
                               Problems& bad) {
  if (s.Tbar) {
    if (!std::isfinite(*s.Tbar) || !(*s.Tbar >= 0.0))
      bad.emplace_back("sweep.Tbar", "must be >= 0 and finite (got " + fmt(*s.Tbar) + ")");
    if (!any_dt_axis)
      bad.emplace_back("sweep.Tbar", "a fixed Tbar is only used with an axis over 'dT_over_Tbar'");
    else if (any_tbar_axis)
      bad.emplace_back("sweep.Tbar", "Tbar is already an axis");
  }
  if (s.dT_over_Tbar) {
    if (!(*s.dT_over_Tbar >= -2.0 && *s.dT_over_Tbar <= 2.0))
      bad.emplace_back("sweep.dT_over_Tbar",
                       "must be in [-2, 2] (got " + fmt(*s.dT_over_Tbar) + ")");
    if (!any_tbar_axis)
      bad.emplace_back("sweep.dT_over_Tbar",
                       "a fixed dT_over_Tbar is only used with an axis over 'Tbar'");
    else if (any_dt_axis)
      bad.emplace_back("sweep.dT_over_Tbar", "dT_over_Tbar is already an axis");
  }
  if (any_tbar_axis && !any_dt_axis && !s.dT_over_Tbar)
    bad.emplace_back("sweep.dT_over_Tbar",
                     "an axis over 'Tbar' needs 'dT_over_Tbar' (a fixed value in [sweep] or the "
                     "other axis)");
  if (any_dt_axis && !any_tbar_axis && !s.Tbar)
    bad.emplace_back("sweep.Tbar",
                     "an axis over 'dT_over_Tbar' needs 'Tbar' (a fixed value in [sweep] or the "
                     "other axis)");
}

}  // namespace

std::vector<std::pair<std::string, std::string>> SweepSpec::validate() const {
  Problems bad;
  if (axes.empty()) {
    bad.emplace_back("sweep.x", "a sweep needs an axis 'x'");
    return bad;
  }
  if (axes.size() > 2) bad.emplace_back("sweep", "at most two axes (x and y)");
  bool any_tbar_axis = false, any_dt_axis = false;
  for (const auto& a : axes) {
    validate_axis(a, bad);
    if (!is_sweep_key(a.key)) continue;
    any_tbar_axis |= a.key == "Tbar";
    any_dt_axis |= a.key == "dT_over_Tbar";
  }
  if (axes.size() == 2) {
    const std::string &kx = axes[0].key, &ky = axes[1].key;
    if (kx == ky) {
      bad.emplace_back("sweep.y.key", "both axes sweep '" + kx + "'");
    } else if (((writes_T1(kx) && writes_T1(ky)) || (writes_T2(kx) && writes_T2(ky))) &&
               !((kx == "Tbar" && ky == "dT_over_Tbar") ||
                 (kx == "dT_over_Tbar" && ky == "Tbar"))) {
      bad.emplace_back("sweep.y.key", "'" + ky + "' and '" + kx + "' both set a temperature");
    }
  }
  validate_temperature_pair(*this, any_tbar_axis, any_dt_axis, bad);
  if (bad.empty()) {
    double n = 1.0;
    for (const auto& a : axes) n *= static_cast<double>(a.size());
    if (n > static_cast<double>(kMaxPoints))
      bad.emplace_back("sweep", "too many points (" + fmt(n) + " > 1e7)");
  }
  return bad;
}

std::size_t SweepSpec::size() const {
  if (axes.empty()) return 0;
  std::size_t n = 1;
  for (const auto& a : axes) n *= a.size();
  return n;
}

std::vector<std::string> SweepSpec::derived_columns() const {
  std::vector<std::string> c;
  bool t = false, mean = Tbar.has_value() || dT_over_Tbar.has_value();
  for (const auto& a : axes) {
    t |= a.key == "T";
    mean |= a.key == "Tbar" || a.key == "dT_over_Tbar";
  }
  if (t) c.emplace_back("T");
  if (mean) {
    c.emplace_back("Tbar");
    c.emplace_back("dT_over_Tbar");
  }
  return c;
}

std::vector<SweepPoint> expand_sweep(const SweepSpec& spec, const ModelParams& base) {
  const auto bad = spec.validate();
  if (!bad.empty()) throw std::invalid_argument(bad.front().first + ": " + bad.front().second);

  std::vector<std::vector<double>> grids;
  for (const auto& a : spec.axes) grids.push_back(a.grid());
  const std::size_t nx = grids[0].size();
  const std::size_t ny = grids.size() > 1 ? grids[1].size() : 1;
  const auto columns = spec.derived_columns();

  std::vector<SweepPoint> pts;
  pts.reserve(nx * ny);
  for (std::size_t iy = 0; iy < ny; ++iy) {
    for (std::size_t ix = 0; ix < nx; ++ix) {
      SweepPoint pt;
      pt.params = base;
      pt.axis.push_back(grids[0][ix]);
      if (grids.size() > 1) pt.axis.push_back(grids[1][iy]);
      double Tbar = spec.Tbar.value_or(0.0), x = spec.dT_over_Tbar.value_or(0.0), T = 0.0;
      bool mean = spec.Tbar.has_value() || spec.dT_over_Tbar.has_value();
      for (std::size_t i = 0; i < spec.axes.size(); ++i) {
        const std::string& key = spec.axes[i].key;
        const double v = pt.axis[i];
        if (key == "T") {
          T = v;
          pt.params.T_1 = v;
          pt.params.T_2 = v;
        } else if (key == "Tbar") {
          Tbar = v;
          mean = true;
        } else if (key == "dT_over_Tbar") {
          x = v;
          mean = true;
        } else {
          set_param(pt.params, key, v);
        }
      }
      if (mean) set_temperatures_from_mean(pt.params, Tbar, x);
      for (const auto& c : columns) pt.derived.push_back(c == "T" ? T : c == "Tbar" ? Tbar : x);
      pts.push_back(std::move(pt));
    }
  }
  return pts;
}

}  // namespace synctur
