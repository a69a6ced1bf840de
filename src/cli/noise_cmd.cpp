// synctur noise: generates the quantum noise of both baths at the engine's time step and writes
// its measured spectrum and autocovariance next to their targets (noise_diagnostics, noise.hpp;
// columns in docs/NOISE.md), with a one-glance summary on stderr.  The computation:
// app::noise_report (src/app/noise.cpp).
#include <iostream>
#include <string>
#include <vector>

#include "common.hpp"
#include "synctur/app/commands.hpp"

namespace synctur::cli {

namespace {

const char* kSummary =
    "Generates the quantum noise of both baths (static Ohmic bath nu = 2, driven Drude bath\n"
    "nu = 1) as the time-domain engine will, and writes its Welch spectrum and autocovariance\n"
    "with standard errors next to their targets S(w) W(w)^2 and L_band(t).";
const char* kDetails =
    "Keys ([noise] table): noise.dt (0 = the engine's dt), noise.samples, noise.streams,\n"
    "noise.welch_segment, noise.lags, noise.lag_stride, and the generator options (band_limit,\n"
    "taper, ...); the seed is simulation.seed.  Default format: csv, one table with the columns\n"
    "bath,kind,x,value,se,target,expected,z  (kind = psd, acf, kappa4, or a plan quantity:\n"
    "dt, band_limit, flat_limit, taps, fft_size, truncation_error, samples); units and\n"
    "meaning in docs/NOISE.md.  A summary (variance vs target, max |z|, kappa4) goes to stderr.\n"
    "A [sweep] table is ignored: the noise is that of the base point of CONFIG.";

}  // namespace

int noise_main(const std::vector<std::string>& words) {
  return run_guarded([&] {
    const Args a = parse_args("noise", words, {});
    if (a.help) {
      print_command_help(std::cout, "noise", kSummary, {}, kDetails);
      return 0;
    }
    const io::Config cfg = load(a);
    const app::NoiseReport rep = app::noise_report(cfg, context(a));

    io::Config base = cfg;  // the base point: [sweep] is not used by this command
    base.sweep.reset();
    emit_table(a, provenance(a), base, rep.table);
    for (const auto& s : rep.summary) std::cerr << s << "\n";
    std::cerr.flush();
    return 0;
  });
}

}  // namespace synctur::cli
