#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "moescope/fit/active_parameter_model.h"
#include "moescope/model/architecture.h"
#include "moescope/plan/cell.h"
#include "moescope/trainer/train_spec.h"

namespace moescope {

// Turns wanted cells (C, N, S) into concrete architectures that a trainer can run.
//
// Sparsity is realised exactly: E and K are experts_for_sparsity(S) (model/architecture.h), the
// fewest experts with K <= 8. Size is matched by searching the shape family below over (d_model,
// layers) for the total N (count_parameters) nearest the target in log N; a cell is refused when
// even the nearest misses by more than the tolerance. The budget then fixes the tokens, D = C /
// flops_per_token, and the steps the trainer will run, whole_steps(D) (train_spec.h).
//
// The family: d_model a multiple of head_size (one head per head_size channels; 64 by default, as
// `moescope flops` assumes), depth near the synthetic grid's aspect ratio: layers such that
// d_model / layers lies within a factor aspect_slack of width_per_layer, and at least min_layers.
// Embeddings are tied, as in the paper's models and moescope-train. Small models are sparse in N:
// below about 1e7 parameters the widths 64, 128, 192, ... are far apart, so a 5 % tolerance
// refuses many targets there (a smaller head_size reaches more).

// How a budget becomes tokens.
enum class FlopEstimator {
  // The paper's Eq. 9 with the router and attention-context terms (accounting.h), as moescope-train
  // turns a spec's "compute" into tokens.
  kEq9,
  // 6 N_a, the estimator the law's D = C / (6 N_a) assumes.
  kSixNa,
};

std::string_view to_string(FlopEstimator estimator);  // "eq9", "6Na"
std::optional<FlopEstimator> parse_flop_estimator(std::string_view text);

struct PlannerOptions {
  // The tokenizer's vocabulary; default moescope-train's byte-level one.
  int vocab = kByteVocabulary;
  // Tokens per sequence; default 512.
  int context = 512;
  // Sequences per optimizer step; default 32.
  int batch_size = 32;
  // Expert width 4 d_model / G; default 1. E and K do not change with G (the paper, Appendix C,
  // varies the active experts independently of granularity), so G > 1 makes smaller experts.
  int granularity = 1;
  // Channels per attention head; default 64. d_model is a multiple of it.
  int head_size = 64;
  // Preferred d_model / layers; default 96, the synthetic grid's (about GPT-3's).
  double width_per_layer = 96;
  // Depths searched: d_model / layers within [width_per_layer / aspect_slack, width_per_layer *
  // aspect_slack]; default 1.5, i.e. 64 .. 144. Wider than 1 so that sizes between two widths
  // can be reached by depth; narrow enough that the shapes stay alike across a curve.
  double aspect_slack = 1.5;
  // Shallowest model; default 2 (the synthetic grid's). Small widths use it even where the aspect
  // ratio asks for fewer layers.
  int min_layers = 2;
  // Widest model searched; default 16384.
  int max_d_model = 16384;
  // |N - N_target| / N_target accepted; default 0.05.
  double relative_tolerance = 0.05;
  // Default Eq. 9, so that the planned D is what moescope-train derives from the same C.
  FlopEstimator estimator = FlopEstimator::kEq9;
  // Fewest optimizer steps a run may have; default 50. The trainer runs whole steps, so a run
  // trains up to one step's tokens less than D: 50 steps keep its C within 2 % of the cell's, the
  // tolerance by which fits group runs into one budget.
  std::int64_t min_steps = 50;

  // One message per invalid field, named as above; empty when usable.
  std::vector<std::string> validate() const;
  // The continuous shape family of active_parameter_model.h that these shapes follow (vocab,
  // width_per_layer, min_layers, tied embeddings), for finding the law's optimum in their terms.
  ModelFamily model_family() const;
};

struct PlannedRun {
  Cell cell;
  Architecture architecture;  // heads, vocab and context filled in; tied embeddings
  double total_params = 0;    // N = count_parameters(architecture).total
  double active_params = 0;   // N_a
  double relative_error = 0;  // (N - cell.total_params) / cell.total_params
  FlopEstimator estimator = FlopEstimator::kEq9;
  double flops_per_token = 0;  // by `estimator`
  double tokens = 0;           // D = cell.compute / flops_per_token
  int batch_size = 0;
  std::int64_t steps = 0;  // whole_steps(tokens, batch_size, context), what the trainer runs
  // How the run was chosen, written to its spec's "design" key (train_spec.h): "grid" for wanted
  // cells and gaps; active design (active_design.h) says "next: ..." with its reason.
  std::string design = "grid";
};

// Cells that cannot be planned, one message per cell, each naming the cell and why.
class PlanRefused : public std::runtime_error {
 public:
  explicit PlanRefused(std::vector<std::string> messages);
  const std::vector<std::string>& messages() const { return messages_; }

 private:
  std::vector<std::string> messages_;
};

// Throws std::invalid_argument with validate()'s messages for bad options, and PlanRefused when C
// or N is not finite and > 0, S is not (E - K) / E for any E and K <= 8, no shape comes within the
// tolerance (the message names the nearest), the budget gives fewer than min_steps steps, or more
// tokens than the trainer takes (kMaxTrainingTokens). Many cells at once: plan_cells of
// planning.h.
PlannedRun plan_run(const Cell& cell, const PlannerOptions& options = {});

// Every shape of the family at sparsity S whose N lies in [min_total, max_total], each planned at
// budget C with its own N as the cell's size (relative_error 0), by increasing N (equal N: the
// aspect ratio nearest width_per_layer first): the sizes a run at (C, S) can have, for active
// design (active_design.h) to choose from. Shapes the budget cannot plan (fewer than min_steps
// steps, more than kMaxTrainingTokens tokens) are left out, so that each one is plannable; the
// result is empty when none is. Throws std::invalid_argument for bad options, and PlanRefused
// when C is not finite and > 0, S is not (E - K) / E for any E and K <= 8, or the bounds are not
// finite with 0 < min_total <= max_total.
std::vector<PlannedRun> family_runs(double compute, double sparsity, double min_total,
                                    double max_total, const PlannerOptions& options = {});

}  // namespace moescope
