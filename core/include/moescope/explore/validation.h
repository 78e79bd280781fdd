#pragma once

#include "moescope/explore/explorer_data.h"
#include "moescope/explore/figure.h"
#include "moescope/fit/fit_control.h"
#include "moescope/fit/law_validation.h"

namespace moescope {

// Figure 6's check of the law across budgets (`moescope fit law --validate`): each budget
// predicted by the law refitted without it (leave one budget out), or the largest budget by the
// law refitted to the others (forward).

// validate_law on what the explorer fitted: data.law_points, data.holdout, data.law_options and
// the fit's minima. A refit per budget (several seconds on the paper's grid): run it off the UI
// thread, with `control` for progress and Cancel. Throws FitRefused(kNotIdentified) without a
// law (data.law_refused says why), and as validate_law does.
LawValidation validate_explorer_law(const ExplorerData& data, ValidationScheme scheme,
                                    const FitControl& control = {});

// Figure 6 in a validation scheme: observed against predicted loss for every point of each
// validated budget (those the hold-out rule excluded from every fit included), the prediction by
// that budget's refit (BudgetValidation::law), one series per budget coloured by budget with its
// MSE in the label ("C = 1e20: MSE 2.1e-4"), and y = x. Budgets whose refit was refused are
// named in the message.
Figure validation_figure(const ExplorerData& data, const LawValidation& validation);

}  // namespace moescope
