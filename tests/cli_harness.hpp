// Shared by the tests that run the built `synctur` binary: a fixture with a private temporary
// directory, run({args}) -> exit status + stdout + stderr, and small text helpers.
// The binary and the source tree come from the build (compile definitions SYNCTUR_BIN_PATH and
// SYNCTUR_SOURCE_DIR_PATH set by tests/CMakeLists.txt), overridable by the environment
// variables SYNCTUR_BIN and SYNCTUR_SOURCE_DIR; a missing binary is a failure, not a skip.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace synctur::test {

namespace fs = std::filesystem;

struct Outcome {
  int status = -1;
  std::string out, err;
};

inline std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) {
    if (c == '\'')
      q += "'\\''";
    else
      q += c;
  }
  q += '\'';
  return q;
}

inline std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> v;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) v.push_back(l);
  return v;
}

inline std::vector<std::string> split(const std::string& s, char sep = ',') {
  std::vector<std::string> v;
  std::stringstream in(s);
  for (std::string f; std::getline(in, f, sep);) v.push_back(f);
  return v;
}

class CliHarness : public testing::Test {
 protected:
  void SetUp() override {
    const char* bin = std::getenv("SYNCTUR_BIN");
    const char* src = std::getenv("SYNCTUR_SOURCE_DIR");
    bin_ = bin ? std::string(bin) : std::string(SYNCTUR_BIN_PATH);
    src_ = src ? std::string(src) : std::string(SYNCTUR_SOURCE_DIR_PATH);
    ASSERT_TRUE(fs::exists(bin_)) << "synctur binary not found: " << bin_;
    ASSERT_TRUE(fs::exists(fs::path(src_) / "inputs" / "quickstart.toml")) << src_;
    const auto* info = testing::UnitTest::GetInstance()->current_test_info();
    // The process id too: several checkouts may run the same tests at once in one /tmp.
    dir_ = fs::path(testing::TempDir()) / ("synctur_" + std::string(info->test_suite_name()) + "_" +
                                           info->name() + "_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }

  // Kept after a failure, for inspection.
  void TearDown() override {
    if (!HasFailure()) fs::remove_all(dir_);
  }

  Outcome run(const std::vector<std::string>& args) {
    std::string cmd = quote(bin_);
    for (const auto& a : args) {
      cmd += ' ';
      cmd += quote(a);
    }
    const fs::path o = dir_ / "stdout.txt", e = dir_ / "stderr.txt";
    cmd += " > ";  // piecewise: GCC 12 warns (-Wrestrict, false positive) on one long sum
    cmd += quote(o.string());
    cmd += " 2> ";
    cmd += quote(e.string());
    const int rc = std::system(cmd.c_str());
    Outcome r;
    r.status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
    r.out = slurp(o);
    r.err = slurp(e);
    fs::remove(o);
    fs::remove(e);
    return r;
  }

  std::string input(const std::string& name) const {
    return (fs::path(src_) / "inputs" / name).string();
  }
  std::string quickstart() const { return input("quickstart.toml"); }

  /// quickstart.toml plus `extra`, written to the test directory.
  std::string config(const std::string& extra, const std::string& name = "c.toml") {
    const fs::path p = dir_ / name;
    std::ofstream(p) << slurp(quickstart()) << "\n" << extra << "\n";
    return p.string();
  }

  std::string bin_, src_;
  fs::path dir_;
};

}  // namespace synctur::test
