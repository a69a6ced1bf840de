#include "synctur/io/block_series.hpp"

#include <string>

namespace synctur::io {

std::string block_series_columns() {
  std::string h = "run,unit,trajectory,block,periods";
  for (const char* c : BlockSeries::kColumns) h += std::string(",") + c;
  return h;
}

namespace {

std::string run_description(const BlockSeries& bs) {
  const std::string omega = "drive.Omega = " + format_number(bs.Omega);
  if (bs.run == "bath_off")
    return "the driven bath off (gamma_1 = 0, xi_1 = 0: Pearson coefficients), " + omega;
  if (bs.run == "omega_plus" || bs.run == "omega_minus")
    return "the paired run for dP/dOmega (simulation.omega_derivative), " + omega;
  return "the driven run, " + omega;
}

}  // namespace

void write_block_series(std::ostream& os, const Provenance& prov, std::uint64_t seed,
                        const std::vector<BlockSeries>& series) {
  os << "# synctur " << prov.version << " simulate --series: period-block means of every "
     << "trajectory (docs/CHECKPOINT.md)\n# input: " << prov.input;
  for (const auto& o : prov.overrides) os << " --set " << o;
  os << "\n# simulation.seed = " << seed;
  if (!series.empty())
    os << ", dt = " << format_number(series[0].dt) << ", blocks of " << series[0].block_periods
       << " periods (the last may be shorter), " << series[0].periods << " periods per trajectory";
  os << "\n";
  for (const BlockSeries& bs : series)
    os << "# run " << bs.run << ": " << run_description(bs) << "; " << bs.units << " units x "
       << bs.trajectories_per_unit << " trajectories\n";
  os << "# columns: run; unit (an antithetic pair or one trajectory, = the noise key); "
        "trajectory (0, or 1 = the antithetic partner, -xi_1); block (from 0); periods (in the "
        "block) [count]; P_A, P_B, J_1, J_2_direct: block means of the powers and heat "
        "currents [energy/time]; cov_xAxA, cov_xBxB, cov_xAxB: block means of x_A^2, x_B^2, "
        "x_A x_B [length^2]\n"
        "# the periods-weighted mean of a column over a run's rows is the JSON's <key>_uncorrected "
        "(<key> with simulation.bias = off or estimate): the scheme offsets are not removed.  "
        "Classical samples of the symmetrised noise: a quantum D from them needs - D_comm "
        "(docs/FLUCTUATIONS.md)\n";
  os << block_series_columns() << "\n";
  std::string line;
  for (const BlockSeries& bs : series)
    for (int u = 0; u < bs.units; ++u)
      for (int t = 0; t < bs.trajectories_per_unit; ++t)
        for (std::int64_t b = 0; b < bs.blocks; ++b) {
          line = bs.run + "," + std::to_string(u) + "," + std::to_string(t) + "," +
                 std::to_string(b) + "," + std::to_string(bs.periods_in(b));
          const double* v = bs.at(u, t, b);
          for (int c = 0; c < BlockSeries::kNColumns; ++c) {
            line += ',';  // not "," + s: GCC 12 warns (-Wrestrict) on the insert
            line += format_number(v[c]);
          }
          line += "\n";
          os << line;
        }
}

}  // namespace synctur::io
