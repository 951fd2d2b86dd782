/*
 * gp_trialjson — the --json documents of `gameplan trial` (and of the API
 * when it comes): power, assignment, analysis and adaptive allocation.
 * Analysis comparisons use the column names of R's tidy estimatr output
 * (estimate, std_error, df, conf_low, conf_high, p_value). NaN and
 * infinities are written as null. Every function returns a new reference
 * the caller owns (json_decref), or NULL on ENOMEM.
 */
#ifndef GP_TRIALJSON_H
#define GP_TRIALJSON_H

#include <jansson.h>

#include "engine/gp_trial_adapt.h"
#include "engine/gp_trial_power.h"
#include "io/gp_trialcsv.h"

json_t *gp_trialjson_power(const gp_trial_power_spec *spec, const gp_trial_power_result *r);

json_t *gp_trialjson_analysis(const gp_trialcsv_analyse_spec *spec, const gp_trialcsv_analysis *a);

json_t *gp_trialjson_assignment(const gp_trialcsv_assign_spec *spec,
                                const gp_trialcsv_assignment *a);

json_t *gp_trialjson_adapt(int k, const char *const *arms, const gp_trial_arm_data *data,
                           bool binary, double floor_w, double threshold, long draws,
                           unsigned long long seed, const gp_trial_adapt_out *out);

#endif
