#include "synctur/io/output.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace synctur::io {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
using Json = nlohmann::ordered_json;  // keeps the insertion order of the keys

Json json_of(const ConfigValue& v) {
  return std::visit([](const auto& x) { return Json(x); }, v);
}

Json json_of(const Cell& c) {
  return std::visit([](const auto& x) { return Json(x); }, c);
}

std::string csv_cell(const Cell& c) {
  if (const double* d = std::get_if<double>(&c)) return format_number(*d);
  return csv_field(std::get<std::string>(c));
}

/// The common head of every JSON object: command, version, input, ranks, overrides,
/// parameters {section: {key: value}}.
Json json_head(const Provenance& prov, const Config& cfg) {
  Json j = Json::object();
  j["command"] = prov.command;
  j["version"] = prov.version;
  j["input"] = prov.input;
  j["ranks"] = prov.ranks;
  j["overrides"] = prov.overrides;
  Json& params = j["parameters"] = Json::object();
  for (const auto& [path, value] : cfg.values) {
    if (!echo_parameter(path, value)) continue;
    const auto dot = path.find('.');
    params[path.substr(0, dot)][path.substr(dot + 1)] = json_of(value);
    if (path == "simulation.cutoff_band" && !cfg.cutoff_band_rule.empty())
      params["simulation"]["cutoff_band_rule"] = cfg.cutoff_band_rule;
  }
  return j;
}

Json json_sweep(const SweepSpec& s) {
  Json axes = Json::array();
  for (const SweepAxis& a : s.axes) {
    Json ax = {{"name", a.name}, {"key", a.key}, {"scale", SweepAxis::scale_name(a.scale)}};
    if (a.scale != SweepAxis::Scale::List) {
      ax["from"] = a.from;
      ax["to"] = a.to;
      ax["points"] = a.points;
    }
    ax["values"] = a.grid();
    axes.push_back(std::move(ax));
  }
  Json j = {{"points", s.size()}, {"axes", std::move(axes)}};
  if (s.Tbar) j["Tbar"] = *s.Tbar;
  if (s.dT_over_Tbar) j["dT_over_Tbar"] = *s.dT_over_Tbar;
  return j;
}

/// The layout of synctur's JSON (a reader does not care; a person diffing outputs does):
/// objects one key per line, indented by 2, except inside an array, where objects and arrays
/// are written on one line ("{"k": v, ...}", "[a, b]"); an array of objects has one object per
/// line.  Scalars: nlohmann's text for strings, integers and booleans; doubles by
/// json_number (shortest round trip as std::to_chars, "1" not "1.0", NaN and +-inf as null).
void write_layout(std::ostream& os, const Json& j, int indent, bool inline_only) {
  const auto pad = [&os](int n) { os << std::string(static_cast<std::size_t>(n), ' '); };
  if (j.is_number_float()) {
    os << json_number(j.get<double>());
  } else if (j.is_object() && !j.empty() && !inline_only) {
    os << "{\n";
    bool first = true;
    for (const auto& [k, v] : j.items()) {
      os << (first ? "" : ",\n");
      pad(indent + 2);
      os << json_string(k) << ": ";
      write_layout(os, v, indent + 2, false);
      first = false;
    }
    os << "\n";
    pad(indent);
    os << "}";
  } else if (j.is_array() && !inline_only && !j.empty() && j.front().is_object()) {
    os << "[\n";
    for (std::size_t i = 0; i < j.size(); ++i) {
      os << (i ? ",\n" : "");
      pad(indent + 2);
      write_layout(os, j[i], indent + 2, true);
    }
    os << "\n";
    pad(indent);
    os << "]";
  } else if (j.is_structured()) {  // on one line
    const bool obj = j.is_object();
    os << (obj ? "{" : "[");
    bool first = true;
    for (const auto& [k, v] : j.items()) {
      os << (first ? "" : ", ");
      if (obj) os << json_string(k) << ": ";
      write_layout(os, v, indent, true);
      first = false;
    }
    os << (obj ? "}" : "]");
  } else {
    os << j.dump(-1, ' ', false, Json::error_handler_t::replace);
  }
}

void write_document(std::ostream& os, const Json& j) {
  write_layout(os, j, 0, false);
  os << "\n";
}

}  // namespace

