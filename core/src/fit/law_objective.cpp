#include "fit/law_objective.h"

#include <cmath>
#include <limits>
#include <stdexcept>

#include "numerics/vector_math.h"

// GCC reports the vector ABI note at the end of the file, so it is silenced for the whole file;
// see vector_math.h for why it does not apply.
#pragma GCC diagnostic ignored "-Wpsabi"

namespace moescope::law_fit_detail {
namespace {

namespace simd = numerics::simd;

enum ChinchillaCoordinate { kLogA, kLogB, kLogE, kChinchillaAlpha, kChinchillaBeta };
enum AbnarCoordinate { kLoga, kLogb, kLogc, kLogd, kLoge, kAlpha, kBeta, kGamma, kLambda, kDelta };

// Enough for the widest vector the kernels use.
constexpr std::size_t kPadding = 8;

struct Columns {
  const double* log_params;
  const double* log_tokens;
  const double* log_dense_fraction;
  const double* log_loss;
  const double* weight;
  std::size_t size;  // a multiple of kPadding
};

// Where every term lies within exp's range, log L̂ = log(sum_k exp(t_k)) needs no shift, and the
// constant term exp(log_E) is one scalar: one exp per point fewer. Outside this range (a sum
// that would underflow or overflow), the evaluation is redone as a true log-sum-exp, shifted by
// each point's largest term.
constexpr double kSafeTermSum = 1e250;

// How log L̂ is computed: unshifted first, then shifted if the first pass went out of range.
enum class Shift { kNone, kLargestTerm };

using simd::broadcast;
using simd::load;

// The Huber term of each point, and psi(r) = Huber'(r) folded into d(objective)/d(log L̂):
// adds weight * Huber(r) to `huber` and returns -weight * psi(r) / sum_k exp(t_k - shift).
template <typename V>
MOESCOPE_VECTOR_INLINE V huber_and_scale(const V& residual, const V& term_sum, const V& weight,
                                         double delta, V& huber) {
  const V magnitude = simd::abs(residual);
  huber +=
      weight * (magnitude <= delta ? 0.5 * residual * residual : delta * (magnitude - 0.5 * delta));
  // One conditional at a time; see vector_math.h.
  const V capped = residual > delta ? broadcast<V>(delta) : residual;
  const V psi = capped < -delta ? broadcast<V>(-delta) : capped;
  return -weight * psi / term_sum;
}

// The range of the term sums seen so far, lane by lane, and whether one was NaN.
template <typename V>
struct TermSumRange {
  V smallest = broadcast<V>(1.0);
  V largest = broadcast<V>(1.0);
  V nan_if_any{};  // accumulates x - x, which is NaN exactly for NaN (or infinite) x

