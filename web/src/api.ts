// Types and fetchers for the gameplan HTTP API v1 (the contract in notes/api.md).
// Every request is a relative URL under /api/v1/, so the UI works wherever the
// server that serves it is mounted. Reads need no token; writes (PUT plan) and large
// simulations send the token the user typed in (token.ts).

import { getToken, setToken } from './token';

export type Direction = 'higher' | 'lower';
export type Rating = 'green' | 'amber_green' | 'amber_red' | 'red' | 'not_rated';
export type OpenSdgStatus =
  | 'target_achieved'
  | 'on_track'
  | 'needs_acceleration'
  | 'limited_progress'
  | 'deterioration'
  | 'not_available';
export type TargetKind = 'moonshot' | 'committed' | 'interim' | 'floor';
export type BreakdownKind = 'place' | 'group' | 'unit';

export interface PeriodValue {
  period: string;
  value: number;
}

export interface Mission {
  id: string;
  title: string;
  vision: string;
  kind: string;
  lead: string;
  start: string;
  horizon: string;
  published: boolean;
  attribution: string | null;
}

export interface Metric {
  id: string;
  name: string;
  unit: string;
  direction: Direction;
  frequency: string;
  source: string;
}

export interface Target {
  id: string;
  metric: string;
  kind: TargetKind;
  baseline: PeriodValue;
  target: PeriodValue;
  trajectory: 'linear' | PeriodValue[];
}

export interface Revision {
  value: number;
  lower: number | null;
  upper: number | null;
  n: number | null;
  source: string;
  recorded_at: string;
  superseded_at: string;
}

export interface Observation {
  period: string;
  value: number;
  lower: number | null;
  upper: number | null;
  n: number | null;
  breakdown_kind: BreakdownKind | null;
  breakdown: string | null;
  source: string;
  recorded_at: string;
  revisions?: Revision[];
}

export interface Forecast {
  period: string;
  mean: number;
  pi80: [number, number];
  pi95: [number, number];
  n: number;
}

export interface FanPoint {
  period: string;
  mean: number;
  pi80: [number, number];
  pi95: [number, number];
}

export interface BelowFloor {
  breakdown: string;
  /** The breakdown's latest actual: the server sends {period, value}; a bare number is accepted too. */
  latest: PeriodValue | number | null;
  forecast_mean: number | null;
  p_meet: number | null;
}

export interface Rebaseline {
  reason: string;
  changed_at: string;
  previous: { baseline: PeriodValue; target: PeriodValue };
}

export interface StatusTarget {
  id: string;
  mission: string;
  mission_title: string;
  metric: string;
  metric_name: string;
  unit: string;
  kind: TargetKind;
  direction: Direction;
  baseline: PeriodValue;
  target: PeriodValue;
  latest: PeriodValue | null;
  trajectory_value: number | null;
  forecast: Forecast | null;
  forecast_reason: string | null;
  p_meet: number | null;
  rating: Rating;
  open_sdg_status: OpenSdgStatus;
  rebaselined: boolean;
  rebaseline: Rebaseline | null;
  actuals: PeriodValue[];
  trajectory_points: PeriodValue[];
  fan: FanPoint[];
  below_floor?: BelowFloor[];
}

export interface StatusDoc {
  as_of: string | null;
  targets: StatusTarget[];
}

export interface MissionDoc {
  mission: Mission;
  metrics: Metric[];
  targets: Target[];
}

export interface MetricDoc {
  metric: Metric;
  mission: string;
  breakdowns: { kind: BreakdownKind; values: string[] }[];
}

export interface ObservationsDoc {
  metric: string;
  observations: Observation[];
}

/** A distribution as the plan file writes it: a fixed number or one of the named families. */
export type Dist =
  | number
  | { dist: 'normal'; mean: number; sd: number }
  | { dist: 'lognormal'; mu: number; sigma: number }
  | { dist: 'uniform'; min: number; max: number }
  | { dist: 'triangular'; min: number; mode: number; max: number }
  | { dist: 'pert'; min: number; mode: number; max: number }
  | { dist: 'beta'; a: number; b: number }
  | { dist: 'bernoulli'; p: number };

