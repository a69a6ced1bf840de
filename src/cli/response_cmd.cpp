// synctur response: chi_2(w) and the eigenvalues of chi_2''(w) over a w grid (Fig. 2a), at the
// point of CONFIG or at every point of its [sweep].
#include <iostream>

#include "common.hpp"
#include "synctur/engines/sweep.hpp"
#include "synctur/physics/response.hpp"

namespace synctur::cli {

namespace {

const char* kSummary =
    "The static response matrix chi_2(w) (paper Eqs. 9-10) and the eigenvalues of its\n"
    "imaginary part chi_2''(w) (Fig. 2a) over a frequency grid, at the point of CONFIG or at\n"
    "every point of its [sweep] (e.g. over static_bath.gamma).";
const char* kDetails =
    "The grid is response.w_min, response.w_max, response.points of CONFIG ([response] table,\n"
    "defaults 0, 3, 601), overridden by the options below.  Columns: the swept keys (if any),\n"
    "then w, chi_AA', chi_AA'', chi_BB', chi_BB'', chi_AB', chi_AB'', eig_min, eig_max\n"
    "(' = real part, '' = imaginary part; [1/frequency^2]).  Default format: csv.";

bool is_model_key(const std::string& k) {
  for (const auto& m : model_keys())
    if (m == k) return true;
  return false;
}

const std::vector<OptionSpec> kOptions = {
    {"--w-min", "W", "first frequency of the grid (response.w_min)"},
    {"--w-max", "W", "last frequency of the grid (response.w_max)"},
    {"--points", "N", "number of grid points (response.points)"},
};

}  // namespace

int response_main(const std::vector<std::string>& words) {
  return run_guarded([&] {
    const Args a = parse_args("response", words, kOptions);
    if (a.help) {
      print_command_help(std::cout, "response", kSummary, kOptions, kDetails);
      return 0;
    }
    // The grid options are overrides of the [response] keys (validated with the config).
    std::vector<OptionSet> sets;
    if (a.extra.count("--w-min"))
      sets.push_back({"--w-min", "response.w_min",
                      io::format_number(parse_real("--w-min", a.extra.at("--w-min")))});
    if (a.extra.count("--w-max"))
      sets.push_back({"--w-max", "response.w_max",
                      io::format_number(parse_real("--w-max", a.extra.at("--w-max")))});
    if (a.extra.count("--points"))
      sets.push_back({"--points", "response.points",
                      std::to_string(parse_int("--points", a.extra.at("--points")))});
    const io::Config cfg = load(a, sets);

    SweepAxis grid;
    grid.key = "w";
    grid.from = cfg.real("response.w_min");
    grid.to = cfg.real("response.w_max");
    grid.points = cfg.integer("response.points");
    const std::vector<double> ws = grid.grid();

    std::vector<SweepPoint> pts;
    std::vector<std::string> columns;
    if (cfg.sweep && !a.no_sweep) {
      pts = expand_sweep(*cfg.sweep, cfg.model);
      for (const auto& ax : cfg.sweep->axes)
        if (is_model_key(ax.key)) columns.push_back(ax.key);
      const auto derived = cfg.sweep->derived_columns();
      columns.insert(columns.end(), derived.begin(), derived.end());
    } else {
      pts.push_back(SweepPoint{cfg.model, {}, {}});
    }
    for (const char* c : {"w", "chi_AA'", "chi_AA''", "chi_BB'", "chi_BB''", "chi_AB'", "chi_AB''",
                          "eig_min", "eig_max"})
      columns.emplace_back(c);

    io::Table t;
    t.columns = columns;
    t.rows.reserve(pts.size() * ws.size());
    for (const auto& pt : pts) {
      std::vector<io::Cell> head;
      for (std::size_t j = 0; j < pt.axis.size(); ++j)
        if (is_model_key(cfg.sweep->axes[j].key)) head.emplace_back(pt.axis[j]);
      for (double d : pt.derived) head.emplace_back(d);
      for (double w : ws) {
        const Chi2 c = chi2(pt.params, w);
        const auto e = chi2_imag_eigenvalues(pt.params, w);
        std::vector<io::Cell> row = head;
        for (double v : {w, c.AA.real(), c.AA.imag(), c.BB.real(), c.BB.imag(), c.AB.real(),
                         c.AB.imag(), e[0], e[1]})
          row.emplace_back(v);
        t.rows.push_back(std::move(row));
      }
    }
    const io::Provenance prov = provenance(a);
    emit_table(a, prov, cfg, t);
    return 0;
  });
}

}  // namespace synctur::cli
