// synctur: thin command-line front end.  synctur <command> CONFIG [options]; see --help.
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "cluster.hpp"
#include "common.hpp"

namespace {

struct Command {
  const char* name;
  const char* summary;
  int (*run)(const std::vector<std::string>&);
};

const std::vector<Command>& commands() {
  static const std::vector<Command> c = {
      {"theory", "lowest-order (in gamma_1) results at a point or over a [sweep]",
       synctur::cli::theory_main},
      {"simulate", "trajectories of the quantum Langevin equations: means with standard errors",
       synctur::cli::simulate_main},
      {"response", "the static response matrix chi_2(w) and the eigenvalues of chi_2''(w)",
       synctur::cli::response_main},
      {"exact", "exact steady state, all orders in gamma_1 (Hill)", synctur::cli::exact_main},
      {"validate", "theory, exact and simulation side by side: z-scores",
       synctur::cli::validate_main},
      {"noise", "the bath noise's spectrum and autocovariance vs their targets",
       synctur::cli::noise_main},
  };
  return c;
}

void usage(std::ostream& os) {
  os << "usage: synctur <command> CONFIG [--set section.key=value]... [--format json|csv] "
        "[-o FILE]\n"
        "       synctur <command> --help\n"
        "       synctur --help | --version\n\n"
        "Two driven open quantum oscillators: power, fluctuations and TURs (hbar = k_B = 1).\n\n"
        "commands:\n";
  for (const auto& c : commands()) {
    std::string n = std::string("  ") + c.name;
    n.resize(14, ' ');
    os << n << c.summary << "\n";
  }
  os << "\nInputs: docs/INPUTS.md.  Example: synctur theory inputs/quickstart.toml\n"
        "Exit status: 0 success, 1 runtime failure, 2 bad command line or bad input,\n"
        "3 no periodic steady state (theory: of the static problem; exact, simulate, validate).\n";
}

int run_command(const std::vector<std::string>& words);

}  // namespace

int main(int argc, char** argv) {
  try {
    synctur::cli::start_cluster(&argc, &argv);
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << std::endl;
    return 1;
  }
  std::vector<std::string> words(argv + 1, argv + argc);
  if (synctur::cli::cluster_size() == 1) {
    const int rc = run_command(words);
    synctur::cli::stop_cluster();
    return rc;
  }
  // Several processes: only rank 0 prints.  The others keep what they would have printed and
  // show it only when their exit status differs from rank 0's (an error seen by them alone);
  // every process exits with the first non-zero status in rank order.
  std::ostringstream quiet;
  std::streambuf* err = std::cerr.rdbuf();
  std::streambuf* out = std::cout.rdbuf();
  if (!synctur::cli::is_root()) {
    std::cerr.rdbuf(quiet.rdbuf());
    std::cout.rdbuf(quiet.rdbuf());
  }
  int rc = run_command(words);
  std::cerr.rdbuf(err);
  std::cout.rdbuf(out);
  const int first = synctur::cli::agree_exit_status(rc);
  if (rc != first && !quiet.str().empty())
    std::cerr << "rank " << synctur::cli::cluster()->rank() << ": " << quiet.str() << std::flush;
  synctur::cli::stop_cluster();
  return first;
}

namespace {

int run_command(const std::vector<std::string>& words) {
  if (words.empty()) {
    usage(std::cerr);
    return 2;
  }
  const std::string& first = words[0];
  if (first == "--help" || first == "-h" || first == "help") {
    usage(std::cout);
    return 0;
  }
  if (first == "--version") {
    std::cout << "synctur " << SYNCTUR_VERSION << "\n";
    return 0;
  }
  for (const auto& c : commands())
    if (first == c.name) return c.run(std::vector<std::string>(words.begin() + 1, words.end()));

  std::vector<std::string> names;
  for (const auto& c : commands()) names.emplace_back(c.name);
  const std::string m = synctur::io::closest_match(first, names);
  std::cerr << "error: " << (first.rfind("-", 0) == 0 ? "unknown option '" : "unknown command '")
            << first << "'" << (m.empty() ? "" : " (did you mean '" + m + "'?)")
            << "; see 'synctur --help'" << std::endl;
  return 2;
}

}  // namespace
