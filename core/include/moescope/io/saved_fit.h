#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "moescope/fit/isoflop_surface.h"
#include "moescope/fit/law_fit.h"
#include "moescope/fit/law_fit_runs.h"
#include "moescope/fit/optimum_report.h"
#include "moescope/io/json_file.h"
#include "moescope/run/loss_units.h"

// The saved fit, FIT.json: the file `moescope fit law|surface --save` writes and `moescope
// predict|optimum|train plan --law`, the explorer (File > Open Saved Fit) and the planner read.
// Defined here once; core/src/io/saved_fit.cpp is compiled into moescope_fit, as it holds the
// fits' types. The format is documented in the README ("Saved fits").
namespace moescope {

// Where a fit's data came from, saved with the fit so a reader knows what it describes.
struct FitDataSummary {
  std::string source;
  std::size_t points = 0;
  std::size_t left_out = 0;
  std::string holdout_rule;
  // The unit of the losses fitted, and so of every loss the surfaces predict (a law's is its
  // scope's, LawScope::loss_unit).
  LossUnit loss_unit = kDefaultLossUnit;
  // The conversion applied to the runs' losses before the fit, where one was (loss_units.h).
  std::optional<LossConversion> conversion;
};

// A fitted law as `moescope fit law --save` writes it: the law, its bootstrap replicates (for
// prediction intervals), the options and the data summary, enough to predict without refitting.
struct SavedLaw {
  FittedLaw law;
  std::vector<FittedLaw> replicates;
  // The form, the one sparsity a Chinchilla-form law describes, the runs' range (a file
  // written before ranges were saved has none: its read-outs carry no extrapolation flags) and
  // the unit of its losses (nats/token in a file written before units were saved).
  LawScope scope;
};

// Saved fits are JSON: {"format":"moescope-fit","version":1,"kind":"law"|"surfaces",
// "loss_unit":"nats/token",...}; data.loss_conversion {"to", "bytes_per_token"} where the runs'
// losses were converted before the fit.
nlohmann::ordered_json law_json(const RunLawFit& fitted, const FitDataSummary& data);
nlohmann::ordered_json surfaces_json(const std::vector<SurfaceFit>& fits,
                                     const SurfaceFitOptions& options, const FitDataSummary& data);

// Reading back: every field the readers use is checked against the format before it is used, and
// a file that breaks it is refused with an InputError naming the file and each wrong field
// ("surfaces[0].degrees[1]: must be a whole number in [0, 4], got 1.5"):
//  - format "moescope-fit", version the number 1, kind "law" or "surfaces"; loss_unit one of
//    LossUnit's names, or absent in a file written before units were recorded: nats/token;
//  - a law: form "abnar" or "chinchilla"; params exactly the form's parameters, coefficients
//    (A, B, E; a, b, c, d, e) finite in [0, kMaxLawCoefficient] and exponents (alpha, beta,
//    gamma, lambda, delta) finite in [-kMaxLawExponent, kMaxLawExponent]; replicates (at most
//    kMaxSavedReplicates) the same; law_sparsity null or in [0, 1); data.range's C, N and S
//    finite [lo, hi] pairs, lo <= hi;
//  - surfaces (1 to kMaxSavedSurfaces): axis "N" or "N_active"; degrees three whole numbers in
//    [0, kMaxSurfaceDegree]; coefficients exactly the names those degrees have, finite; replicates
//    (at most kMaxSavedReplicates) the same; range's ln sizes in [0, 70] and sparsities in [0, 1),
//    min <= max; budget null or > 0; cv_mse and cv_se null or >= 0.
// A file may be nested no deeper than kMaxJsonDepth (json_limits.h); that is checked before it
// is parsed.
inline constexpr double kMaxLawCoefficient = 1e100;
inline constexpr double kMaxLawExponent = 10;
inline constexpr int kMaxSurfaceDegree = 4;                  // as SurfaceFitOptions::degrees allows
inline constexpr std::size_t kMaxSavedReplicates = 100'000;  // as --bootstrap allows
inline constexpr std::size_t kMaxSavedSurfaces = 10'000;
std::string saved_fit_kind(const nlohmann::json& file, const std::string& path);
LossUnit saved_fit_loss_unit(const nlohmann::json& file, const std::string& path);
SavedLaw read_saved_law(const nlohmann::json& file, const std::string& path);
std::vector<SurfaceFit> read_saved_surfaces(const nlohmann::json& file, const std::string& path);

// A FIT.json read whole: which kind it is and its contents, checked as above. Throws InputError
// naming the file (cannot be opened, not JSON, nested too deep, a field that breaks the format).
struct SavedFit {
  enum class Kind { kLaw, kSurfaces };
  Kind kind = Kind::kLaw;
  std::optional<SavedLaw> law;       // when kind is kLaw
  std::vector<SurfaceFit> surfaces;  // when kind is kSurfaces
  // The unit of the losses fitted and predicted.
  LossUnit loss_unit = kDefaultLossUnit;
};
SavedFit read_saved_fit(const std::filesystem::path& path);

// The interval of a law's replicates' predictions at a point (central 95 %); nullopt without.
std::optional<Interval> replicate_interval(const std::vector<FittedLaw>& replicates,
                                           const ScalingPoint& point);

// [lo, hi] with non-finite bounds as null; null without an interval.
nlohmann::ordered_json interval_json(const std::optional<Interval>& interval);

}  // namespace moescope
