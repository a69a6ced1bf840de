// synctur._core: the compiled half of the Python package (python/synctur/__init__.py is the
// other).  It calls the same library functions as the CLI (synctur_app, src/app/) on a Config
// loaded by the same loader (io::load_config / io::parse_config), so keys and bits are the CLI's.
//
// Long calls: the computation runs in a worker std::thread (its own OpenMP team) while the
// calling thread, with the GIL released, waits in slices of kPoll; between slices it takes the
// GIL back and calls PyErr_CheckSignals() (Ctrl-C: Python's C handler only sets a flag; the
// KeyboardInterrupt is raised here, on the main thread) and the optional progress callable.  On
// an interrupt it sets an atomic flag that the engine's ticks and polls (ProgressSink, per chunk
// and per sweep point) check: they throw, the engine collects the failure and returns early, the
// worker is joined, and the Python exception propagates.  Nothing of the run is kept.
#include <omp.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <future>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "synctur/app/commands.hpp"
#include "synctur/dynamics/floquet.hpp"
#include "synctur/engines/exact.hpp"
#include "synctur/engines/simulation_options.hpp"
#include "synctur/engines/sweep.hpp"
#include "synctur/engines/theory.hpp"
#include "synctur/io/config.hpp"
#include "synctur/io/output.hpp"

namespace py = pybind11;
using namespace synctur;
using py::literals::operator""_a;

namespace {

constexpr auto kPoll = std::chrono::milliseconds(20);

/// Thrown by the tick callbacks once an interrupt was requested (never reaches Python).
struct Interrupted : std::runtime_error {
  Interrupted() : std::runtime_error("interrupted") {}
};

/// Shared between the calling thread and the computation: the computation's ProgressSink.
struct Control : ProgressSink {
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> done{0}, total{0};