void Table::add_row(const std::vector<std::pair<std::string, Cell>>& cells) {
  std::vector<Cell> row(columns.size(), Cell(kNaN));
  for (const auto& [name, cell] : cells) {
    std::size_t j = 0;
    while (j < columns.size() && columns[j] != name) ++j;
    if (j == columns.size()) {
      columns.push_back(name);
      for (auto& r : rows) r.emplace_back(kNaN);
      row.emplace_back(kNaN);
    }
    row[j] = cell;
  }
  rows.push_back(std::move(row));
}

Table results_table(const std::vector<std::string>& param_columns,
                    const std::vector<std::vector<double>>& param_rows,
                    const std::vector<Results>& results) {
  Table t;
  t.columns = param_columns;
  for (std::size_t i = 0; i < results.size(); ++i) {
    std::vector<std::pair<std::string, Cell>> cells;
    if (i < param_rows.size())
      for (std::size_t j = 0; j < param_columns.size() && j < param_rows[i].size(); ++j)
        cells.emplace_back(param_columns[j], param_rows[i][j]);
    for (const auto& [k, v] : results[i].numbers()) cells.emplace_back(k, v);
    for (const auto& [k, v] : results[i].texts()) cells.emplace_back(k, v);
    t.add_row(cells);
  }
  return t;
}

std::string format_number(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);  // shortest round trip
  return std::string(buf, r.ptr);
}

std::string json_number(double v) {
  return std::isfinite(v) ? format_number(v) : "null";
}

