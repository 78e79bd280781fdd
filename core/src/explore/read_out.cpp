#include "moescope/explore/read_out.h"

#include <cmath>
#include <stdexcept>

#include "moescope/fit/fit_refused.h"
#include "moescope/io/number_format.h"

namespace moescope {

OptimumOptions optimum_options(const ExplorerState& state) {
  OptimumOptions options;
  options.max_sparsity = state.max_sparsity;
  options.max_total_params = state.max_total_params;
  return options;
}

ReadOut read_out(const ExplorerData& data, const ExplorerState& state) {
  if (!data.law)
    throw std::logic_error("no law to read: " + data.law_refused);
  return read_optimum(*data.law, data.law_scope, data.replicates, state.budget,
                      optimum_options(state), state.replicate_intervals);
}

std::vector<double> read_out_caps(const ExplorerData& data) {
  if (!data.law || data.law->form != LawForm::kAbnar || !data.law_scope.range)
    return {};
  return headline_caps(*data.law_scope.range);
}

std::vector<CappedReadOut> capped_read_outs(const ExplorerData& data, ExplorerState state) {
  std::vector<CappedReadOut> rows;
  const std::vector<double> caps = read_out_caps(data);
  if (caps.empty())
    return rows;
  std::vector<std::optional<double>> columns(caps.begin(), caps.end());
  columns.push_back(std::nullopt);
  for (const std::optional<double>& cap : columns) {
    CappedReadOut row;
    row.cap = cap;
    state.max_total_params = cap;
    try {
      row.read_out = read_out(data, state);
    } catch (const FitRefused& refused) {
      row.refused = refused.what();
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string value_with_interval(double value, const std::optional<Interval>& interval) {
  std::string text = format_brief(value);
  if (interval && interval->hi > interval->lo)
    text += " [" + format_brief(interval->lo) + ", " + format_brief(interval->hi) + "]";
  return text;
}

std::string sparsity_cell(const CappedReadOut& row) {
  if (!row.read_out)
    return "-";
  const ReadOut& read_out = *row.read_out;
  std::string cell = value_with_interval(
      read_out.point.sparsity,
      read_out.intervals ? std::optional(read_out.intervals->sparsity) : std::nullopt);
  if (read_out.point.sparsity_at_bound)
    cell += "*";
  if (read_out.point.params_at_cap && row.cap)
    cell += " c";
  if (read_out.extrapolation && read_out.extrapolation->any())
    cell += "!";
  return cell;
}

namespace {

// "4e3 times the data's largest budget", "a tenth of the data's smallest N": how far beyond.
std::string how_far(double value, const Interval& range, const std::string& what) {
  const bool above = value > range.hi;
  const double ratio = above ? value / range.hi : range.lo / value;
  return format_brief(ratio) + " times " + (above ? "above" : "below") + " the data's " +
         (above ? "largest " : "smallest ") + what;
}

}  // namespace

std::vector<std::string> describe_extrapolation(const ReadOut& read_out) {
  std::vector<std::string> lines;
  if (!read_out.extrapolation)
    return lines;
  const Extrapolation& beyond = *read_out.extrapolation;
  auto data = [](const Interval& range) {
    return " (data: " + format_brief(range.lo) + " .. " + format_brief(range.hi) + ")";
  };
  if (beyond.budget) {
    lines.push_back("C = " + format_brief(beyond.budget->value) + " is " +
                    how_far(beyond.budget->value, beyond.budget->range, "budget") +
                    data(beyond.budget->range));
  }
  if (beyond.total_params) {
    lines.push_back("N* = " + format_brief(beyond.total_params->value) + " is " +
                    how_far(beyond.total_params->value, beyond.total_params->range, "N") +
                    data(beyond.total_params->range));
  }
  if (beyond.sparsity) {
    // Measured in the dense fraction 1 - S, as the rule is.
    const Interval dense{1.0 - beyond.sparsity->range.hi, 1.0 - beyond.sparsity->range.lo};
    lines.push_back("S* = " + format_brief(beyond.sparsity->value) + " has 1 - S " +
                    how_far(1.0 - beyond.sparsity->value, dense, "1 - S") + " (data: S in " +
                    format_brief(beyond.sparsity->range.lo) + " .. " +
                    format_brief(beyond.sparsity->range.hi) + ")");
  }
  return lines;
}

}  // namespace moescope
