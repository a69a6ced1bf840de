// One vocabulary of result keys for every solver (theory, simulate, exact): an ordered list
// of named numbers.  A statistical estimate "X" carries its standard error as "X_se".
// Key names are documented in docs/KEYS.md; the writers in io/output turn Results into JSON/CSV.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace synctur {

class Results {
 public:
  /// Set (or overwrite) a numeric entry; order of first insertion is kept.
  void set(const std::string& key, double value);
  /// Set an estimate and its standard error (keys "key" and "key_se").
  void set(const std::string& key, double value, double se);
  /// Set (or overwrite) a text entry (version, solver name, messages).
  void set_text(const std::string& key, const std::string& value);

  bool has(const std::string& key) const;
  /// Value of a numeric entry; throws std::out_of_range if absent.
  double get(const std::string& key) const;

  const std::vector<std::pair<std::string, double>>& numbers() const { return numbers_; }
  const std::vector<std::pair<std::string, std::string>>& texts() const { return texts_; }

  /// Exact byte image (doubles bit for bit, order kept), for moving Results between processes;
  /// deserialize(serialize()) == *this.  Throws std::invalid_argument on a malformed image.
  std::string serialize() const;
  static Results deserialize(const std::string& bytes);

 private:
  std::vector<std::pair<std::string, double>> numbers_;
  std::vector<std::pair<std::string, std::string>> texts_;
};

}  // namespace synctur
