// Types and fetchers for the gameplan HTTP API v1 (the contract in notes/api.md).
// Every request is a relative URL under /api/v1/, so the UI works wherever the
// server that serves it is mounted.

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

/** An API failure: the HTTP status and the server's error body when it sent one. */
export class ApiError extends Error {
  constructor(
    public readonly status: number,
    message: string,
    public readonly code: string | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

const BASE = '/api/v1';

async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  let res: Response;
  try {
    res = await fetch(BASE + path, { headers: { Accept: 'application/json' }, signal });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ApiError(0, 'The gameplan server could not be reached.');
  }
  if (!res.ok) {
    let message = `${res.status} ${res.statusText}`.trim();
    let code: string | null = null;
    try {
      const body = (await res.json()) as { error?: { code?: string; message?: string } };
      if (body.error?.message) message = body.error.message;
      if (body.error?.code) code = body.error.code;
    } catch {
      /* not a JSON error body: keep the status line */
    }
    throw new ApiError(res.status, message, code);
  }
  return (await res.json()) as T;
}

const enc = encodeURIComponent;

export const api = {
  missions: (s?: AbortSignal) => getJson<{ missions: Mission[] }>('/missions', s),
  mission: (id: string, s?: AbortSignal) => getJson<MissionDoc>(`/missions/${enc(id)}`, s),
  status: (s?: AbortSignal) => getJson<StatusDoc>('/status', s),
  missionStatus: (id: string, s?: AbortSignal) =>
    getJson<StatusDoc>(`/missions/${enc(id)}/status`, s),
  metric: (id: string, s?: AbortSignal) => getJson<MetricDoc>(`/metrics/${enc(id)}`, s),
  observations: (id: string, breakdown: string, s?: AbortSignal) =>
    getJson<ObservationsDoc>(
      `/metrics/${enc(id)}/observations?breakdown=${enc(breakdown)}&history=1`,
      s,
    ),
};

/** The URL of a metric's CSV download. */
export function observationsCsvUrl(metricId: string): string {
  return `${BASE}/metrics/${enc(metricId)}/observations.csv`;
}