  MOESCOPE_VECTOR_INLINE void add(const V& term_sum) {
    smallest = term_sum < smallest ? term_sum : smallest;
    largest = term_sum > largest ? term_sum : largest;
    nan_if_any += term_sum - term_sum;
  }
  MOESCOPE_VECTOR_INLINE bool safe() const {
    for (int lane = 0; lane < simd::kLanesOf<V>; ++lane) {
      if (!(smallest[lane] > 1.0 / kSafeTermSum && largest[lane] < kSafeTermSum &&
            nan_if_any[lane] == 0.0))
        return false;
    }
    return true;
  }
};

// Returns the objective, or NaN when `shift` is kNone and a term sum left the safe range.
template <typename V>
MOESCOPE_VECTOR_INLINE double chinchilla_kernel(const Columns& data, const double* theta,
                                                double delta, Shift shift, double* gradient) {
  const bool shifted = shift == Shift::kLargestTerm;
  const V log_e = broadcast<V>(theta[kLogE]);
  const V floor_value = broadcast<V>(std::exp(theta[kLogE]));
  V huber{}, d_log_a{}, d_alpha{}, d_log_b{}, d_beta{}, d_log_e{};
  TermSumRange<V> term_sums;
  for (std::size_t i = 0; i < data.size; i += simd::kLanesOf<V>) {
    const V log_n = load<V>(data.log_params + i);
    const V log_d = load<V>(data.log_tokens + i);
    const V params_term = theta[kLogA] - theta[kChinchillaAlpha] * log_n;
    const V tokens_term = theta[kLogB] - theta[kChinchillaBeta] * log_d;
    const V largest = shifted ? simd::max(simd::max(params_term, tokens_term), log_e) : V{};
    const V params_share = simd::exp(params_term - largest);
    const V tokens_share = simd::exp(tokens_term - largest);
    const V floor_share = shifted ? simd::exp(log_e - largest) : floor_value;
    const V term_sum = params_share + tokens_share + floor_share;
    term_sums.add(term_sum);
    const V residual = load<V>(data.log_loss + i) - largest - simd::log(term_sum);
    const V scale = huber_and_scale(residual, term_sum, load<V>(data.weight + i), delta, huber);
    d_log_a += scale * params_share;
    d_alpha -= scale * params_share * log_n;
    d_log_b += scale * tokens_share;
    d_beta -= scale * tokens_share * log_d;
    d_log_e += scale * floor_share;
  }
  if (!shifted && !term_sums.safe())
    return std::numeric_limits<double>::quiet_NaN();
  gradient[kLogA] = simd::sum(d_log_a);
  gradient[kLogB] = simd::sum(d_log_b);
  gradient[kLogE] = simd::sum(d_log_e);
  gradient[kChinchillaAlpha] = simd::sum(d_alpha);
  gradient[kChinchillaBeta] = simd::sum(d_beta);
  return simd::sum(huber);
}

template <typename V>
MOESCOPE_VECTOR_INLINE double abnar_kernel(const Columns& data, const double* theta, double delta,
                                           Shift shift, double* gradient) {
  const bool shifted = shift == Shift::kLargestTerm;
  const V log_e = broadcast<V>(theta[kLoge]);
  const V floor_value = broadcast<V>(std::exp(theta[kLoge]));
  V huber{}, d_log_a{}, d_alpha{}, d_log_b{}, d_beta{}, d_log_c{}, d_lambda{}, d_log_d{}, d_gamma{},
      d_delta{}, d_log_e{};
  TermSumRange<V> term_sums;
  for (std::size_t i = 0; i < data.size; i += simd::kLanesOf<V>) {
    const V log_n = load<V>(data.log_params + i);
    const V log_d = load<V>(data.log_tokens + i);
    const V log_f = load<V>(data.log_dense_fraction + i);
    const V params_term = theta[kLoga] - theta[kAlpha] * log_n;
    const V tokens_term = theta[kLogb] - theta[kBeta] * log_d;
    const V sparsity_term = theta[kLogc] - theta[kLambda] * log_f;
    const V interaction_term = theta[kLogd] - theta[kDelta] * log_f - theta[kGamma] * log_n;
    const V largest = shifted ? simd::max(simd::max(simd::max(params_term, tokens_term),
                                                    simd::max(sparsity_term, interaction_term)),
                                          log_e)
                              : V{};
    const V params_share = simd::exp(params_term - largest);
    const V tokens_share = simd::exp(tokens_term - largest);
    const V sparsity_share = simd::exp(sparsity_term - largest);
    const V interaction_share = simd::exp(interaction_term - largest);
    const V floor_share = shifted ? simd::exp(log_e - largest) : floor_value;
    const V term_sum =
        params_share + tokens_share + sparsity_share + interaction_share + floor_share;
    term_sums.add(term_sum);
    const V residual = load<V>(data.log_loss + i) - largest - simd::log(term_sum);
    const V scale = huber_and_scale(residual, term_sum, load<V>(data.weight + i), delta, huber);
    d_log_a += scale * params_share;
    d_alpha -= scale * params_share * log_n;
    d_log_b += scale * tokens_share;
    d_beta -= scale * tokens_share * log_d;
    d_log_c += scale * sparsity_share;
    d_lambda -= scale * sparsity_share * log_f;
    d_log_d += scale * interaction_share;
    d_gamma -= scale * interaction_share * log_n;
    d_delta -= scale * interaction_share * log_f;
    d_log_e += scale * floor_share;
  }
  if (!shifted && !term_sums.safe())
    return std::numeric_limits<double>::quiet_NaN();
  gradient[kLoga] = simd::sum(d_log_a);
  gradient[kLogb] = simd::sum(d_log_b);
  gradient[kLogc] = simd::sum(d_log_c);
  gradient[kLogd] = simd::sum(d_log_d);
  gradient[kLoge] = simd::sum(d_log_e);
  gradient[kAlpha] = simd::sum(d_alpha);
  gradient[kBeta] = simd::sum(d_beta);
  gradient[kGamma] = simd::sum(d_gamma);
  gradient[kLambda] = simd::sum(d_lambda);
  gradient[kDelta] = simd::sum(d_delta);
  return simd::sum(huber);
}

// One instantiation of the kernels per instruction set, picked once for the CPU at hand. The
// library is built for baseline x86-64, so the wider ones are compiled with target attributes.
#define MOESCOPE_DEFINE_KERNELS(suffix, target_attribute, lanes)                                 \
  target_attribute double chinchilla_##suffix(const Columns& data, const double* theta,          \
                                              double delta, Shift shift, double* gradient) {     \
    return chinchilla_kernel<simd::Vec<lanes>>(data, theta, delta, shift, gradient);             \
  }                                                                                              \
  target_attribute double abnar_##suffix(const Columns& data, const double* theta, double delta, \
                                         Shift shift, double* gradient) {                        \
    return abnar_kernel<simd::Vec<lanes>>(data, theta, delta, shift, gradient);                  \
  }