  void begin(std::uint64_t n) override { total.store(n, std::memory_order_relaxed); }
  /// Per counted piece of work: counts, and stops the run once an interrupt was requested.
  void tick() override {
    done.fetch_add(1, std::memory_order_relaxed);
    poll();
  }
  void poll() override {
    if (stop.load(std::memory_order_relaxed)) throw Interrupted();
  }
  /// The context of a computation on n threads reporting here.
  ExecutionContext context(int n) {
    ExecutionContext ctx;
    ctx.threads = n;
    ctx.progress = this;
    return ctx;
  }
};

/// Run `body` in a worker thread with the GIL released; see the file comment.  `progress`
/// (None or a callable (done, total)) is called from this thread with the GIL held.
template <class F>
auto run_interruptible(Control& c, const py::object& progress, F&& body) -> decltype(body()) {
  using R = decltype(body());
  std::packaged_task<R()> task(std::forward<F>(body));
  std::future<R> result = task.get_future();
  std::thread worker;
  {
    py::gil_scoped_release nogil;
    worker = std::thread(std::move(task));
  }
  bool python_error = false;  // the Python error indicator is set (KeyboardInterrupt, ...)
  std::uint64_t shown = std::numeric_limits<std::uint64_t>::max();
  auto report = [&](bool last) {
    if (progress.is_none()) return true;
    const std::uint64_t d = c.done.load(), t = c.total.load();
    if (d == shown && !last) return true;
    shown = d;
    PyObject* r = PyObject_CallFunction(progress.ptr(), "KK", static_cast<unsigned long long>(d),
                                        static_cast<unsigned long long>(t));
    if (!r) return false;
    Py_DECREF(r);
    return true;
  };
  for (;;) {
    bool ready;
    {
      py::gil_scoped_release nogil;
      ready = result.wait_for(kPoll) == std::future_status::ready;
    }
    if (ready) break;
    if (PyErr_CheckSignals() != 0 || !report(false)) {
      python_error = true;
      c.stop.store(true);
      break;
    }
  }
  {
    // Wait for the workers to stop (at their next tick).  Without the GIL: other Python
    // threads may run; the error indicator of this thread stays set meanwhile.
    py::gil_scoped_release nogil;
    worker.join();
  }
  if (python_error) throw py::error_already_set();
  R r = result.get();  // rethrows the computation's exception (translated below)
  c.done.store(c.total.load());
  if (!report(true)) throw py::error_already_set();
  return r;
}

int resolve_threads(const std::optional<int>& threads) {
  if (!threads) return omp_get_max_threads();
  if (*threads < 1 || *threads > 4096)
    throw py::value_error("threads must be in [1, 4096] (got " + std::to_string(*threads) + ")");
  return *threads;
}

/// The provenance the CLI writes for `command` on cfg.
io::Provenance provenance_of(const std::string& command, const io::Config& cfg) {
  io::Provenance prov;
  prov.command = command;
  prov.input = cfg.source;
  prov.overrides = cfg.overrides;
  return prov;
}

/// The JSON head (command, version, input, overrides, parameters[, sweep]) as the CLI writes
/// it: the Python side json.loads it, so it is the CLI's by construction.
std::string point_head(const std::string& command, const io::Config& cfg) {
  std::ostringstream os;
  io::write_json_point(os, provenance_of(command, cfg), cfg, Results{});
  return os.str();
}
std::string table_head(const std::string& command, const io::Config& cfg) {
  std::ostringstream os;
  io::write_json_table(os, provenance_of(command, cfg), cfg, io::Table{}, true);
  return os.str();
}

/// {"kind": "point", "head": json, "numbers": [(k, v)], "texts": [(k, s)]}
py::dict point_dict(const std::string& command, const io::Config& cfg, const Results& r) {
  py::dict d;
  d["kind"] = "point";
  d["head"] = point_head(command, cfg);
  py::list numbers, texts;
  for (const auto& [k, v] : r.numbers()) numbers.append(py::make_tuple(k, v));
  for (const auto& [k, v] : r.texts()) texts.append(py::make_tuple(k, v));
  d["numbers"] = numbers;
  d["texts"] = texts;
  return d;
}

/// {"kind": "table", "head": json, "columns": [...], "data": [array per column]}: a column of
/// numbers is a float64 array, one with a text anywhere an object array (texts and floats).
py::dict table_dict(const std::string& head, const io::Table& t) {
  py::dict d;
  d["kind"] = "table";
  d["head"] = head;
  py::list columns, data;
  const std::size_t n = t.rows.size();
  for (std::size_t j = 0; j < t.columns.size(); ++j) {
    columns.append(t.columns[j]);
    bool numeric = true;
    for (const auto& row : t.rows)
      if (!std::holds_alternative<double>(row[j])) numeric = false;
    if (numeric) {
      py::array_t<double> a(static_cast<py::ssize_t>(n));
      double* p = a.mutable_data();
      for (std::size_t i = 0; i < n; ++i) p[i] = std::get<double>(t.rows[i][j]);
      data.append(a);
    } else {
      py::list cells;
      for (const auto& row : t.rows) {
        if (const double* v = std::get_if<double>(&row[j]))
          cells.append(*v);
        else
          cells.append(std::get<std::string>(row[j]));
      }
      data.append(py::module_::import("numpy").attr("array")(cells, "dtype"_a = "object"));
    }
  }
  d["columns"] = columns;
  d["data"] = data;
  return d;
}

/// The config of a call: a TOML file (path) or TOML text (from a dict), with --set overrides
/// and, for --seed, extra overrides that are not part of the provenance (as in the CLI).
io::Config load(const std::optional<std::string>& path, const std::optional<std::string>& text,
                const std::string& source, const std::vector<std::string>& overrides,
                const std::vector<std::string>& extra) {
  std::vector<std::string> sets = overrides;
  sets.insert(sets.end(), extra.begin(), extra.end());
  io::Config cfg = path ? io::load_config(*path, sets) : io::parse_config(*text, source, sets);
  cfg.overrides = overrides;  // the provenance: --seed is not a --set (cli::provenance)
  return cfg;
}

bool use_sweep(const io::Config& cfg, bool sweep) {
  return cfg.sweep && sweep;
}

/// A solver's sweep: `solve` at every point on n threads, interruptible, progress per point.
std::pair<std::vector<SweepPoint>, std::vector<Results>> solver_sweep(
    const io::Config& cfg, int n, const py::object& progress,
    const std::function<Results(const ModelParams&)>& solve) {
  Control c;
  std::vector<SweepPoint> pts = expand_sweep(*cfg.sweep, cfg.model);
  c.total = pts.size();
  auto res =
      run_interruptible(c, progress, [&] { return app::run_sweep(pts, c.context(n), solve); });
  return {std::move(pts), std::move(res)};
}

py::dict py_theory(const io::Config& cfg, std::optional<int> threads, bool sweep,
                   const py::object& progress) {
  const int n = resolve_threads(threads);
  Control c;
  if (!use_sweep(cfg, sweep)) {
    const Results r = run_interruptible(
        c, py::none(), [&] { return to_results(theory_point(cfg.model, cfg.theory)); });
    return point_dict("theory", cfg, r);
  }
  const auto [pts, res] = solver_sweep(cfg, n, progress, [&](const ModelParams& p) {
    return to_results(theory_point(p, cfg.theory));
  });
  return table_dict(table_head("theory", cfg), app::sweep_table(cfg, pts, res));
}

/// The [exact] keys of cfg (validated by the loader) and the two switches.
ExactOptions exact_options(const io::Config& cfg, bool fluctuations, bool omega_derivative) {
  ExactOptions o = app::exact_options(cfg);
  if (!fluctuations) o.fluctuations = o.omega_derivative = false;
  if (!omega_derivative) o.omega_derivative = false;
  return o;
}

py::dict py_exact(const io::Config& cfg, std::optional<int> threads, bool sweep,
                  const py::object& progress, const ExactOptions& opt) {
  const int n = resolve_threads(threads);
  Control c;
  if (!use_sweep(cfg, sweep)) {
    const Results r =
        run_interruptible(c, py::none(), [&] { return app::exact_steady_point(cfg.model, opt); });
    return point_dict("exact", cfg, r);
  }
  const auto [pts, res] = solver_sweep(
      cfg, n, progress, [&](const ModelParams& p) { return to_results(exact_point(p, opt)); });
  py::dict d = table_dict(table_head("exact", cfg), app::sweep_table(cfg, pts, res));
  py::list messages;
  if (const std::string m = app::unstable_rows_message(res); !m.empty()) messages.append(m);
  d["messages"] = messages;
  return d;
}

py::dict py_simulate(const io::Config& cfg, std::optional<int> threads, bool sweep,
                     const py::object& progress) {
  const int n = resolve_threads(threads);
  Control c;
  if (!use_sweep(cfg, sweep)) {
    const Results r = run_interruptible(
        c, progress, [&] { return app::simulate_point(cfg.model, cfg, c.context(n)); });
    return point_dict("simulate", cfg, r);
  }
  const std::vector<SweepPoint> pts = expand_sweep(*cfg.sweep, cfg.model);
  c.total = pts.size();
  const auto res =
      run_interruptible(c, progress, [&] { return app::simulate_sweep(pts, cfg, c.context(n)); });
  return table_dict(table_head("simulate", cfg), app::sweep_table(cfg, pts, res));
}

py::dict py_validate(const io::Config& cfg, std::optional<int> threads, const py::object& progress,
                     double tolerance_z, std::optional<long long> gamma1_levels) {
  if (!(tolerance_z > 0.0)) throw py::value_error("validate: tolerance_z must be > 0");
  const int n = resolve_threads(threads);
  Control c;
  app::ValidateOptions vo;
  vo.tolerance_z = tolerance_z;
  vo.gamma1_levels = gamma1_levels;
  const app::ValidateReport rep =
      run_interruptible(c, progress, [&] { return app::validate_point(cfg, vo, c.context(n)); });
  py::dict d = point_dict("validate", cfg, rep.out);
  d["text"] = rep.text;
  py::list messages;
  if (!rep.passed) {
    std::ostringstream m;
    m << "validate: " << rep.failed << " of " << rep.compared
      << " quantities disagree with exact (|z| >= " << tolerance_z << "): " << rep.failed_text;
    messages.append(m.str());
  }
  d["messages"] = messages;
  return d;
}

py::dict py_noise(const io::Config& cfg, std::optional<int> threads) {
  const int n = resolve_threads(threads);
  Control c;
  const app::NoiseReport rep =
      run_interruptible(c, py::none(), [&] { return app::noise_report(cfg, c.context(n)); });
  io::Config base = cfg;  // the base point: [sweep] is not used by this command
  base.sweep.reset();
  py::dict d = table_dict(table_head("noise", base), rep.table);
  d["messages"] = rep.summary;
  return d;
}

/// The team size an OpenMP region gets through the same path as the solvers (tests).
int threads_used(std::optional<int> threads) {
  const int n = resolve_threads(threads);
  Control c;
  return run_interruptible(c, py::none(), [n] {
    int used = 0;
#pragma omp parallel num_threads(n)
    {
#pragma omp single
      used = omp_get_num_threads();
    }
    return used;
  });
}

/// Sleeps `seconds` in `steps` ticks through the interrupt machinery (tests).
int sleep_ticks(double seconds, int steps) {
  Control c;
  c.total = static_cast<std::uint64_t>(steps);
  return run_interruptible(c, py::none(), [&] {
    for (int i = 0; i < steps; ++i) {
      std::this_thread::sleep_for(std::chrono::duration<double>(seconds / steps));
      c.tick();
    }
    return steps;
  });
}

// Exception classes (created in PYBIND11_MODULE, never destroyed: they live as long as the
// interpreter's module).
PyObject* g_config_error = nullptr;
PyObject* g_no_steady_state = nullptr;

void raise_with(PyObject* type, const std::string& message,
                const std::vector<std::pair<const char*, py::object>>& attrs) {
  py::object inst = py::reinterpret_borrow<py::object>(type)(message);
  for (const auto& [k, v] : attrs) inst.attr(k) = v;
  PyErr_SetObject(type, inst.ptr());
}

/// The key an InputRefusedError names ("simulation.periods: ...", or "--set simulation.periods:
/// ..." when the key came from an override).
std::string leading_key(const std::string& what) {
  const auto colon = what.find(':');
  if (colon == std::string::npos) return {};
  const std::string k = what.substr(0, colon);
  return k.rfind("--set ", 0) == 0 ? k.substr(6) : k;
}

}  // namespace