export type NodeKind = 'activity' | 'output' | 'outcome';
export type Stage = 'explore' | 'test' | 'scale' | 'stopped';
export type AssumptionStatus = 'untested' | 'testing' | 'supported' | 'refuted' | 'mixed';
export type TestStatus = 'planned' | 'running' | 'done';

export interface PlanNode {
  id: string;
  kind: NodeKind;
  label?: string;
  cost?: number;
  stage?: Stage;
  start?: string;
  ramp?: number;
  delivery?: Dist;
  metric?: string | null;
  sources?: string[];
}

export interface PlanEdge {
  from: string;
  to: string;
  effect: Dist;
  lag?: number;
  evidence?: number;
  sources?: string[];
}

export interface Assumption {
  id: string;
  text: string;
  /** "edge:FROM->TO" or "node:ID". */
  on: string;
  importance: number;
  evidence: number;
  status: AssumptionStatus;
}

export interface PlanTest {
  id: string;
  assumption: string;
  method: string;
  status: TestStatus;
  result?: string;
  estimate?: { mean: number; se: number; n?: number };
}

/** The game plan file (GET/PUT /missions/{id}/plan). Unknown keys are kept as they came. */
export interface PlanDoc {
  mission: Omit<Mission, 'published' | 'attribution'> & Record<string, unknown>;
  metrics?: Metric[];
  targets?: Target[];
  nodes?: PlanNode[];
  edges?: PlanEdge[];
  counterfactual?: { metric: string; change_per_year: Dist; sources?: string[] };
  assumptions?: Assumption[];
  tests?: PlanTest[];
}

export interface PlanPutResult {
  mission: string;
  created: boolean;
  changed: boolean;
  version: number;
  rebaselined: string[];
}

export interface PlanVersion {
  version: number;
  created_at: string;
  actor: string;
  reason: string | null;
}

export interface SimulateRequest {
  draws?: number;
  seed?: number;
  confidence?: number;
  target?: string;
  version?: number;
}

export interface Quantiles {
  p5: number;
  p10: number;
  p25: number;
  p50: number;
  p75: number;
  p90: number;
  p95: number;
}

export interface SimTarget {
  id: string;
  metric: string;
  period: string;
  value: number;
  p_meet: number;
  p_meet_se: number;
  mean: number;
  quantiles: Quantiles;
  overprogramme: { confidence: number; extra: number; extra_share: number | null; plan_effect_mean?: number };
}

export interface SimTrajectoryPoint extends Quantiles {
  metric: string;
  period: string;
}

export interface SimSensitivity {
  input: string;
  kind: string;
  variance_share: number;
  variance_share_se?: number;
}

export interface SimAssumption {
  id: string;
  on?: string;
  p_meet_if_fails: number;
  p_meet_if_fails_se?: number;
  variance_share: number;
  variance_share_se?: number;
  evidence: number;
  importance?: number;
  status?: AssumptionStatus;
  priority_score?: number;
  priority_rank: number;
}

export interface SimContribution {
  activity: string;
  metric?: string;
  period: string;
  mean: number;
  p10: number;
  p90: number;
}

/** The simulate --json document (POST /simulate, GET /simulation). */
export interface SimulationDoc {
  mission?: string;
  draws: number;
  seed: number;
  primary_target?: string;
  plan_version?: number;
  /** GET /simulation only: when the run was stored, and the plan's version now. */
  stored_at?: string;
  current_plan_version?: number;
  targets: SimTarget[];
  trajectory: SimTrajectoryPoint[];
  sensitivity: SimSensitivity[];
  assumptions: SimAssumption[];
  contributions: SimContribution[];
  learning?: Learning;
}

/** What POST /missions/{id}/optimise takes (budget and target are required). */
export interface OptimiseRequest {
  budget: number;
  target: string;
  draws?: number;
  seed?: number;
  version?: number;
  search?: 'auto' | 'exhaustive' | 'heuristic';
}

