#pragma once

#include <gtest/gtest.h>

#include "moescope/fit/fit_refused.h"

namespace moescope::testing_support {

// Runs `call` and checks that it refuses with `expected`, showing the refusal's message otherwise.
template <typename Call>
void expect_refusal(RefusalReason expected, Call call) {
  try {
    call();
    ADD_FAILURE() << "expected a refusal (" << to_string(expected) << ")";
  } catch (const FitRefused& refusal) {
    EXPECT_EQ(refusal.reason(), expected) << refusal.what();
  }
}

}  // namespace moescope::testing_support