std::string json_string(std::string_view s) {
  return Json(std::string(s)).dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string csv_field(std::string_view s) {
  if (s.find_first_of(",\"\n\r") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (const char ch : s) out += ch == '"' ? std::string("\"\"") : std::string(1, ch);
  return out + "\"";
}

void write_csv(std::ostream& os, const Provenance& prov, const Table& table) {
  std::string comment = "# synctur " + prov.version + " " + prov.command + " " + prov.input;
  for (const auto& o : prov.overrides) comment += " --set " + o;
  if (prov.ranks > 1) comment += " (" + std::to_string(prov.ranks) + " MPI ranks)";
  for (char& c : comment)
    if (c == '\n' || c == '\r') c = ' ';
  os << comment << '\n';
  for (std::size_t j = 0; j < table.columns.size(); ++j)
    os << (j ? "," : "") << csv_field(table.columns[j]);
  os << '\n';
  for (const auto& row : table.rows) {
    for (std::size_t j = 0; j < row.size(); ++j) os << (j ? "," : "") << csv_cell(row[j]);
    os << '\n';
  }
}

void write_json_point(std::ostream& os, const Provenance& prov, const Config& cfg,
                      const Results& results) {
  Json j = json_head(prov, cfg);
  for (const auto& [k, v] : results.numbers()) j[k] = v;
  for (const auto& [k, v] : results.texts()) j[k] = v;
  write_document(os, j);
}

void write_json_table(std::ostream& os, const Provenance& prov, const Config& cfg,
                      const Table& table, bool with_sweep) {
  Json j = json_head(prov, cfg);
  if (with_sweep && cfg.sweep) j["sweep"] = json_sweep(*cfg.sweep);
  j["columns"] = table.columns;
  Json& points = j["points"] = Json::array();
  for (const auto& row : table.rows) {
    Json p = Json::object();
    for (std::size_t c = 0; c < row.size(); ++c) p[table.columns[c]] = json_of(row[c]);
    points.push_back(std::move(p));
  }
  write_document(os, j);
}

namespace {

// --- the temporary file of an atomic write, removed on SIGINT / SIGTERM / SIGHUP -------------
// One write at a time per process (the CLI writes its output once, from the main thread).  The
// handler only reads these two objects and calls unlink(2), which is async-signal-safe, then
// re-raises the signal with its default action (SA_RESETHAND), so the exit status still says
// "killed by SIGTERM".
constexpr std::size_t kMaxTmpPath = 4096 + 64;
char g_tmp_path[kMaxTmpPath];
volatile std::sig_atomic_t g_tmp_registered = 0;
constexpr int kCleanupSignals[] = {SIGINT, SIGTERM, SIGHUP};

extern "C" void remove_tmp_and_reraise(int sig) {
  if (g_tmp_registered) ::unlink(g_tmp_path);
  ::raise(sig);  // the disposition is already SIG_DFL (SA_RESETHAND): delivered on return
}

/// Blocks the cleanup signals for its lifetime (mkstemp + registration as one step).
class SignalBlock {
 public:
  SignalBlock() {
    sigset_t set;
    sigemptyset(&set);
    for (int sig : kCleanupSignals) sigaddset(&set, sig);
    ::pthread_sigmask(SIG_BLOCK, &set, &old_);
  }
  ~SignalBlock() { ::pthread_sigmask(SIG_SETMASK, &old_, nullptr); }
  SignalBlock(const SignalBlock&) = delete;
  SignalBlock& operator=(const SignalBlock&) = delete;

 private:
  sigset_t old_;
};

/// While alive: the handler is installed for the cleanup signals (the previous handlers are
/// restored after; a signal the process ignores, e.g. SIGINT of a background job, stays
/// ignored), and the file given to arm() is removed if one of them arrives.
class TmpCleanup {
 public:
  TmpCleanup() {
    for (std::size_t i = 0; i < std::size(kCleanupSignals); ++i) {
      struct sigaction sa {};
      sa.sa_handler = remove_tmp_and_reraise;
      sigemptyset(&sa.sa_mask);
      sa.sa_flags = SA_RESETHAND;
      if (::sigaction(kCleanupSignals[i], nullptr, &old_[i]) != 0) continue;
      if (old_[i].sa_handler == SIG_IGN) continue;
      installed_[i] = ::sigaction(kCleanupSignals[i], &sa, nullptr) == 0;
    }
  }
  /// Call with the cleanup signals blocked in this thread, right after creating `tmp`.
  void arm(const std::string& tmp) {
    if (tmp.size() >= kMaxTmpPath) return;  // cannot happen for a path mkstemp accepted
    std::memcpy(g_tmp_path, tmp.c_str(), tmp.size() + 1);
    g_tmp_registered = 1;
  }
  ~TmpCleanup() {
    g_tmp_registered = 0;
    for (std::size_t i = 0; i < std::size(kCleanupSignals); ++i)
      if (installed_[i]) ::sigaction(kCleanupSignals[i], &old_[i], nullptr);
  }
  TmpCleanup(const TmpCleanup&) = delete;
  TmpCleanup& operator=(const TmpCleanup&) = delete;

 private:
  struct sigaction old_[std::size(kCleanupSignals)]{};
  bool installed_[std::size(kCleanupSignals)] = {};
};

bool same_file(const struct stat& a, const struct stat& b) {
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

[[noreturn]] void refuse(const std::string& path, const std::string& why) {
  throw OutputPathError("-o " + path + ": " + why);
}

/// `path` with its symbolic links followed to the final name (which may not exist: a dangling
/// link names the file to create).  Lexical: "/proc/self/fd/1" -> "pipe:[123]" comes out as a
/// name that does not exist, which the caller detects by comparing identities.
std::filesystem::path follow_links(const std::filesystem::path& path) {
  namespace fs = std::filesystem;
  fs::path p = path;
  for (int hops = 0; hops < 40; ++hops) {
    std::error_code ec;
    if (!fs::is_symlink(p, ec)) return p;
    const fs::path next = fs::read_symlink(p, ec);
    if (ec) return p;
    p = next.is_absolute() ? next : p.parent_path() / next;
  }
  return p;
}

/// The directory an atomic write creates its temporary file in: must exist and be writable.
void check_directory(const std::string& shown, const std::filesystem::path& file) {
  const std::string dir = file.has_parent_path() ? file.parent_path().string() : ".";
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0)
    refuse(shown, "directory '" + dir + "' " +
                      (errno == ENOENT ? std::string("does not exist") : std::strerror(errno)));
  if (!S_ISDIR(st.st_mode)) refuse(shown, "'" + dir + "' is not a directory");
  if (::access(dir.c_str(), W_OK | X_OK) != 0)
    refuse(shown, "cannot create a file in directory '" + dir + "' (" + std::strerror(errno) + ")");
}

void write_stream(std::ostream& os, const std::string& what,
                  const std::function<void(std::ostream&)>& writer) {
  writer(os);
  os.flush();
  if (!os) throw std::runtime_error("cannot write to " + what);
}

void write_atomic(const std::string& shown, const std::string& path,
                  const std::function<void(std::ostream&)>& writer) {
  namespace fs = std::filesystem;
  const fs::path target(path);
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  std::string name = ".";
  name += target.filename().string();
  name += ".tmp.XXXXXX";
  std::string tmp = (dir / name).string();
  TmpCleanup cleanup;
  {
    const SignalBlock block;  // no signal between creating the file and registering it
    const int fd = ::mkstemp(tmp.data());
    if (fd < 0)
      throw std::runtime_error(shown + ": cannot create a temporary file in '" + dir.string() +
                               "' (" + std::strerror(errno) + ")");
    cleanup.arm(tmp);
    // mkstemp creates 0600; give the final file the usual 0666 & ~umask.
    const mode_t mask = ::umask(0);
    ::umask(mask);
    ::fchmod(fd, 0666 & ~mask);
    ::close(fd);
  }
  try {
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      if (!out) throw std::runtime_error(shown + ": cannot open '" + tmp + "' for writing");
      writer(out);
      out.flush();
      if (!out) throw std::runtime_error(shown + ": write failed (" + std::strerror(errno) + ")");
    }
    const int sfd = ::open(tmp.c_str(), O_RDONLY);
    if (sfd >= 0) {
      ::fsync(sfd);
      ::close(sfd);
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0)
      throw std::runtime_error(shown + ": cannot rename the temporary file onto it (" +
                               std::strerror(errno) + ")");
  } catch (...) {
    ::unlink(tmp.c_str());
    throw;
  }
}

}  // namespace

OutputTarget resolve_output(const std::string& path, const std::vector<std::string>& inputs) {
  if (path.empty() || path == "-") return {OutputTarget::Kind::Stdout, ""};
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno != ENOENT) refuse(path, std::strerror(errno));
    // Not there yet (or a dangling link): a new regular file, created where the links point.
    const std::filesystem::path file = follow_links(path);
    check_directory(path, file);
    return {OutputTarget::Kind::Atomic, file.string()};
  }
  if (S_ISDIR(st.st_mode)) refuse(path, "is a directory; give a file name");
  for (const auto& in : inputs) {
    struct stat si {};
    if (!in.empty() && ::stat(in.c_str(), &si) == 0 && same_file(st, si))
      refuse(path, "is the input file '" + in + "'; refusing to overwrite it");
  }
  struct stat fd_st {};
  if (::fstat(STDOUT_FILENO, &fd_st) == 0 && same_file(st, fd_st))
    return {OutputTarget::Kind::Stdout, ""};
  if (::fstat(STDERR_FILENO, &fd_st) == 0 && same_file(st, fd_st))
    return {OutputTarget::Kind::Stderr, ""};
  if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)) return {OutputTarget::Kind::Direct, path};
  if (!S_ISREG(st.st_mode))
    refuse(path, std::string(S_ISBLK(st.st_mode) ? "is a block device" : "is a socket") +
                     "; give a regular file, a FIFO, a character device or -");
  // A regular file: replace the file the links point to, not the link.  A name that does not
  // lead back to the same file (a /proc/self/fd link to a deleted file) is written in place.
  const std::filesystem::path file = follow_links(path);
  struct stat sf {};
  if (::stat(file.c_str(), &sf) != 0 || !same_file(st, sf))
    return {OutputTarget::Kind::Direct, path};
  check_directory(path, file);
  return {OutputTarget::Kind::Atomic, file.string()};
}

void write_output(const std::string& path, const std::function<void(std::ostream&)>& writer,
                  const std::vector<std::string>& inputs) {
  const OutputTarget t = resolve_output(path, inputs);
  switch (t.kind) {
    case OutputTarget::Kind::Stdout:
      write_stream(std::cout, "standard output", writer);
      return;
    case OutputTarget::Kind::Stderr:
      write_stream(std::cerr, "standard error", writer);
      return;
    case OutputTarget::Kind::Direct: {
      std::ofstream out(t.path, std::ios::binary);
      if (!out)
        throw std::runtime_error(path + ": cannot open for writing (" + std::strerror(errno) + ")");
      write_stream(out, path, writer);
      return;
    }
    case OutputTarget::Kind::Atomic:
      write_atomic(path, t.path, writer);
      return;
  }
}

}  // namespace synctur::io
