/*
 * gp_http_handlers — the API's handlers, one file per resource:
 * gp_http_missions.c, gp_http_metrics.c, gp_http_meta.c, gp_http_simulation.c,
 * gp_http_trials.c, gp_http_scans.c, gp_http_delib.c (conversations),
 * gp_http_themes.c, gp_http_opendata.c. Each parses the request, calls the
 * app/ layer and fills the response (see gp_http.h).
 * Path parameters are in req->params in the order of the route's pattern.
 */
#ifndef GP_HTTP_HANDLERS_H
#define GP_HTTP_HANDLERS_H

#include "http/gp_http.h"

/* gp_http_meta.c */
gp_code gp_h_openapi(gp_http_req *req, gp_http_resp *resp, gp_error *err);
gp_code gp_h_status_all(gp_http_req *req, gp_http_resp *resp, gp_error *err);

/* gp_http_missions.c */
gp_code gp_h_missions(gp_http_req *req, gp_http_resp *resp, gp_error *err);
gp_code gp_h_mission(gp_http_req *req, gp_http_resp *resp, gp_error *err);
gp_code gp_h_mission_status(gp_http_req *req, gp_http_resp *resp, gp_error *err);
gp_code gp_h_plan_get(gp_http_req *req, gp_http_resp *resp, gp_error *err);
gp_code gp_h_plan_put(gp_http_req *req, gp_http_resp *resp, gp_error *err);
gp_code gp_h_publish(gp_http_req *req, gp_http_resp *resp, gp_error *err);
gp_code gp_h_unpublish(gp_http_req *req, gp_http_resp *resp, gp_error *err);

/* gp_http_simulation.c */
gp_code gp_h_simulate(gp_http_req *req, gp_http_resp *resp, gp_error *err);
gp_code gp_h_optimise(gp_http_req *req, gp_http_resp *resp, gp_error *err);
gp_code gp_h_simulation_last(gp_http_req *req, gp_http_resp *resp, gp_error *err);
gp_code gp_h_plan_versions(gp_http_req *req, gp_http_resp *resp, gp_error *err);

/* gp_http_metrics.c */
gp_code gp_h_metric(gp_http_req *req, gp_http_resp *resp, gp_error *err);
gp_code gp_h_observations(gp_http_req *req, gp_http_resp *resp, gp_error *err);
gp_code gp_h_observations_csv(gp_http_req *req, gp_http_resp *resp, gp_error *err);
gp_code gp_h_observations_post(gp_http_req *req, gp_http_resp *resp, gp_error *err);

/* gp_http_trials.c */
gp_code gp_h_trial_power(gp_http_req *req, gp_http_resp *resp, gp_error *err);
gp_code gp_h_trial_analyse(gp_http_req *req, gp_http_resp *resp, gp_error *err);
gp_code gp_h_trial_adapt(gp_http_req *req, gp_http_resp *resp, gp_error *err);
gp_code gp_h_trial_link(gp_http_req *req, gp_http_resp *resp, gp_error *err);

/* gp_http_scans.c */
gp_code gp_h_metric_scan(gp_http_req *req, gp_http_resp *resp, gp_error *err);
gp_code gp_h_metric_peers(gp_http_req *req, gp_http_resp *resp, gp_error *err);
gp_code gp_h_metric_unit(gp_http_req *req, gp_http_resp *resp, gp_error *err);
gp_code gp_h_metric_units(gp_http_req *req, gp_http_resp *resp, gp_error *err);

/* gp_http_delib.c */
gp_code gp_h_conversations(gp_http_req *req, gp_http_resp *resp, gp_error *err);
gp_code gp_h_conversations_post(gp_http_req *req, gp_http_resp *resp, gp_error *err);
gp_code gp_h_conversation(gp_http_req *req, gp_http_resp *resp, gp_error *err);
gp_code gp_h_conversation_next(gp_http_req *req, gp_http_resp *resp, gp_error *err);
gp_code gp_h_conversation_vote(gp_http_req *req, gp_http_resp *resp, gp_error *err);
gp_code gp_h_conversation_statement(gp_http_req *req, gp_http_resp *resp, gp_error *err);
gp_code gp_h_conversation_results(gp_http_req *req, gp_http_resp *resp, gp_error *err);
gp_code gp_h_conversation_moderation(gp_http_req *req, gp_http_resp *resp, gp_error *err);
gp_code gp_h_conversation_moderate(gp_http_req *req, gp_http_resp *resp, gp_error *err);

/* gp_http_themes.c */
gp_code gp_h_conversation_themes(gp_http_req *req, gp_http_resp *resp, gp_error *err);
gp_code gp_h_conversation_themes_post(gp_http_req *req, gp_http_resp *resp, gp_error *err);
gp_code gp_h_mission_themes(gp_http_req *req, gp_http_resp *resp, gp_error *err);
gp_code gp_h_mission_themes_post(gp_http_req *req, gp_http_resp *resp, gp_error *err);

#endif
