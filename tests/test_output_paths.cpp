// What `-o PATH` names decides how it is written (io::resolve_output, the one rule of every
// command): a device or FIFO is written in place and stays what it is, standard output by any
// of its names is standard output, a regular file is replaced atomically (through its symbolic
// links), and a directory, an input file or a missing directory is refused with exit status 2
// before anything is computed, leaving no file behind.  A signal during an atomic write removes
// the temporary file.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <string>
#include <vector>

#include "cli_harness.hpp"
#include "support.hpp"
#include "synctur/io/output.hpp"

namespace {

using namespace synctur::test;
namespace fs = std::filesystem;
using synctur::io::OutputPathError;
using synctur::io::OutputTarget;
using synctur::io::resolve_output;
using synctur::io::write_output;

class OutputPaths : public CliHarness {
 protected:
  /// The names in dir_ other than `keep` (leftover outputs or temporary files).
  std::vector<std::string> extra_files(const std::vector<std::string>& keep) const {
    std::vector<std::string> v;
    for (const auto& e : fs::directory_iterator(dir_)) {
      const std::string n = e.path().filename().string();
      if (std::find(keep.begin(), keep.end(), n) == keep.end()) v.push_back(n);
    }
    return v;
  }
  /// One refusal: exit 2, one line naming -o and `what`, nothing on stdout.
  void expect_refused(const Outcome& r, const std::string& what) {
    EXPECT_EQ(r.status, 2) << r.err;
    EXPECT_EQ(lines(r.err).size(), 1u) << r.err;
    EXPECT_EQ(r.err.rfind("error: -o ", 0), 0u) << r.err;
    EXPECT_NE(r.err.find(what), std::string::npos) << "want '" << what << "' in: " << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
  }
};

bool is_char_device(const char* p) {
  struct stat st {};
  return ::stat(p, &st) == 0 && S_ISCHR(st.st_mode);
}

}  // namespace

