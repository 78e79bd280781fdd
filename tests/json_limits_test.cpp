// The nesting bound every JSON reader checks before parsing (json_limits.h).
#include "moescope/json_limits.h"

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
  EXPECT_EQ(json_too_deep_at("\"" + nested(100'000), 1), std::nullopt);  // never closed
}

TEST(JsonLimitsTest, DescribesTheProblemWithTheLimitAndWhere) {
  EXPECT_EQ(json_depth_problem(nested(kMaxJsonDepth)), std::nullopt);
  EXPECT_EQ(json_depth_problem(nested(100'000)),
            "arrays and objects nested more than 512 deep (at byte 513)");
  EXPECT_EQ(json_depth_problem("{\"a\": [[1]]}", 2),
            "arrays and objects nested more than 2 deep (at byte 8)");
}

}  // namespace
}  // namespace moescope
