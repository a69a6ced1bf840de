#include "synctur/io/output.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <stdexcept>

namespace synctur::io {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string json_value(const ConfigValue& v) {
  if (const double* d = std::get_if<double>(&v)) return json_number(*d);
  if (const auto* i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
  if (const bool* b = std::get_if<bool>(&v)) return *b ? "true" : "false";
  return json_string(std::get<std::string>(v));
}

std::string json_cell(const Cell& c) {
  if (const double* d = std::get_if<double>(&c)) return json_number(*d);
  return json_string(std::get<std::string>(c));
}

std::string csv_cell(const Cell& c) {
  if (const double* d = std::get_if<double>(&c)) return format_number(*d);
  return csv_field(std::get<std::string>(c));
}

/// The common head of every JSON object (without the closing brace).
void json_head(std::ostream& os, const Provenance& prov, const Config& cfg) {
  os << "{\n";
  os << "  \"command\": " << json_string(prov.command) << ",\n";
  os << "  \"version\": " << json_string(prov.version) << ",\n";
  os << "  \"input\": " << json_string(prov.input) << ",\n";
  os << "  \"overrides\": [";
  for (std::size_t i = 0; i < prov.overrides.size(); ++i)
    os << (i ? ", " : "") << json_string(prov.overrides[i]);
  os << "],\n";
  os << "  \"parameters\": {";
  std::string section;
  bool first_key = true;
  for (const auto& [path, value] : cfg.values) {
    const auto dot = path.find('.');
    const std::string sec = path.substr(0, dot), key = path.substr(dot + 1);
    if (sec != section) {
      os << (section.empty() ? "\n" : "\n    },\n") << "    " << json_string(sec) << ": {";
      section = sec;
      first_key = true;
    }
    os << (first_key ? "\n" : ",\n") << "      " << json_string(key) << ": " << json_value(value);
    first_key = false;
  }
  if (!section.empty()) os << "\n    }\n  ";
  os << "}";
}

void json_sweep(std::ostream& os, const SweepSpec& s) {
  os << "  \"sweep\": {\n    \"points\": " << s.size() << ",\n    \"axes\": [";
  for (std::size_t i = 0; i < s.axes.size(); ++i) {
    const SweepAxis& a = s.axes[i];
    os << (i ? ",\n" : "\n") << "      {\"name\": " << json_string(a.name)
       << ", \"key\": " << json_string(a.key)
       << ", \"scale\": " << json_string(SweepAxis::scale_name(a.scale));
    if (a.scale != SweepAxis::Scale::List)
      os << ", \"from\": " << json_number(a.from) << ", \"to\": " << json_number(a.to)
         << ", \"points\": " << a.points;
    os << ", \"values\": [";
    const auto g = a.grid();
    for (std::size_t j = 0; j < g.size(); ++j) os << (j ? ", " : "") << json_number(g[j]);
    os << "]}";
  }
  os << "\n    ]";
  if (s.Tbar) os << ",\n    \"Tbar\": " << json_number(*s.Tbar);
  if (s.dT_over_Tbar) os << ",\n    \"dT_over_Tbar\": " << json_number(*s.dT_over_Tbar);
  os << "\n  }";
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
  std::string out = "\"";
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += ch;
        }
    }
  }
  return out + "\"";
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
  json_head(os, prov, cfg);
  for (const auto& [k, v] : results.numbers())
    os << ",\n  " << json_string(k) << ": " << json_number(v);
  for (const auto& [k, v] : results.texts())
    os << ",\n  " << json_string(k) << ": " << json_string(v);
  os << "\n}\n";
}

void write_json_table(std::ostream& os, const Provenance& prov, const Config& cfg,
                      const Table& table, bool with_sweep) {
  json_head(os, prov, cfg);
  if (with_sweep && cfg.sweep) {
    os << ",\n";
    json_sweep(os, *cfg.sweep);
  }
  os << ",\n  \"columns\": [";
  for (std::size_t j = 0; j < table.columns.size(); ++j)
    os << (j ? ", " : "") << json_string(table.columns[j]);
  os << "],\n  \"points\": [";
  for (std::size_t i = 0; i < table.rows.size(); ++i) {
    os << (i ? ",\n    {" : "\n    {");
    const auto& row = table.rows[i];
    for (std::size_t j = 0; j < row.size(); ++j)
      os << (j ? ", " : "") << json_string(table.columns[j]) << ": " << json_cell(row[j]);
    os << "}";
  }
  os << (table.rows.empty() ? "]\n}\n" : "\n  ]\n}\n");
}

void write_atomically(const std::string& path, const std::function<void(std::ostream&)>& writer) {
  if (path.empty() || path == "-") {
    writer(std::cout);
    std::cout.flush();
    if (!std::cout) throw std::runtime_error("cannot write to standard output");
    return;
  }
  namespace fs = std::filesystem;
  const fs::path target(path);
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  std::string name = ".";
  name += target.filename().string();
  name += ".tmp.XXXXXX";
  std::string tmp = (dir / name).string();
  const int fd = ::mkstemp(tmp.data());
  if (fd < 0)
    throw std::runtime_error(path + ": cannot create a temporary file in '" + dir.string() + "' (" +
                             std::strerror(errno) + ")");
  // mkstemp creates 0600; give the final file the usual 0666 & ~umask.
  const mode_t mask = ::umask(0);
  ::umask(mask);
  ::fchmod(fd, 0666 & ~mask);
  ::close(fd);
  try {
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      if (!out) throw std::runtime_error(path + ": cannot open '" + tmp + "' for writing");
      writer(out);
      out.flush();
      if (!out) throw std::runtime_error(path + ": write failed (" + std::strerror(errno) + ")");
    }
    const int sfd = ::open(tmp.c_str(), O_RDONLY);
    if (sfd >= 0) {
      ::fsync(sfd);
      ::close(sfd);
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0)
      throw std::runtime_error(path + ": cannot rename the temporary file onto it (" +
                               std::strerror(errno) + ")");
  } catch (...) {
    ::unlink(tmp.c_str());
    throw;
  }
}

}  // namespace synctur::io
