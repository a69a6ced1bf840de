// docs/KEYS.md documents every output key: runs theory, exact, simulate and validate at the
// quick-start point (small and fast, with the options that print the most keys) in JSON, reads
// every top-level key but `parameters` (input keys, docs/INPUTS.md) and fails naming each key
// that the rule at the top of docs/KEYS.md does not find:
//   a key K is documented iff K is a whole backticked span of KEYS.md, or K = B [T] [_se] with
//   B such a span and T one twin suffix (_theory _exact _bias _uncorrected _simulation _z
//   _rel_exact_theory _counted); `<k>` in a span stands for a decimal integer; spans with a
//   blank, a leading `_` or another <placeholder> document nothing.
#include <gtest/gtest.h>

#include <cctype>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "cli_harness.hpp"
#include "json_reader.hpp"

using namespace synctur::test;

namespace {

/// The twin suffixes of docs/KEYS.md (rule 2); `_se` may follow one of them.
const std::vector<std::string> kTwins = {"_theory",           "_exact",      "_bias",
                                         "_uncorrected",      "_simulation", "_z",
                                         "_rel_exact_theory", "_counted"};

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() > tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

/// The documented names of KEYS.md and the rule.
class KeyDoc {
 public:
  explicit KeyDoc(const std::string& text) {
    static const std::regex span("`([^`\n]+)`");
    for (auto it = std::sregex_iterator(text.begin(), text.end(), span);
         it != std::sregex_iterator(); ++it) {
      const std::string s = (*it)[1];
      // Spans with a blank, a leading '_' (suffixes) or a placeholder other than <k>: no key.
      if (s.find_first_of(" \t") != std::string::npos || s[0] == '_') continue;
      std::string rest = s;
      for (std::size_t p; (p = rest.find("<k>")) != std::string::npos;) rest.erase(p, 3);
      if (rest.find_first_of("<>") != std::string::npos) continue;
      if (s.find("<k>") == std::string::npos) {
        whole_.insert(s);
        continue;
      }
      std::string re;  // <k> -> [0-9]+, everything else literal
      for (std::size_t i = 0; i < s.size(); ++i) {
        if (s.compare(i, 3, "<k>") == 0) {
          re += "[0-9]+";
          i += 2;
        } else if (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '_') {
          re += s[i];
        } else {
          re += '\\';
          re += s[i];
        }
      }
      patterns_.emplace_back(re);
    }
  }

  std::size_t spans() const { return whole_.size() + patterns_.size(); }

  /// The rule of docs/KEYS.md.
  bool documented(const std::string& k) const {
    if (with_twin(k)) return true;
    return ends_with(k, "_se") && with_twin(k.substr(0, k.size() - 3));
  }

 private:
  bool base(const std::string& k) const {
    if (whole_.count(k)) return true;
    for (const auto& re : patterns_)
      if (std::regex_match(k, re)) return true;
    return false;
  }
  bool with_twin(const std::string& k) const {
    if (base(k)) return true;
    for (const auto& t : kTwins)
      if (ends_with(k, t) && base(k.substr(0, k.size() - t.size()))) return true;
    return false;
  }

  std::set<std::string> whole_;
  std::vector<std::regex> patterns_;
};

class KeysDoc : public CliHarness {
 protected:
  KeyDoc doc() const {
    const fs::path p = fs::path(src_) / "docs" / "KEYS.md";
    EXPECT_TRUE(fs::exists(p)) << p;
    return KeyDoc(slurp(p));
  }

  /// Runs `args` (expecting one of `ok` exit codes), parses its JSON and checks every
  /// top-level key except "parameters"; `anchor` must be among them (the parse found keys).
  void check(const std::vector<std::string>& args, const std::string& anchor,
             const std::set<int>& ok = {0}) {
    const Outcome r = run(args);
    ASSERT_TRUE(ok.count(r.status)) << args[0] << ": exit " << r.status << "\n" << r.err;
    Json j;
    try {
      j = parse_json(r.out);
    } catch (const std::exception& e) {
      FAIL() << args[0] << ": not JSON: " << e.what();
    }
    ASSERT_TRUE(j.is_object()) << args[0] << ": not a JSON object";
    const KeyDoc d = doc();
    ASSERT_GT(d.spans(), 100u) << "docs/KEYS.md looks empty";
    std::set<std::string> seen;
    std::string missing;
    for (const auto& [k, v] : j.items()) {
      seen.insert(k);
      if (k == "parameters") continue;
      if (!d.documented(k)) missing += (missing.empty() ? "" : " ") + k;
    }
    EXPECT_TRUE(seen.count(anchor)) << args[0] << ": no key " << anchor << " in the output";
    EXPECT_TRUE(missing.empty()) << "synctur " << args[0]
                                 << " prints keys that docs/KEYS.md does not document: " << missing;
  }

  /// Small simulations: 4 trajectories (2 antithetic pairs) x `periods` periods, 2 threads.
  std::vector<std::string> small_sim(std::vector<std::string> head, const std::string& periods) {
    for (const std::string& a :
         {std::string("--set"), "simulation.periods=" + periods, std::string("--set"),
          std::string("simulation.trajectories=4"), std::string("--threads"), std::string("2"),
          std::string("--format"), std::string("json")})
      head.push_back(a);
    return head;
  }
};

}  // namespace

TEST_F(KeysDoc, RuleAcceptsTwinsAndRejectsTheRest) {
  const KeyDoc d = doc();
  for (const char* k :
       {"P_A", "P_A_se", "P_A_theory", "P_A_bias", "P_A_uncorrected", "pearson_driven_bias",
        "cov_xAxB_static_uncorrected", "D_PA_comm_se", "D_P_sym_batch_se", "Q_P_simulation_se",
        "g1fit_level12_gamma_1", "g1fit_level0_P_A_over_g1_se", "g1fit_J_1_intercept_se"})
    EXPECT_TRUE(d.documented(k)) << k;
  for (const char* k :
       {"P_A_se_se", "P_A_theory_exact", "P_A_fake", "no_such_key", "no_such_key_se", "P_A P_B",
        "g1fit_levelx_gamma_1", "<key>_se", "D_PA_sym_comm", "_se"})
    EXPECT_FALSE(d.documented(k)) << k;
}

TEST_F(KeysDoc, TheoryKeysAreDocumented) {
  check({"theory", quickstart(), "--set", "theory.omega_threshold=true", "--format", "json"},
        "Omega_th");
}

TEST_F(KeysDoc, ExactKeysAreDocumented) {
  check({"exact", quickstart(), "--format", "json"}, "hill_P");
}

TEST_F(KeysDoc, SimulateKeysAreDocumented) {
  // All optional groups on (Pearson, commutator by default; Omega derivative); then the plain
  // run with too few periods, which adds the `warnings` text (too few batches).
  check(
      small_sim({"simulate", quickstart(), "--quiet", "--set", "simulation.omega_derivative=true"},
                "2000"),
      "V_PA_se");
  check(small_sim({"simulate", quickstart(), "--quiet"}, "300"), "solver");
}

TEST_F(KeysDoc, ValidateKeysAreDocumented) {
  // Exit 1 (some |z| >= 4) is possible with so few samples; the keys are the same.
  check(small_sim({"validate", quickstart(), "--gamma1-extrapolation", "2"}, "2000"), "g1fit_P_A_z",
        {0, 1});
}
