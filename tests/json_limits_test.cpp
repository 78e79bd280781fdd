// The nesting bound every JSON reader checks before parsing (json_limits.h).
#include "moescope/io/json_limits.h"

#include <gtest/gtest.h>

#include <string>

namespace moescope {
namespace {

std::string nested(std::size_t depth, char open = '[', char close = ']') {
  return std::string(depth, open) + std::string(depth, close);
}

TEST(JsonLimitsTest, FindsTheFirstBracketPastTheLimit) {
  EXPECT_EQ(json_too_deep_at(nested(kMaxJsonDepth)), std::nullopt);
  EXPECT_EQ(json_too_deep_at(nested(kMaxJsonDepth + 1)), kMaxJsonDepth);
  EXPECT_EQ(json_too_deep_at(nested(3, '{', '}'), 2), 2u);
  EXPECT_EQ(json_too_deep_at(R"({"a": [1, {"b": [[]]}], "c": {}})", 5), std::nullopt);
  EXPECT_EQ(json_too_deep_at(R"({"a": [1, {"b": [[]]}], "c": {}})", 3), 16u);
  // Closing brackets bring the depth back down, and siblings do not add up.
  EXPECT_EQ(json_too_deep_at("[[1],[2],[3],[4]]", 2), std::nullopt);
  EXPECT_EQ(json_too_deep_at("]]]][[", 1), 5u);  // a stray close does not count below zero
  EXPECT_EQ(json_too_deep_at("", 0), std::nullopt);
  EXPECT_EQ(json_too_deep_at("42", 0), std::nullopt);
}

TEST(JsonLimitsTest, BracketsInStringsAreText) {
  EXPECT_EQ(json_too_deep_at("[\"[[[[\"]", 1), std::nullopt);
  EXPECT_EQ(json_too_deep_at(R"(["\"[[", "\\"])", 1), std::nullopt);  // escaped quotes
  EXPECT_EQ(json_too_deep_at(R"(["\\", [0]])", 1), 7u);  // an escaped backslash ends no string
  EXPECT_EQ(json_too_deep_at(std::string(1, '"').append(nested(100'000)), 1),
            std::nullopt);  // never closed
}

TEST(JsonLimitsTest, DescribesTheProblemWithTheLimitAndWhere) {
  EXPECT_EQ(json_depth_problem(nested(kMaxJsonDepth)), std::nullopt);
  EXPECT_EQ(json_depth_problem(nested(100'000)),
            "arrays and objects nested more than 512 deep (MoEScope's limit) at line 1, column "
            "513, in [0][0][0][0]...");
  EXPECT_EQ(json_depth_problem("{\"a\": [[1]]}", 2),
            "arrays and objects nested more than 2 deep (MoEScope's limit) at line 1, column 8, "
            "in a[0]");
  EXPECT_EQ(json_depth_problem("[[\n]]\n[[", 1),
            "arrays and objects nested more than 1 deep (MoEScope's limit) at line 1, column 2, "
            "in [0]");
}

TEST(JsonLimitsTest, NamesTheKeysAndIndicesAroundTheNesting) {
  const std::string runs =
      "{\"format\": \"moescope-runs\", \"runs\": [\n  {\"N\": 1},\n  "
      "{\"name\": \"x, [y]\", \"loss_curve\": [[1, 2, " +
      nested(3) + "]]}]}";
  const std::optional<JsonNesting> nesting = json_nesting_past(runs, 5);
  ASSERT_TRUE(nesting);
  EXPECT_EQ(nesting->line, 3);
  EXPECT_EQ(nesting->offset, runs.find("[[["));  // the sixth level: {, [, {, [, [ and this
  EXPECT_EQ(nesting->column, static_cast<int>(nesting->offset - runs.rfind('\n', nesting->offset)));
  ASSERT_EQ(nesting->path.size(), 4u);
  EXPECT_EQ(nesting->path[0].key, "runs");
  EXPECT_TRUE(nesting->path[1].is_index);
  EXPECT_EQ(nesting->path[1].index, 1u);
  EXPECT_EQ(nesting->path[2].key, "loss_curve");
  EXPECT_EQ(nesting->path_text(), "runs[1].loss_curve[0]...");
  // The same offset as json_too_deep_at, whatever the text.
  for (const std::string& text : {runs, nested(20), std::string("[\"[\", {\"k\\\"\": [[[]]]}]")}) {
    const std::optional<JsonNesting> found = json_nesting_past(text, 3);
    EXPECT_EQ(found ? std::optional(found->offset) : std::nullopt, json_too_deep_at(text, 3))
        << text;
  }
  // A hostile key is shortened.
  // Appended piece by piece: GCC 12 warns falsely (-Wrestrict) on "literal" + std::string.
  std::string long_key = "{\"";
  long_key.append(10'000, 'k').append("\": ").append(nested(5)).append("}");
  const std::optional<JsonNesting> shortened = json_nesting_past(long_key, 2);
  ASSERT_TRUE(shortened);
  EXPECT_EQ(shortened->path[0].key, std::string(60, 'k') + "...");
}

}  // namespace
}  // namespace moescope