/** A portfolio's cost and its chance of meeting the target, with the Monte Carlo standard error. */
export interface OptimisePortfolio {
  cost: number;
  p_meet: number;
  p_meet_se: number;
}

/** The optimise --json document (POST /optimise, GET /simulation?kind=optimise). */
export interface OptimiseDoc {
  mission?: string;
  draws: number;
  seed: number;
  target: string;
  budget: number;
  search: string;
  /** The plan as written, and the chosen portfolio. */
  before: OptimisePortfolio;
  after: OptimisePortfolio;
  /** The chosen activities' ids. */
  chosen: string[];
  /** Every activity: its cost, whether it is chosen, and its marginal value. */
  activities: { id: string; cost: number; chosen: boolean; marginal_p_meet: number; marginal_per_cost: number | null }[];
  /** The weakest ideas of the plan as written: least chance lost per unit of money saved first. */
  weakest: { id: string; cost: number; p_meet_loss: number; loss_per_cost: number | null }[];
  plan_version?: number;
  stored_at?: string;
  current_plan_version?: number;
}

/** What the tests with an estimate taught: normal–normal updates of their edges. */
export interface Learning {
  updates: {
    test: string;
    assumption: string;
    input: string;
    prior: { mean: number; sd: number };
    posterior: { mean: number; sd: number };
  }[];
  targets: {
    id: string;
    p_meet_prior: number;
    p_meet_posterior: number;
    p_meet_posterior_se?: number;
    change: number;
  }[];
}