PYBIND11_MODULE(_core, m) {
  m.doc() = "synctur._core: the compiled part of the synctur package (use `import synctur`).";
  m.attr("__version__") = SYNCTUR_VERSION;

  g_config_error =
      py::exception<io::ConfigError>(m, "ConfigError", PyExc_ValueError).release().ptr();
  g_no_steady_state = py::exception<NoSteadyStateError>(m, "NoSteadyStateError", PyExc_RuntimeError)
                          .release()
                          .ptr();
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const io::ConfigError& e) {
      raise_with(g_config_error, e.what(),
                 {{"key", py::str(e.key())},
                  {"source", py::str(e.source())},
                  {"line", py::int_(e.line())},
                  {"column", py::int_(e.column())}});
    } catch (const InputRefusedError& e) {
      raise_with(g_config_error, e.what(),
                 {{"key", py::str(leading_key(e.what()))},
                  {"source", py::str("")},
                  {"line", py::int_(0)},
                  {"column", py::int_(0)}});
    } catch (const NoSteadyStateError& e) {
      raise_with(g_no_steady_state, e.what(),
                 {{"growth_rate", py::float_(e.slowest_rate())},
                  {"slowest_rate", py::float_(e.slowest_rate())}});
    } catch (const app::OptionError& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    }
  });

  py::class_<io::Config>(m, "Config", "A validated input (io::Config), as the CLI loads it.")
      .def_property_readonly("source", [](const io::Config& c) { return c.source; })
      .def_property_readonly("overrides", [](const io::Config& c) { return c.overrides; })
      .def_property_readonly("has_sweep", [](const io::Config& c) { return c.sweep.has_value(); })
      .def(
          "values",
          [](const io::Config& c) {
            // Every schema key the JSON head echoes (io::echo_parameter) with its validated
            // value: float, int, bool or str.
            py::list out;
            for (const auto& [k, v] : c.values) {
              if (io::echo_parameter(k, v))
                std::visit([&](const auto& x) { out.append(py::make_tuple(k, x)); }, v);
              if (k == "simulation.cutoff_band" && !c.cutoff_band_rule.empty())
                out.append(py::make_tuple("simulation.cutoff_band_rule", c.cutoff_band_rule));
            }
            return out;
          },
          "[(section.key, value)] in schema order as the JSON head echoes them, typed (float, "
          "int, bool, str).")
      .def("head", &point_head, "command"_a, "The JSON head the CLI writes for a point.")
      .def("table_head", &table_head, "command"_a, "The JSON head the CLI writes for a table.");

  m.def("load", &load, "path"_a, "text"_a, "source"_a, "overrides"_a, "extra"_a,
        "Load and validate a config: a TOML file (path) or TOML text, with --set overrides.");
  m.def("theory", &py_theory, "config"_a, "threads"_a, "sweep"_a, "progress"_a);
  m.def(
      "exact",
      [](const io::Config& cfg, std::optional<int> threads, bool sweep, const py::object& progress,
         bool fluctuations, bool omega_derivative) {
        return py_exact(cfg, threads, sweep, progress,
                        exact_options(cfg, fluctuations, omega_derivative));
      },
      "config"_a, "threads"_a, "sweep"_a, "progress"_a, "fluctuations"_a, "omega_derivative"_a);
  m.def("simulate", &py_simulate, "config"_a, "threads"_a, "sweep"_a, "progress"_a);
  m.def("validate", &py_validate, "config"_a, "threads"_a, "progress"_a, "tolerance_z"_a,
        "gamma1_levels"_a);
  m.def("noise", &py_noise, "config"_a, "threads"_a);
  m.def("_threads_used", &threads_used, "threads"_a);
  m.def("_sleep_ticks", &sleep_ticks, "seconds"_a, "steps"_a);
}
