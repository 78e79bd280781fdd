#pragma once

#include <optional>
#include <string>
#include <vector>

#include "moescope/explore/explorer_data.h"
#include "moescope/fit/optimum_report.h"

namespace moescope {

// The live read-out panel: S*, N*, N_a*, D*, L* at the state's budget and caps, with intervals
// and where they leave the data. It is what `moescope optimum` prints for the same law,
// replicates, budget and cap (one type, one JSON format: optimum_json).
using ReadOut = OptimumReadOut;

// The options `moescope optimum` passes: max_sparsity and max_total_params from the state, the
// default model family.
OptimumOptions optimum_options(const ExplorerState& state);

// read_optimum(*data.law, data.law_scope, data.replicates, state.budget, optimum_options(state),
// state.replicate_intervals). Throws FitRefused as read_optimum() does (e.g. no interior minimum
// at this budget), and std::logic_error without a law (data.law_refused says why).
ReadOut read_out(const ExplorerData& data, const ExplorerState& state);

// The read-out's headline (the paper's Figure 4 reading): S* under a few caps on N beside the
// unconstrained optimum, since the unconstrained law puts S* at the sparsest model considered and
// a memory bound is what brings it down. The caps are headline_caps() of the data's range, for
// an Eq. 6 law; none for a law of one sparsity level (it recommends no sparsity), without a law
// or without a known range.
std::vector<double> read_out_caps(const ExplorerData& data);

// The optimum under one cap, or why there is none.
struct CappedReadOut {
  std::optional<double> cap;  // nullopt: no cap
  std::optional<ReadOut> read_out;
  std::string refused;  // where read_out is nullopt: the refusal's message
};

// One row per cap of read_out_caps(data), then the unconstrained optimum (state.max_total_params
// is not used), each read_out(data, state) at that cap: with intervals only where
// state.replicate_intervals (point values alone while a slider is held). Empty where
// read_out_caps(data) is.
std::vector<CappedReadOut> capped_read_outs(const ExplorerData& data, ExplorerState state);

// "0.93 [0.9, 0.95]": a value and its interval, as `moescope optimum` formats numbers; the value
// alone where there is no interval or every replicate gave the same value (an optimum at a bound,
// which the marks of sparsity_cell explain).
std::string value_with_interval(double value, const std::optional<Interval>& interval);

// S* under a cap as a table cell, the no-display report's and the read-out's: value_with_interval
// of S*, then "*" where S* is at the sparsity bound, " c" where the cap binds (N* = the cap), "!"
// where the read-out is extrapolated; "-" where there is no optimum.
std::string sparsity_cell(const CappedReadOut& row);

// Where a read-out leaves the data, one sentence per quantity, e.g. "C = 1e25 is 1e4 times the
// data's largest budget (data: 3e19 .. 1e21)"; empty inside the data or where its range is not
// known.
std::vector<std::string> describe_extrapolation(const ReadOut& read_out);

}  // namespace moescope
