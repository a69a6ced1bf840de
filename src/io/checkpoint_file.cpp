#include "synctur/io/checkpoint_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <type_traits>
#include <variant>

namespace synctur::io {

namespace {

// Layout (all integers little-endian as on the writing machine; a byte-order mark refuses
// the other order):
//   0  8  magic "SYNCKPT\n"
//   8  4  format version (u32)
//  12  4  byte-order mark 0x01020304 (u32)
//  16  8  payload length P (u64)
//  24  P  payload (see Payload)
//  24+P 8 FNV-1a 64 of bytes [0, 24 + P)
constexpr char kMagic[8] = {'S', 'Y', 'N', 'C', 'K', 'P', 'T', '\n'};
constexpr std::uint32_t kBom = 0x01020304;
constexpr std::size_t kHead = 24;

struct Out {
  std::string b;
  template <class T>
  void pod(const T& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    b.append(reinterpret_cast<const char*>(&v), sizeof v);
  }
  void str(const std::string& s) {
    pod<std::uint64_t>(s.size());
    b += s;
  }
  void reals(const std::vector<double>& v) {
    pod<std::uint64_t>(v.size());
    if (!v.empty()) b.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(double));
  }
};

struct In {
  const char* p;
  const char* end;
  [[noreturn]] static void bad() {
    throw CheckpointError("checkpoint: inconsistent payload (corrupt file)");
  }
  void need(std::uint64_t n) const {
    if (static_cast<std::uint64_t>(end - p) < n) bad();
  }
  template <class T>
  T pod() {
    need(sizeof(T));
    T v;
    std::memcpy(&v, p, sizeof v);
    p += sizeof v;
    return v;
  }
  std::string str() {
    const auto n = pod<std::uint64_t>();
    need(n);
    std::string s(p, p + n);
    p += n;
    return s;
  }
  std::vector<double> reals() {
    const auto n = pod<std::uint64_t>();
    if (n > static_cast<std::uint64_t>(end - p) / sizeof(double)) bad();
    std::vector<double> v(n);
    if (n > 0)
      std::memcpy(v.data(), p, n * sizeof(double));  // an empty vector's data() may be null
    p += n * sizeof(double);
    return v;
  }
};

std::string payload(const CheckpointMeta& m, const CheckpointImage& img) {
  Out o;
  o.str(m.synctur_version);
  o.pod<std::int64_t>(m.periods);
  o.str(m.source);
  o.str(m.config_text);
  o.pod<std::uint64_t>(m.overrides.size());
  for (const auto& s : m.overrides) o.str(s);
  o.pod<std::uint64_t>(m.resolved.size());
  for (const auto& [k, v] : m.resolved) {
    o.str(k);
    o.str(v);
  }
  o.pod<std::uint64_t>(img.runs.size());
  for (const auto& r : img.runs) {
    o.pod<std::int64_t>(r.block_len);
    o.pod<std::uint64_t>(r.units.size());
    for (const auto& u : r.units) o.reals(u);
  }
  return o.b;
}

/// The test-only kill hook: (phase, N) from SYNCTUR_TEST_CHECKPOINT_KILL, or ("", 0).
std::pair<std::string, long> kill_hook() {
  const char* e = std::getenv("SYNCTUR_TEST_CHECKPOINT_KILL");
  if (!e) return {"", 0};
  const std::string s = e;
  const auto c = s.find(':');
  if (c == std::string::npos) return {"", 0};
  return {s.substr(0, c), std::atol(s.c_str() + c + 1)};
}

[[noreturn]] void fail(const std::string& what, const std::string& path) {
  throw std::runtime_error("checkpoint: cannot " + what + " " + path + ": " + std::strerror(errno));
}

void write_all(int fd, const char* p, std::size_t n, const std::string& path) {
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      fail("write", path);
    }
    p += w;
    n -= static_cast<std::size_t>(w);
  }
}

std::string real_text(double v) {
  char b[40];
  std::snprintf(b, sizeof b, "%.17g", v);
  return b;
}

}  // namespace

std::uint64_t fnv1a64(const void* data, std::size_t n, std::uint64_t h) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (std::size_t i = 0; i < n; ++i) {
    h ^= p[i];
    h *= 0x100000001b3ULL;
  }
  return h;
}

std::vector<std::pair<std::string, std::string>> resolved_values(const Config& cfg) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [k, v] : cfg.values) {
    std::string t;
    if (const auto* d = std::get_if<double>(&v))
      t = real_text(*d);
    else if (const auto* i = std::get_if<std::int64_t>(&v))
      t = std::to_string(*i);
    else if (const auto* b = std::get_if<bool>(&v))
      t = *b ? "true" : "false";
    else
      t = "\"" + std::get<std::string>(v) + "\"";
    out.emplace_back(k, t);
  }
  return out;
}

bool resume_may_change(const std::string& key) {
  return key == "simulation.periods" || key == "simulation.progress";
}

