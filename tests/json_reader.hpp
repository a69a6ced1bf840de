// A minimal strict JSON reader for the tests: enough to check what the writers produce (no
// NaN/inf literals, no leading +; null for the writer's non-finite numbers).
#pragma once

#include <cctype>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace synctur::test {

struct Json {
  enum Kind { Null, Bool, Number, String, Array, Object } kind = Null;
  bool b = false;
  double num = 0;
  std::string str;
  std::vector<Json> arr;
  std::vector<std::pair<std::string, Json>> obj;
  const Json& at(const std::string& k) const {
    for (const auto& [key, v] : obj)
      if (key == k) return v;
    throw std::out_of_range("no key " + k);
  }
  bool has(const std::string& k) const {
    for (const auto& [key, v] : obj)
      if (key == k) return true;
    return false;
  }
};

class JsonReader {
 public:
  explicit JsonReader(std::string s) : s_(std::move(s)) {}
  Json parse() {
    Json v = value();
    ws();
    if (i_ != s_.size()) throw std::runtime_error("trailing characters");
    return v;
  }

 private:
  std::string s_;
  std::size_t i_ = 0;
  char peek() const { return i_ < s_.size() ? s_[i_] : '\0'; }
  void ws() {
    while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
  }
  void expect(char c) {
    ws();
    if (i_ >= s_.size() || s_[i_] != c) throw std::runtime_error(std::string("expected ") + c);
    ++i_;
  }
  bool word(const char* w) {
    const std::string t(w);
    if (s_.compare(i_, t.size(), t) == 0) {
      i_ += t.size();
      return true;
    }
    return false;
  }
  std::string string() {
    expect('"');
    std::string out;
    while (i_ < s_.size() && s_[i_] != '"') {
      char c = s_[i_++];
      if (static_cast<unsigned char>(c) < 0x20) throw std::runtime_error("control char");
      if (c == '\\') {
        if (i_ >= s_.size()) throw std::runtime_error("eof in string");
        c = s_[i_++];
        if (c == 'n')
          out += '\n';
        else if (c == 't')
          out += '\t';
        else if (c == 'r')
          out += '\r';
        else if (c == 'u') {
          out += static_cast<char>(std::stoi(s_.substr(i_, 4), nullptr, 16));
          i_ += 4;
        } else
          out += c;
      } else {
        out += c;
      }
    }
    expect('"');
    return out;
  }
  Json value() {
    ws();
    Json v;
    if (i_ >= s_.size()) throw std::runtime_error("eof");
    const char c = s_[i_];
    if (c == '{') {
      v.kind = Json::Object;
      ++i_;
      ws();
      if (peek() == '}') {
        ++i_;
        return v;
      }
      for (;;) {
        std::string k = string();
        expect(':');
        v.obj.emplace_back(k, value());
        ws();
        if (peek() == ',') {
          ++i_;
          continue;
        }
        expect('}');
        return v;
      }
    }
    if (c == '[') {
      v.kind = Json::Array;
      ++i_;
      ws();
      if (peek() == ']') {
        ++i_;
        return v;
      }
      for (;;) {
        v.arr.push_back(value());
        ws();
        if (peek() == ',') {
          ++i_;
          continue;
        }
        expect(']');
        return v;
      }
    }
    if (c == '"') {
      v.kind = Json::String;
      v.str = string();
      return v;
    }
    if (word("null")) return v;
    if (word("true")) {
      v.kind = Json::Bool;
      v.b = true;
      return v;
    }
    if (word("false")) {
      v.kind = Json::Bool;
      return v;
    }
    // number: JSON grammar only (no nan/inf, no leading +)
    const std::size_t b = i_;
    if (peek() == '-') ++i_;
    if (i_ >= s_.size() || !std::isdigit(static_cast<unsigned char>(s_[i_])))
      throw std::runtime_error("bad value at " + std::to_string(b));
    while (i_ < s_.size() && std::string("0123456789.eE+-").find(s_[i_]) != std::string::npos) ++i_;
    v.kind = Json::Number;
    v.num = std::strtod(s_.substr(b, i_ - b).c_str(), nullptr);  // also subnormals (1e-320)
    return v;
  }
};

}  // namespace synctur::test