/** An API failure: the HTTP status and the server's error body when it sent one. */
export class ApiError extends Error {
  constructor(
    public readonly status: number,
    message: string,
    public readonly code: string | null = null,
    /** Where the fault is: a JSON path in a plan, a query parameter, a CSV position. */
    public readonly where: string | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** A conversation as listed (GET /conversations[?mission=M]). */
export interface ConversationSummary {
  id: string;
  title: string;
  question: string | null;
  /** null for a visitor when the mission is unpublished. */
  mission: string | null;
  assumption: string | null;
  /** Approved statements. */
  statements: number;
  participants: number;
  /** Vote events. */
  votes: number;
  created_at: string;
}

/** One conversation with its approved statements (GET /conversations/{id}). */
export interface ConversationDoc extends Omit<ConversationSummary, 'statements'> {
  statements: { id: number; text: string }[];
  statement_count: number;
}

/** What POST /conversations takes. */
export interface ConversationCreate {
  id: string;
  title: string;
  question?: string | null;
  mission?: string | null;
  assumption?: string | null;
  /** Seed statements, approved at once. */
  statements?: string[];
}

const BASE = '/api/v1';

async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  return sendJson<T>('GET', path, undefined, signal);
}

/**
 * Sends a request to the API and returns its JSON reply. `body` (when given) is sent as
 * JSON; the API token stored for this browser tab (see token.ts) goes with it as a
 * bearer token when `withToken` is true.
 */
async function sendJson<T>(
  method: string,
  path: string,
  body: unknown,
  signal?: AbortSignal,
  withToken = false,
): Promise<T> {
  let res: Response;
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const token = withToken ? getToken() : '';
  if (token) headers.Authorization = `Bearer ${token}`;
  try {
    res = await fetch(BASE + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ApiError(0, 'The gameplan server could not be reached.');
  }
  if (!res.ok) {
    let message = `${res.status} ${res.statusText}`.trim();
    let code: string | null = null;
    let where: string | null = null;
    try {
      const b = (await res.json()) as { error?: { code?: string; message?: string; path?: string } };
      if (b.error?.message) message = b.error.message;
      if (b.error?.code) code = b.error.code;
      if (b.error?.path) where = b.error.path;
    } catch {
      /* not a JSON error body: keep the status line */
    }
    throw new ApiError(res.status, message, code, where);
  }
  return (await res.json()) as T;
}

const enc = encodeURIComponent;

export const api = {
  missions: (s?: AbortSignal) => getJson<{ missions: Mission[] }>('/missions', s),
  mission: (id: string, s?: AbortSignal) => getJson<MissionDoc>(`/missions/${enc(id)}`, s),
  status: (s?: AbortSignal) => getJson<StatusDoc>('/status', s),
  /** A mission's status; `asOf`: as it was at the end of that period (only earlier observations). */
  missionStatus: (id: string, s?: AbortSignal, asOf?: string | null) =>
    getJson<StatusDoc>(`/missions/${enc(id)}/status${asOf ? `?as_of=${enc(asOf)}` : ''}`, s),
  metric: (id: string, s?: AbortSignal) => getJson<MetricDoc>(`/metrics/${enc(id)}`, s),
  observations: (id: string, breakdown: string, s?: AbortSignal) =>
    getJson<ObservationsDoc>(
      `/metrics/${enc(id)}/observations?breakdown=${enc(breakdown)}&history=1`,
      s,
    ),
  /** The plan document (version: a former version; omitted: the current one). */
  plan: (id: string, version?: number | null, s?: AbortSignal) =>
    getJson<PlanDoc>(`/missions/${enc(id)}/plan${version ? `?version=${version}` : ''}`, s),
  /** Applies a whole plan document (needs the token). */
  putPlan: (id: string, plan: PlanDoc, reason: string, s?: AbortSignal) =>
    sendJson<PlanPutResult>(
      'PUT',
      `/missions/${enc(id)}/plan${reason ? `?reason=${enc(reason)}` : ''}`,
      plan,
      s,
      true,
    ),
  planVersions: (id: string, s?: AbortSignal) =>
    getJson<{ versions: PlanVersion[] }>(`/missions/${enc(id)}/plan/versions`, s),
  /** Runs the simulation (the token goes with it when there is one: more draws allowed). */
  simulate: async (id: string, req: SimulateRequest, s?: AbortSignal): Promise<SimulationDoc> => {
    try {
      return await sendJson<SimulationDoc>('POST', `/missions/${enc(id)}/simulate`, req, s, true);
    } catch (e) {
      // A token that is no longer valid: forget it and run as a visitor.
      if (e instanceof ApiError && e.status === 401 && getToken()) {
        setToken('');
        return sendJson<SimulationDoc>('POST', `/missions/${enc(id)}/simulate`, req, s, false);
      }
      throw e;
    }
  },
  /** Runs the optimiser (the token goes with it when there is one: more draws allowed, run stored). */
  optimise: async (id: string, req: OptimiseRequest, s?: AbortSignal): Promise<OptimiseDoc> => {
    try {
      return await sendJson<OptimiseDoc>('POST', `/missions/${enc(id)}/optimise`, req, s, true);
    } catch (e) {
      if (e instanceof ApiError && e.status === 401 && getToken()) {
        setToken('');
        return sendJson<OptimiseDoc>('POST', `/missions/${enc(id)}/optimise`, req, s, false);
      }
      throw e;
    }
  },
  /** The last stored optimiser run (ApiError 404 when there is none). */
  lastOptimise: (id: string, s?: AbortSignal) => getJson<OptimiseDoc>(`/missions/${enc(id)}/simulation?kind=optimise`, s),
  /** The last stored simulation run (ApiError 404 when there is none). */
  simulation: (id: string, s?: AbortSignal) => getJson<SimulationDoc>(`/missions/${enc(id)}/simulation`, s),
  /** The conversations of a mission (the token goes with it when there is one). */
  missionConversations: (mission: string, s?: AbortSignal) =>
    sendJson<{ conversations: ConversationSummary[] }>('GET', `/conversations?mission=${enc(mission)}`, undefined, s, true),
  /** Opens a conversation (needs the token). */
  createConversation: (req: ConversationCreate, s?: AbortSignal) =>
    sendJson<ConversationDoc>('POST', '/conversations', req, s, true),
};

/** The URL of a metric's CSV download. */
export function observationsCsvUrl(metricId: string): string {
  return `${BASE}/metrics/${enc(metricId)}/observations.csv`;
}
