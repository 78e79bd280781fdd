#pragma once

// What the readers and writers of FIT.json (include/moescope/io/saved_fit.h) share:
// saved_fit.cpp (the file's kind, unit and surfaces) and saved_law.cpp (laws, compiled and
// defined). Private to moescope_fit.
//
// Every field of a FIT.json is checked before it is used, as a file read from anywhere may be
// corrupt or hostile: a surface degree of 1e9 made `predict` build a billion coefficient names,
// and a law with a = 1e308 answered with infinite losses. A problem names the file and the field
// ("surfaces[0].degrees[1]"), and every problem of the file is reported at once.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "moescope/fit/interval.h"
#include "moescope/fit/law_fit.h"
#include "moescope/io/diagnostic.h"
#include "moescope/io/number_range.h"
#include "moescope/io/saved_fit.h"

namespace moescope::saved_fit_detail {

using nlohmann::json;

inline constexpr int kFitFileVersion = 1;

InputError file_error(const std::string& path, const std::string& message);

// A value quoted in a message: numbers and texts as written (cut when long), containers by kind.
std::string shown(const json& value);

// "a, b, c".
std::string joined(const std::vector<std::string>& names);

nlohmann::ordered_json errors_json(const ErrorMeasures& errors);
// The conversion of the runs' losses, where there was one, goes with the data it applied to.
nlohmann::ordered_json data_json(const FitDataSummary& data);

// Collects a file's problems; a hostile file can hold millions (100,000 replicates of 10 bad
// parameters), so only the first are kept, as many as a message lists, and the rest counted.
class FitChecker {
 public:
  static constexpr std::size_t kMaxProblems = 19;

  explicit FitChecker(std::string path) : path_(std::move(path)) {}

  void problem(const std::string& field, const std::string& message) {
    if (problems_.size() < kMaxProblems)
      problems_.push_back(Diagnostic{{path_, 0, field, ""}, message});
    ++count_;
  }
  // Throws InputError with every problem found so far, if any.
  void finish() {
    if (count_ == 0)
      return;
    if (count_ > problems_.size()) {
      problems_.push_back(Diagnostic{
          {path_, 0, "", ""},
          "and " + std::to_string(count_ - problems_.size()) + " more problems not listed"});
    }
    throw InputError(std::move(problems_));
  }
  std::size_t problem_count() const { return count_; }

  // A member of an object; nullptr when absent (or when `object` is no object).
  static const json* member(const json& object, const char* key) {
    if (!object.is_object())
      return nullptr;
    const auto found = object.find(key);
    return found == object.end() ? nullptr : &*found;
  }

  // A finite number in `range`.
  std::optional<double> number(const json* value, const std::string& field,
                               const NumberRange& range) {
    if (value == nullptr) {
      problem(field, "missing (" + range.description() + ")");
      return std::nullopt;
    }
    const bool inside = value->is_number() && range.contains(value->get<double>());
    if (!inside) {
      problem(field, "must be " + range.description() + ", got " + shown(*value));
      return std::nullopt;
    }
    return value->get<double>();
  }

  // A whole number written as one (not 1.5, not 1e9, not "1") in [low, high].
  std::optional<std::int64_t> whole(const json* value, const std::string& field, std::int64_t low,
                                    std::int64_t high) {
    const std::string expected =
        "a whole number in [" + std::to_string(low) + ", " + std::to_string(high) + "]";
    if (value == nullptr) {
      problem(field, "missing (" + expected + ")");
      return std::nullopt;
    }
    bool inside = false;
    if (value->is_number_unsigned()) {  // may exceed every int64
      const auto whole = value->get<std::uint64_t>();
      inside = whole <= static_cast<std::uint64_t>(high) &&
               (low <= 0 || whole >= static_cast<std::uint64_t>(low));
    } else if (value->is_number_integer()) {
      const auto whole = value->get<std::int64_t>();
      inside = whole >= low && whole <= high;
    }
    if (!inside) {
      problem(field, "must be " + expected + ", got " + shown(*value));
      return std::nullopt;
    }
    return value->get<std::int64_t>();
  }

  // An optional text: absent or null is none.
  std::optional<std::string> text(const json* value, const std::string& field) {
    if (value == nullptr || value->is_null())
      return std::nullopt;
    if (!value->is_string()) {
      problem(field, "must be a text or null, got " + shown(*value));
      return std::nullopt;
    }
    return value->get<std::string>();
  }

  // An array of at most `most` elements; nullptr (with a problem) otherwise. Absent is an empty
  // array where `optional`.
  const json* array(const json* value, const std::string& field, std::size_t most, bool optional) {
    static const json kEmpty = json::array();
    if (value == nullptr && optional)
      return &kEmpty;
    if (value == nullptr || !value->is_array()) {
      problem(field,
              value == nullptr ? "missing (an array)" : "must be an array, got " + shown(*value));
      return nullptr;
    }
    if (value->size() > most) {
      problem(field, "holds " + std::to_string(value->size()) + " elements; at most " +
                         std::to_string(most) + " are read");
      return nullptr;
    }
    return value;
  }

 private:
  std::string path_;
  std::vector<Diagnostic> problems_;
  std::size_t count_ = 0;
};

// [lo, hi] with lo <= hi, both in `bounds`.
std::optional<Interval> interval_from(FitChecker& check, const json* pair, const std::string& field,
                                      const NumberRange& bounds);

// A finite number, or null for a value that was not finite when saved (number_or_null).
double number_or_nan(FitChecker& check, const json* value, const std::string& field,
                     const NumberRange& bounds);

}  // namespace moescope::saved_fit_detail