MOESCOPE_DEFINE_KERNELS(baseline, , 2)
#if defined(__x86_64__)
MOESCOPE_DEFINE_KERNELS(avx2, __attribute__((target("avx2"))), 4)
MOESCOPE_DEFINE_KERNELS(avx512, __attribute__((target("avx512f,avx512dq"))), 8)
#endif
#undef MOESCOPE_DEFINE_KERNELS

// Both kernels of one instruction set.
struct Kernels {
  double (*chinchilla)(const Columns&, const double*, double, Shift, double*);
  double (*abnar)(const Columns&, const double*, double, Shift, double*);
};

Kernels kernels_for(InstructionSet instruction_set) {
  switch (instruction_set) {
#if defined(__x86_64__)
    case InstructionSet::kAvx512:
      return {chinchilla_avx512, abnar_avx512};
    case InstructionSet::kAvx2:
      return {chinchilla_avx2, abnar_avx2};
#endif
    default:
      return {chinchilla_baseline, abnar_baseline};
  }
}

InstructionSet instruction_set_for_this_cpu() {
#if defined(__x86_64__)
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq"))
    return InstructionSet::kAvx512;
  if (__builtin_cpu_supports("avx2"))
    return InstructionSet::kAvx2;
#endif
  return InstructionSet::kBaseline;
}

}  // namespace

int coordinate_count(LawForm form) {
  return form == LawForm::kChinchilla ? 5 : 10;
}

const std::vector<std::string>& coordinate_names(LawForm form) {
  static const std::vector<std::string> chinchilla = {"log_A", "log_B", "log_E", "alpha", "beta"};
  static const std::vector<std::string> abnar = {"log_a", "log_b", "log_c", "log_d",  "log_e",
                                                 "alpha", "beta",  "gamma", "lambda", "delta"};
  return form == LawForm::kChinchilla ? chinchilla : abnar;
}

