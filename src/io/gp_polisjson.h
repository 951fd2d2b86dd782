/*
 * gp_polisjson — the --json document of `gameplan deliberation analyse`
 * (and of the API's analysis resource): participants with their position
 * and group, groups with their representative statements, consensus
 * statements, group-informed consensus, divisive statements, and each
 * statement's routing priority. Ids are the Pol.is export's. The document
 * is described in docs/methods/deliberation.md.
 */
#ifndef GP_POLISJSON_H
#define GP_POLISJSON_H

#include <jansson.h>

#include "engine/gp_polis_agree.h"
#include "engine/gp_polis_analysis.h"
#include "io/gp_polisio.h"

/* Builds the document. agree, if non-NULL, adds "polis_agreement" (our
 * groups against the group-id column of the export). Returns a new
 * reference (the caller json_decref's it), or NULL when out of memory. */
json_t *gp_polisjson_analysis(const gp_polisio_export *x, const gp_polis_result *r,
                              const gp_polis_opts *o, const gp_polis_agreement *agree);

/* As gp_polisjson_analysis, but lists every participant only when there
 * are at most max_participants of them; otherwise "participants" is left
 * out (a map of a very large conversation draws "bases", the base clusters,
 * as Pol.is's does) and "participants_listed" is false. */
json_t *gp_polisjson_analysis_ex(const gp_polisio_export *x, const gp_polis_result *r,
                                 const gp_polis_opts *o, const gp_polis_agreement *agree,
                                 size_t max_participants);

#endif