void write_checkpoint(const std::string& path, const CheckpointMeta& meta,
                      const CheckpointImage& image) {
  static long count = 0;  // files written by this process (the test hook counts them)
  ++count;
  const auto t0 = std::chrono::steady_clock::now();
  const std::string body = payload(meta, image);
  std::string file(kMagic, 8);
  auto put = [&file](const auto& v) { file.append(reinterpret_cast<const char*>(&v), sizeof v); };
  put(kCheckpointFormat);
  put(kBom);
  put(static_cast<std::uint64_t>(body.size()));
  file += body;
  put(fnv1a64(file.data(), file.size()));

  const auto [phase, at] = kill_hook();
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail("create", tmp);
  if (phase == "mid" && at == count) {  // test only: die with half a temporary file
    write_all(fd, file.data(), file.size() / 2, tmp);
    ::fsync(fd);
    std::raise(SIGKILL);
  }
  write_all(fd, file.data(), file.size(), tmp);
  if (::fsync(fd) != 0) fail("fsync", tmp);
  if (::close(fd) != 0) fail("close", tmp);
  if (std::rename(tmp.c_str(), path.c_str()) != 0) fail("rename to", path);
  const auto slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash + 1);
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {  // make the rename durable (best effort: some file systems refuse)
    ::fsync(dfd);
    ::close(dfd);
  }
  if (std::getenv("SYNCTUR_CHECKPOINT_LOG"))  // diagnostics (docs/CHECKPOINT.md)
    std::fprintf(stderr, "checkpoint %ld: %s, %zu bytes in %.3f s\n", count, path.c_str(),
                 file.size(),
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  if (phase == "after" && at == count) std::raise(SIGKILL);  // test only
}

std::pair<CheckpointMeta, CheckpointImage> read_checkpoint(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw CheckpointError("checkpoint " + path + ": cannot be read");
  const std::string file((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  const std::string where = "checkpoint " + path + ": ";
  if (file.size() < 8 || std::memcmp(file.data(), kMagic, 8) != 0)
    throw CheckpointError(where + "not a synctur checkpoint (no magic number)");
  if (file.size() < kHead + 8)
    throw CheckpointError(where + "truncated (" + std::to_string(file.size()) + " bytes)");
  std::uint32_t format = 0, bom = 0;
  std::uint64_t len = 0;
  std::memcpy(&format, file.data() + 8, 4);
  std::memcpy(&bom, file.data() + 12, 4);
  std::memcpy(&len, file.data() + 16, 8);
  if (bom != kBom) throw CheckpointError(where + "written on a machine of the other byte order");
  if (format != kCheckpointFormat)
    throw CheckpointError(where + "file format " + std::to_string(format) +
                          ", this synctur reads format " + std::to_string(kCheckpointFormat));
  if (len > file.size() - kHead - 8 || file.size() - kHead - 8 != len)
    throw CheckpointError(where + (len > file.size() - kHead - 8 ? "truncated (" : "damaged (") +
                          std::to_string(file.size()) + " bytes, expected " +
                          std::to_string(len + kHead + 8) + ")");
  std::uint64_t sum = 0;
  std::memcpy(&sum, file.data() + kHead + len, 8);
  if (fnv1a64(file.data(), kHead + len) != sum)
    throw CheckpointError(where + "checksum mismatch (the file is corrupt)");

  In in{file.data() + kHead, file.data() + kHead + len};
  CheckpointMeta m;
  CheckpointImage img;
  m.synctur_version = in.str();
  if (m.synctur_version != SYNCTUR_VERSION)
    throw CheckpointError(where + "written by synctur " + m.synctur_version + ", this is synctur " +
                          SYNCTUR_VERSION + " (a resumed run would not be bit-identical)");
  m.periods = in.pod<std::int64_t>();
  m.source = in.str();
  m.config_text = in.str();
  const auto no = in.pod<std::uint64_t>();
  for (std::uint64_t i = 0; i < no; ++i) m.overrides.push_back(in.str());
  const auto nr = in.pod<std::uint64_t>();
  for (std::uint64_t i = 0; i < nr; ++i) {
    std::string k = in.str();
    m.resolved.emplace_back(std::move(k), in.str());
  }
  const auto runs = in.pod<std::uint64_t>();
  if (runs > 4) In::bad();
  img.runs.resize(runs);
  for (auto& r : img.runs) {
    r.block_len = in.pod<std::int64_t>();
    const auto U = in.pod<std::uint64_t>();
    if (U > static_cast<std::uint64_t>(in.end - in.p) / 8) In::bad();
    r.units.resize(U);
    for (auto& u : r.units) u = in.reals();
  }
  if (in.p != in.end) In::bad();
  return {std::move(m), std::move(img)};
}

void check_resume(const CheckpointMeta& meta, const Config& cfg) {
  const auto now = resolved_values(cfg);
  for (const auto& [k, v] : now) {
    if (resume_may_change(k)) continue;
    auto it = std::find_if(meta.resolved.begin(), meta.resolved.end(),
                           [&k = k](const auto& e) { return e.first == k; });
    if (it == meta.resolved.end())
      throw CheckpointError("checkpoint: " + k + " is not in the checkpoint (other input layout)");
    if (it->second != v)
      throw CheckpointError("checkpoint: " + k + " was " + it->second + ", now " + v +
                            ": only simulation.periods may change on resume (a larger value "
                            "extends the run)");
  }
  if (meta.resolved.size() != now.size())
    throw CheckpointError("checkpoint: the input has other keys than the checkpoint's");
  if (cfg.simulation.periods < meta.periods)
    throw CheckpointError("checkpoint: simulation.periods " +
                          std::to_string(cfg.simulation.periods) + " is less than the " +
                          std::to_string(meta.periods) + " of the checkpoint (extend only)");
}

}  // namespace synctur::io
