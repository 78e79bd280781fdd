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
#include "moescope/law/defined_law_fit.h"
#include "moescope/law/law_definition.h"
#include "moescope/law/law_rows.h"
#include "moescope/run/loss_units.h"

// The saved fit, FIT.json: the file `moescope fit law|surface --save` writes and `moescope
// predict|optimum|train plan --law`, the explorer (File > Open Saved Fit) and the planner read.
// Defined here once; core/src/io/saved_fit.cpp (kind, unit, surfaces) and saved_law.cpp (laws,
// compiled and user-defined) are compiled into moescope_fit, as it holds the fits' types. The
// format is documented in the README ("Saved fits").
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
  // The fit's distinct local minima, best first ("minima"; none in a file written before they
  // were saved): what validating the law across budgets starts its refits from.
  std::vector<FittedLaw> minima;
  // Why the form was chosen, where the data chose it (RunLawFit::form_note); empty otherwise.
  std::string form_note;
};

// Saved fits are JSON: {"format":"moescope-fit","version":1,"kind":"law"|"surfaces",
// "loss_unit":"nats/token",...}; data.loss_conversion {"to", "bytes_per_token"} where the runs'
// losses were converted before the fit.
nlohmann::ordered_json law_json(const RunLawFit& fitted, const FitDataSummary& data);

// A user-defined law fitted (law_definition.h: `moescope fit law --law-file LAW.json` or a
// built-in law such as `--form kaplan`, with --save): kind "law" like the compiled forms', told
// apart by its "law_definition", the law as its file (law::to_json, with every --fix applied), so
// that the file alone says what was fitted and can be fitted again. Besides the compiled law's
// fields (objective, starts, converged, seconds, fit, holdout, termination, param_intervals,
// options, data, bootstrap, replicates) it holds "law" (the law's name), "variables" (the run
// variables it uses), "params" (the fitted free parameters), "fixed" (the fixed values), "notes"
// and data.range {variable: [lo, hi]} over the rows; it has no "form".
struct SavedDefinedLaw {
  law::LawDefinition law;
  std::vector<double> values;  // the free parameters, law.parameters() order
  // The bootstrap replicates' free parameters, the same order.
  std::vector<std::vector<double>> replicates;
  LossUnit loss_unit = kDefaultLossUnit;
  std::string holdout_rule;  // options.holdout: the rule the fit held out
  // The range of each variable over the rows fitted or held out, where saved.
  std::vector<std::pair<std::string, Interval>> range;

  // L̂ at `variables` (law.variables() order).
  double loss(const std::vector<double>& variables) const;
  // The central 95 % of the replicates' predictions there; nullopt without replicates.
  std::optional<Interval> interval(const std::vector<double>& variables) const;
};
struct DefinedLawFitRecord {
  const law::DefinedLawFitSummary& summary;
  const law::LawRows& rows;
  const law::DefinedLawFitOptions& options;
};
nlohmann::ordered_json defined_law_json(const DefinedLawFitRecord& fit, const FitDataSummary& data);
// Whether a fit file holds a user-defined law (a "law_definition").
bool is_defined_law_fit(const nlohmann::json& file);
nlohmann::ordered_json surfaces_json(const std::vector<SurfaceFit>& fits,
                                     const SurfaceFitOptions& options, const FitDataSummary& data);

// Reading back: every field the readers use is checked against the format before it is used, and
// a file that breaks it is refused with an InputError naming the file and each wrong field
// ("surfaces[0].degrees[1]: must be a whole number in [0, 4], got 1.5"):
//  - format "moescope-fit", version the number 1, kind "law" or "surfaces"; loss_unit one of
//    LossUnit's names, or absent in a file written before units were recorded: nats/token;
//  - a law: form "abnar" or "chinchilla"; params exactly the form's parameters, coefficients
//    (A, B, E; a, b, c, d, e) finite in [0, kMaxLawCoefficient] and exponents (alpha, beta,
//    gamma, lambda, delta) finite in [-kMaxLawExponent, kMaxLawExponent]; replicates and minima
//    (each at most kMaxSavedReplicates; minima may be absent) the same; form_note null or a string;
//    law_sparsity null or in [0, 1); data.range's C, N and S finite [lo, hi] pairs, lo <= hi;
//  - surfaces (1 to kMaxSavedSurfaces): axis "N" or "N_active"; degrees three whole numbers in
//    [0, kMaxSurfaceDegree]; coefficients exactly the names those degrees have, finite; replicates
//    (at most kMaxSavedReplicates) the same; range's ln sizes in [0, 70] and sparsities in [0, 1),
//    min <= max; budget null or > 0; cv_mse and cv_se null or >= 0.
//  - a user-defined law: law_definition an object that parse_law_definition() accepts (it is
//    re-parsed, with the variables listed in "variables": run variables, or extras' names that
//    extra_name_problem() accepts, at most kMaxRunExtras of them); params exactly the law's free
//    parameters and replicates (at most kMaxSavedReplicates) the same, each finite, within
//    [-kMaxLawCoefficient, kMaxLawCoefficient] and within the parameter's own bounds; fixed, where
//    present, exactly the law's fixed values; data.range's entries finite [lo, hi] pairs, lo <= hi,
//    of the law's variables. read_saved_law() refuses such a file, naming the law (the compiled
//    forms' readers cannot use it), and read_saved_defined_law() one without a law_definition.
// A file may be nested no deeper than kMaxJsonDepth (json_limits.h); that is checked before it
// is parsed.
inline constexpr double kMaxLawCoefficient = 1e100;
// A fit may take an exponent far from the start grid's [-1, 2] where its data hardly determine it
// (lambda = -34 on the study: a term that is c at S = 0 and vanishes at any sparsity); beyond
// 1e4 it is no fitted value.
inline constexpr double kMaxLawExponent = 1e4;
inline constexpr int kMaxSurfaceDegree = 4;                  // as SurfaceFitOptions::degrees allows
inline constexpr std::size_t kMaxSavedReplicates = 100'000;  // as --bootstrap allows
inline constexpr std::size_t kMaxSavedSurfaces = 10'000;
// Whether `file` says it is a saved fit ("format": "moescope-fit"), valid or not: how a reader
// that takes a saved fit or a law file (`moescope explore --law FILE`) tells them apart.
bool is_saved_fit(const nlohmann::json& file);
std::string saved_fit_kind(const nlohmann::json& file, const std::string& path);
LossUnit saved_fit_loss_unit(const nlohmann::json& file, const std::string& path);
SavedLaw read_saved_law(const nlohmann::json& file, const std::string& path);
std::vector<SurfaceFit> read_saved_surfaces(const nlohmann::json& file, const std::string& path);
// `file` parsed keeping the order of its keys, which a law's definitions and parameters need
// (nlohmann::json sorts them).
SavedDefinedLaw read_saved_defined_law(const nlohmann::ordered_json& file, const std::string& path);
// The file at `path`, checked as read_json_file() checks it, then read as above.
SavedDefinedLaw read_saved_defined_law(const std::filesystem::path& path);

// A FIT.json read whole: which kind it is and its contents, checked as above. Throws InputError
// naming the file (cannot be opened, not JSON, nested too deep, a field that breaks the format,
// a user-defined law, which read_saved_defined_law() reads).
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