TEST_F(OutputPaths, DevNullStaysACharacterDevice) {
  ASSERT_TRUE(is_char_device("/dev/null"));
  const Outcome r = run({"theory", quickstart(), "-o", "/dev/null"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(r.out.empty());
  EXPECT_TRUE(is_char_device("/dev/null"));
  for (const auto& e : fs::directory_iterator("/dev"))
    EXPECT_EQ(e.path().filename().string().rfind(".null.tmp.", 0), std::string::npos) << e.path();
  EXPECT_EQ(resolve_output("/dev/null").kind, OutputTarget::Kind::Direct);
}

TEST_F(OutputPaths, StandardOutputByItsNames) {
  // The harness redirects stdout to a file: /dev/stdout is that file, written in place.
  for (const char* name : {"-", "/dev/stdout", "/proc/self/fd/1"}) {
    const Outcome r = run({"theory", quickstart(), "-o", name});
    EXPECT_EQ(r.status, 0) << name << ": " << r.err;
    EXPECT_NE(r.out.find("\"P_A\": "), std::string::npos) << name;
  }
  // Through a pipe.
  const fs::path out = dir_ / "piped.json";
  const std::string cmd = quote(bin_) + " theory " + quote(quickstart()) +
                          " -o /dev/stdout | cat > " + quote(out.string());
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  EXPECT_NE(slurp(out).find("\"P_A\": "), std::string::npos);
  EXPECT_TRUE(fs::is_symlink("/dev/stdout"));
}

TEST_F(OutputPaths, AFifoReceivesTheOutput) {
  const fs::path fifo = dir_ / "pipe";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  // The reader blocks in open() until synctur opens the FIFO for writing, and vice versa.
  auto reader = std::async(std::launch::async, [&] { return slurp(fifo); });
  const Outcome r = run({"theory", quickstart(), "-o", fifo.string()});
  EXPECT_EQ(r.status, 0) << r.err;
  const std::string got = reader.get();
  EXPECT_EQ(got.front(), '{');
  EXPECT_NE(got.find("\"P_A\": "), std::string::npos);
  struct stat st {};
  ASSERT_EQ(::stat(fifo.c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  EXPECT_TRUE(extra_files({"pipe"}).empty());
}

TEST_F(OutputPaths, TheInputFileIsRefusedByAnyName) {
  const std::string c = config("", "c.toml");
  const std::string before = slurp(c);
  fs::create_symlink(c, dir_ / "link.toml");
  fs::create_hard_link(c, dir_ / "hard.toml");
  fs::create_directory(dir_ / "sub");
  const std::vector<std::string> names = {
      c, (dir_ / "." / "c.toml").string(), (dir_ / "sub" / ".." / "c.toml").string(),
      (dir_ / "link.toml").string(), (dir_ / "hard.toml").string()};
  for (const char* command : {"theory", "exact", "simulate", "noise", "response", "validate"})
    for (const auto& o : names) {
      SCOPED_TRACE(std::string(command) + " -o " + o);
      expect_refused(run({command, c, "-o", o}), "is the input file");
      EXPECT_EQ(slurp(c), before);
      EXPECT_TRUE(fs::is_symlink(dir_ / "link.toml"));
    }
  // The config given through the link, the output naming the file itself.
  expect_refused(run({"theory", (dir_ / "link.toml").string(), "--output", c}),
                 "is the input file");
  EXPECT_EQ(slurp(c), before);
  EXPECT_TRUE(extra_files({"c.toml", "link.toml", "hard.toml", "sub"}).empty());
}

TEST_F(OutputPaths, DirectoriesAndMissingDirectoriesAreRefused) {
  const std::string c = config("", "c.toml");
  fs::create_directory(dir_ / "sub");
  expect_refused(run({"theory", c, "-o", (dir_ / "sub").string()}), "is a directory");
  expect_refused(run({"theory", c, "-o", dir_.string() + "/"}), "is a directory");
  expect_refused(run({"theory", c, "-o", (dir_ / "no" / "x.json").string()}), "does not exist");
  expect_refused(run({"theory", c, "-o", (dir_ / "c.toml" / "x.json").string()}),
                 "Not a directory");
  EXPECT_TRUE(fs::is_empty(dir_ / "sub"));
  EXPECT_TRUE(extra_files({"c.toml", "sub"}).empty());
}

TEST_F(OutputPaths, ASymlinkedOutputKeepsItsLink) {
  const fs::path real = dir_ / "real.json", link = dir_ / "link.json", dangling = dir_ / "d.json";
  std::ofstream(real) << "old\n";
  fs::create_symlink(real, link);
  fs::create_symlink(dir_ / "new.json", dangling);
  Outcome r = run({"theory", quickstart(), "-o", link.string()});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(fs::is_symlink(link));
  EXPECT_NE(slurp(real).find("\"P_A\": "), std::string::npos);
  r = run({"theory", quickstart(), "-o", dangling.string()});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(fs::is_symlink(dangling));
  EXPECT_NE(slurp(dir_ / "new.json").find("\"P_A\": "), std::string::npos);
  EXPECT_TRUE(extra_files({"real.json", "link.json", "d.json", "new.json"}).empty());
}

// A signal while the temporary file is being written removes it and still kills the process
// with that signal.  Deterministic: the child's writer raises the signal itself halfway.
TEST(OutputSignals, TheTemporaryFileIsRemovedOnSigintAndSigterm) {
  for (const int sig : {SIGTERM, SIGINT}) {
    const fs::path d =
        synctur::test::fresh_temp_dir("synctur_output_signal_" + std::to_string(sig));
    const std::string target = (d / "big.csv").string();
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::signal(sig, SIG_DFL);  // as a fresh process (gtest or the shell may have changed it)
      write_output(target, [sig](std::ostream& os) {
        const std::string block(1 << 20, 'x');
        for (int i = 0; i < 8; ++i) os << block;
        os.flush();
        ::raise(sig);
        for (int i = 0; i < 8; ++i) os << block;
      });
      ::_exit(0);  // not reached
    }
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFSIGNALED(status)) << status;
    if (WIFSIGNALED(status)) {
      EXPECT_EQ(WTERMSIG(status), sig);
    }
    EXPECT_TRUE(fs::is_empty(d)) << "left: " << fs::directory_iterator(d)->path();
  }
}

TEST(OutputSignals, HandlersAreRestoredAfterAWrite) {
  struct sigaction before {
  }, after{};
  ASSERT_EQ(::sigaction(SIGTERM, nullptr, &before), 0);
  const fs::path d = synctur::test::fresh_temp_dir("synctur_output_restore");
  write_output((d / "x.txt").string(), [](std::ostream& os) { os << "x\n"; });
  ASSERT_EQ(::sigaction(SIGTERM, nullptr, &after), 0);
  EXPECT_EQ(before.sa_handler, after.sa_handler);
}

TEST(OutputResolve, Kinds) {
  EXPECT_EQ(resolve_output("").kind, OutputTarget::Kind::Stdout);
  EXPECT_EQ(resolve_output("-").kind, OutputTarget::Kind::Stdout);
  const fs::path d = synctur::test::fresh_temp_dir("synctur_output_kinds");
  EXPECT_EQ(resolve_output((d / "new.csv").string()).kind, OutputTarget::Kind::Atomic);
  EXPECT_THROW(resolve_output(d.string()), OutputPathError);
  std::ofstream(d / "in.toml") << "x";
  EXPECT_THROW(resolve_output((d / "in.toml").string(), {(d / "in.toml").string()}),
               OutputPathError);
  EXPECT_EQ(resolve_output((d / "in.toml").string(), {(d / "other.toml").string()}).kind,
            OutputTarget::Kind::Atomic);
}
