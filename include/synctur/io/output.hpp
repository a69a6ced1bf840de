// Results -> JSON / CSV, written to stdout, a device or FIFO, or atomically to a file.  Layout:
// docs/INPUTS.md ("Output").
//
// Numbers are written in the shortest form that reads back to the same double (at most 17
// significant digits); JSON writes NaN and +-inf as null, CSV as nan, inf, -inf.  JSON is
// built as a nlohmann::ordered_json document (key order = insertion order) and laid out by
// src/io/output.cpp (one key per line; arrays of numbers and the rows of a table on one line).
#pragma once

#include <functional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "synctur/io/config.hpp"
#include "synctur/numerics/results.hpp"

namespace synctur::io {

/// Who produced an output: written into every file.
struct Provenance {
  std::string command;  ///< "theory", "response", ...
  std::string version = SYNCTUR_VERSION;
  std::string input;                   ///< the config file as given
  std::vector<std::string> overrides;  ///< the --set arguments
  int ranks = 1;                       ///< MPI processes that computed it (docs/CLUSTER.md)
};

/// One cell of a table: a number or a text.
using Cell = std::variant<double, std::string>;

/// A rectangular table with named columns, in row order.
struct Table {
  std::vector<std::string> columns;
  std::vector<std::vector<Cell>> rows;

  /// Append a row given as (column, value) pairs in any order: unseen columns are appended at
  /// the end (earlier rows get NaN there); columns absent from the row get NaN.
  void add_row(const std::vector<std::pair<std::string, Cell>>& cells);
};

/// Rows = leading parameter columns (`param_columns`, one value per column and row) followed
/// by every key of the Results (numbers, then texts; the union over rows, first-seen order).
Table results_table(const std::vector<std::string>& param_columns,
                    const std::vector<std::vector<double>>& param_rows,
                    const std::vector<Results>& results);

std::string format_number(double v);          ///< shortest round trip; "nan", "inf", "-inf"
std::string json_number(double v);            ///< like format_number, but null when not finite
std::string json_string(std::string_view s);  ///< quoted and escaped
std::string csv_field(std::string_view s);    ///< quoted only when needed (, " newline)

/// CSV: one "# synctur <version> <command> <input> [--set ...]" comment line, one header
/// line (the column names), one line per row.
void write_csv(std::ostream& os, const Provenance& prov, const Table& table);

/// JSON for one point: {"command", "version", "input", "overrides", "parameters":
/// {section: {key: value}}, then every result key at top level}.
void write_json_point(std::ostream& os, const Provenance& prov, const Config& cfg,
                      const Results& results);

/// JSON for a table (a sweep or a spectrum): {"command", "version", "input", "overrides",
/// "parameters", "sweep": {...} (when cfg.sweep and `with_sweep`), "columns": [...],
/// "points": [{column: value, ...}, ...]}.
void write_json_table(std::ostream& os, const Provenance& prov, const Config& cfg,
                      const Table& table, bool with_sweep);

/// `-o PATH` refused before anything is written (a directory, an input file, a block device,
/// a missing or unwritable directory): one line starting "-o PATH: ".  The CLI maps it to exit
/// status 2, like a bad command line.
class OutputPathError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

/// What an output path names, and so how it is written (the one rule for every command):
///   Stdout     "" or "-", or a path that is this process's standard output (/dev/stdout,
///              /proc/self/fd/1, or the file stdout is redirected to): written to std::cout
///   Stderr     the same for standard error (/dev/stderr): written to std::cerr
///   Direct     an existing character device or FIFO (/dev/null, a named pipe): opened and
///              written in place, never replaced
///   Atomic     a regular file or a path that does not exist yet: a temporary file in the
///              directory of the file (symbolic links resolved, so a link keeps pointing at
///              it) renamed onto it.  The temporary file is removed on error and on SIGINT,
///              SIGTERM and SIGHUP.
/// Refused (OutputPathError): a directory; the same file (st_dev, st_ino, after following
/// links) as one of `inputs`; a block device or a socket; a missing or unwritable directory.
struct OutputTarget {
  enum class Kind { Stdout, Stderr, Direct, Atomic };
  Kind kind = Kind::Stdout;
  std::string path;  ///< Direct: the path to open; Atomic: the regular file to replace
};
OutputTarget resolve_output(const std::string& path, const std::vector<std::string>& inputs = {});

/// Run `writer` on the target of `path` (resolve_output).  Atomic: if `writer` throws or a
/// write fails the temporary file is removed and `path` is untouched; the exception propagates
/// (std::runtime_error naming the file for I/O failures).
void write_output(const std::string& path, const std::function<void(std::ostream&)>& writer,
                  const std::vector<std::string>& inputs = {});

}  // namespace synctur::io
