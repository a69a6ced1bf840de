// The checkpoint file of `synctur simulate --checkpoint FILE` (issue 14; docs/CHECKPOINT.md):
// one self-describing binary file per run, written atomically (temporary file, fsync, rename,
// fsync of the directory), with a format version, the synctur version, the input (TOML text,
// overrides, every resolved key with its value), the unit states (engines/checkpoint.hpp) and
// an FNV-1a 64-bit checksum of everything before it.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "synctur/engines/checkpoint.hpp"
#include "synctur/io/config.hpp"

namespace synctur::io {

/// Layout version of the file (bumped whenever the layout or a unit record changes).
inline constexpr std::uint32_t kCheckpointFormat = 1;

/// A checkpoint that cannot be used (corrupt, truncated, other version, other input): one
/// line saying what is wrong.  The CLI maps it to exit status 2.
class CheckpointError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// What the run was: enough to rebuild its Config and to refuse a changed one.
struct CheckpointMeta {
  std::string synctur_version = SYNCTUR_VERSION;
  std::string source;                  ///< the config file as given
  std::string config_text;             ///< its TOML text
  std::vector<std::string> overrides;  ///< --set arguments (options such as --seed included)
  /// Every schema key with its resolved value (exact text: reals with 17 digits).
  std::vector<std::pair<std::string, std::string>> resolved;
  std::int64_t periods = 0;  ///< simulation.periods of the run that wrote it
};

/// The resolved keys of cfg as (key, exact text), in schema order.
std::vector<std::pair<std::string, std::string>> resolved_values(const Config& cfg);
/// Keys that may differ on resume: simulation.periods (only larger: extension) and
/// simulation.progress.
bool resume_may_change(const std::string& key);

/// FNV-1a 64-bit hash of n bytes, continuing from h.
std::uint64_t fnv1a64(const void* data, std::size_t n, std::uint64_t h = 0xcbf29ce484222325ULL);

/// Writes the file atomically: FILE.tmp, fsync, rename to FILE, fsync of the directory.  A
/// crash at any moment leaves FILE either the previous checkpoint or the new one.
/// Test-only hook (docs/CHECKPOINT.md): environment SYNCTUR_TEST_CHECKPOINT_KILL = "mid:N"
/// (SIGKILL itself halfway through writing the N-th file of this process) or "after:N" (just
/// after the N-th rename).
void write_checkpoint(const std::string& path, const CheckpointMeta& meta,
                      const CheckpointImage& image);

/// Reads and verifies a file.  Throws CheckpointError (one line: what is wrong).
std::pair<CheckpointMeta, CheckpointImage> read_checkpoint(const std::string& path);

/// Refuses (CheckpointError naming the key) resuming the run of `meta` as `cfg`: any resolved
/// key other than those of resume_may_change differs, or fewer periods.
void check_resume(const CheckpointMeta& meta, const Config& cfg);

}  // namespace synctur::io
