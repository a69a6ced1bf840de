// synctur theory: theory_point() at the point of CONFIG, or at every point of its [sweep]
// (OpenMP, rows in sweep order).
#include <iostream>

#include "common.hpp"
#include "synctur/sweep.hpp"
#include "synctur/theory.hpp"

namespace synctur::cli {

namespace {

const char* kSummary =
    "Lowest-order (in gamma_1, all orders in gamma_2) results of the paper at the point of\n"
    "CONFIG, or at every point of its [sweep] (one CSV row per point, computed in parallel).";
const char* kDetails =
    "Default format: json for a single point, csv for a sweep.  Columns/keys: the model\n"
    "parameters by TOML path (system.mass ... drive.r), the derived sweep keys (T, Tbar,\n"
    "dT_over_Tbar) when used, then the result keys (docs/KEYS.md).";

std::vector<double> model_row(const ModelParams& p) {
  std::vector<double> row;
  for (const auto& k : model_keys()) row.push_back(get_param(p, k));
  return row;
}

}  // namespace

int theory_main(const std::vector<std::string>& words) {
  return run_guarded([&] {
    const Args a = parse_args("theory", words, {});
    if (a.help) {
      print_command_help(std::cout, "theory", kSummary, {}, kDetails);
      return 0;
    }
    const io::Config cfg = load(a);
    const io::Provenance prov = provenance(a);

    if (!cfg.sweep || a.no_sweep) {
      const Results r = theory_point(cfg.model, cfg.theory);
      if (format_or(a, "json") == "json") {
        emit(a, [&](std::ostream& os) { io::write_json_point(os, prov, cfg, r); });
      } else {
        const io::Table t = io::results_table(model_keys(), {model_row(cfg.model)}, {r});
        emit(a, [&](std::ostream& os) { io::write_csv(os, prov, t); });
      }
      return 0;
    }

    const std::vector<SweepPoint> pts = expand_sweep(*cfg.sweep, cfg.model);
    const long n = static_cast<long>(pts.size());
    std::vector<Results> res(pts.size());
    std::string failure;
    Progress progress("theory", pts.size(), progress_wanted(a));
#pragma omp parallel for schedule(dynamic) num_threads(thread_count(a))
    for (long i = 0; i < n; ++i) {
      try {
        res[i] = theory_point(pts[i].params, cfg.theory);
      } catch (const std::exception& e) {
#pragma omp critical(synctur_theory_failure)
        if (failure.empty()) failure = "sweep point " + std::to_string(i + 1) + ": " + e.what();
      }
      progress.tick();
    }
    progress.finish();
    if (!failure.empty()) throw std::runtime_error(failure);

    std::vector<std::string> columns = model_keys();
    const auto derived = cfg.sweep->derived_columns();
    columns.insert(columns.end(), derived.begin(), derived.end());
    std::vector<std::vector<double>> rows;
    rows.reserve(pts.size());
    for (const auto& pt : pts) {
      auto row = model_row(pt.params);
      row.insert(row.end(), pt.derived.begin(), pt.derived.end());
      rows.push_back(std::move(row));
    }
    const io::Table t = io::results_table(columns, rows, res);
    emit_table(a, prov, cfg, t);
    return 0;
  });
}

}  // namespace synctur::cli
