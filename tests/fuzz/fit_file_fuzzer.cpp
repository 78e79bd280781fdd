// Fuzz target of the FIT.json reader (core/include/moescope/io/saved_fit.h): read_json_file(),
// saved_fit_kind(), read_saved_law() and read_saved_surfaces(), as `moescope predict --fit`,
// `optimum --law`, `train plan --law` and the explorer call them.
//
// The input is the file's bytes, written to a scratch file and read through its path. Refusal is
// InputError; a file holding a NUL byte must be refused. A fit that is read is then used as
// `predict` uses it (the loss, and the replicates' interval or the surface's band, at a few
// points) and, a law, as `optimum` does (the optimum at C = 1e20, FitRefused being its documented
// refusal); all of it must finish (-timeout).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_support.h"
#include "moescope/fit/fit_refused.h"
#include "moescope/fit/optimum_report.h"
#include "moescope/io/diagnostic.h"
#include "moescope/io/saved_fit.h"

namespace {

// Bounds the optimiser's work per input: a replicate is one more optimum.
constexpr std::size_t kMaxReplicatesForOptimum = 16;

void use_law(const moescope::SavedLaw& saved) {
  for (const double size : {1e8, 1e9, 1e11}) {
    for (const double sparsity : {0.0, 0.5, 0.9}) {
      moescope::ScalingPoint point;
      point.total_params = size;
      point.active_params = size * (1 - sparsity);
      point.tokens = 2e10;
      point.sparsity = sparsity;
      (void)saved.law.loss(point);
      (void)moescope::replicate_interval(saved.replicates, point);
    }
  }
  if (saved.replicates.size() > kMaxReplicatesForOptimum)
    return;
  try {
    const moescope::OptimumReadOut read_out =
        moescope::read_optimum(saved.law, saved.scope, saved.replicates, 1e20, {});
    (void)moescope::optimum_json(read_out);
  } catch (const moescope::FitRefused&) {
  }
}

void use_surfaces(const std::vector<moescope::SurfaceFit>& fits) {
  for (const moescope::SurfaceFit& fit : fits) {
    for (const double size : {1e8, 1e9, 1e11}) {
      for (const double sparsity : {0.0, 0.5, 0.9}) {
        (void)fit.loss(size, sparsity);
        if (!fit.replicates.empty())
          (void)fit.band(size, sparsity);
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::filesystem::path file = moescope::fuzz::scratch_folder() / "FIT.json";
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  moescope::fuzz::write_file(file, bytes);
  const std::string path = file.string();
  try {
    const nlohmann::json json = moescope::read_json_file(file);
    const std::string kind = moescope::saved_fit_kind(json, path);
    if (kind == "surfaces") {
      const std::vector<moescope::SurfaceFit> fits = moescope::read_saved_surfaces(json, path);
      moescope::fuzz::accepted_nul(bytes, "the FIT.json reader");
      use_surfaces(fits);
    } else {
      const moescope::SavedLaw law = moescope::read_saved_law(json, path);
      moescope::fuzz::accepted_nul(bytes, "the FIT.json reader");
      use_law(law);
    }
  } catch (const moescope::InputError&) {
  } catch (const std::exception& error) {
    moescope::fuzz::undocumented(error, "the FIT.json reader");
  }
  return 0;
}