FittedLaw law_from_coordinates(LawForm form, const double* coordinates) {
  FittedLaw law;
  law.form = form;
  if (form == LawForm::kChinchilla) {
    law.chinchilla = {std::exp(coordinates[kLogA]), std::exp(coordinates[kLogB]),
                      std::exp(coordinates[kLogE]), coordinates[kChinchillaAlpha],
                      coordinates[kChinchillaBeta]};
    // As for Eq. 6 below: an exponent whose coefficient underflowed to 0 is reported as 0.
    if (law.chinchilla.A == 0)
      law.chinchilla.alpha = 0;
    if (law.chinchilla.B == 0)
      law.chinchilla.beta = 0;
    return law;
  }
  SparsityLaw& abnar = law.abnar;
  abnar.a = std::exp(coordinates[kLoga]);
  abnar.b = std::exp(coordinates[kLogb]);
  abnar.c = std::exp(coordinates[kLogc]);
  abnar.d = std::exp(coordinates[kLogd]);
  abnar.e = std::exp(coordinates[kLoge]);
  abnar.alpha = coordinates[kAlpha];
  abnar.beta = coordinates[kBeta];
  abnar.gamma = coordinates[kGamma];
  abnar.lambda = coordinates[kLambda];
  abnar.delta = coordinates[kDelta];
  // A coefficient whose exp underflowed to 0 leaves its term's exponents undetermined (every
  // value gives the same zero term) and would make that term 0 * inf in linear space where they
  // are large: they are reported as 0.
  if (abnar.a == 0)
    abnar.alpha = 0;
  if (abnar.b == 0)
    abnar.beta = 0;
  if (abnar.c == 0)
    abnar.lambda = 0;
  if (abnar.d == 0) {
    abnar.gamma = 0;
    abnar.delta = 0;
  }
  return law;
}

void coordinates_from_law(const FittedLaw& law, double* coordinates) {
  if (law.form == LawForm::kChinchilla) {
    coordinates[kLogA] = std::log(law.chinchilla.A);
    coordinates[kLogB] = std::log(law.chinchilla.B);
    coordinates[kLogE] = std::log(law.chinchilla.E);
    coordinates[kChinchillaAlpha] = law.chinchilla.alpha;
    coordinates[kChinchillaBeta] = law.chinchilla.beta;
    return;
  }
  const SparsityLaw& abnar = law.abnar;
  coordinates[kLoga] = std::log(abnar.a);
  coordinates[kLogb] = std::log(abnar.b);
  coordinates[kLogc] = std::log(abnar.c);
  coordinates[kLogd] = std::log(abnar.d);
  coordinates[kLoge] = std::log(abnar.e);
  coordinates[kAlpha] = abnar.alpha;
  coordinates[kBeta] = abnar.beta;
  coordinates[kGamma] = abnar.gamma;
  coordinates[kLambda] = abnar.lambda;
  coordinates[kDelta] = abnar.delta;
}

LawObjective::LawObjective(LawForm form, const std::vector<ScalingPoint>& points,
                           double huber_delta)
    : form_(form),
      huber_delta_(huber_delta),
      points_(points.size()),
      instruction_set_(instruction_set_for_this_cpu()) {
  if (points.empty())
    throw std::invalid_argument("LawObjective: no points");
  const std::size_t padded = (points.size() + kPadding - 1) / kPadding * kPadding;
  for (std::size_t i = 0; i < padded; ++i) {
    const ScalingPoint& point = points[std::min(i, points.size() - 1)];
    log_params_.push_back(std::log(point.total_params));
    log_tokens_.push_back(std::log(point.tokens));
    log_dense_fraction_.push_back(std::log1p(-point.sparsity));
    log_loss_.push_back(std::log(point.loss));
    weight_.push_back(i < points.size() ? 1.0 : 0.0);
  }
}

void LawObjective::set_weights(const std::vector<double>& weights) {
  if (weights.size() != points_)
    throw std::invalid_argument("LawObjective: one weight per point expected");
  std::copy(weights.begin(), weights.end(), weight_.begin());
}

double LawObjective::evaluate(const double* coordinates, double* gradient) const {
  const Columns data{log_params_.data(), log_tokens_.data(), log_dense_fraction_.data(),
                     log_loss_.data(),   weight_.data(),     weight_.size()};
  const Kernels kernels = kernels_for(instruction_set_);
  const auto kernel = form_ == LawForm::kChinchilla ? kernels.chinchilla : kernels.abnar;
  const double objective = kernel(data, coordinates, huber_delta_, Shift::kNone, gradient);
  if (!std::isnan(objective))
    return objective;
  return kernel(data, coordinates, huber_delta_, Shift::kLargestTerm, gradient);
}

}  // namespace moescope::law_fit_detail
