// Formatting of numbers, periods, dates and the words the UI uses for ratings,
// Open SDG statuses and target kinds. Pure functions, no DOM.

import type { OpenSdgStatus, Rating, TargetKind } from './api';

const PERCENT_UNITS = new Set(['%', 'percent', 'per cent', 'percentage', 'pct']);

/** True when the unit is a percentage (values are shown with a % sign). */
export function isPercentUnit(unit: string): boolean {
  return PERCENT_UNITS.has(unit.trim().toLowerCase());
}

/** A number for people: thousands separators, at most 2 decimals, 3 significant digits below 1. */
export function fmtNumber(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  const a = Math.abs(v);
  const opts: Intl.NumberFormatOptions =
    a === 0
      ? { maximumFractionDigits: 0 }
      : a >= 1000
        ? { maximumFractionDigits: 0 }
        : a >= 1
          ? { maximumFractionDigits: 2 }
          : { maximumSignificantDigits: 3 };
  return v.toLocaleString('en-GB', opts);
}

/** A value with its unit: "14.5%" or "37,929 stations". */
export function fmtValue(v: number | null | undefined, unit: string): string {
  const n = fmtNumber(v);
  if (n === '–' || !unit) return n;
  if (isPercentUnit(unit)) return `${n}%`;
  return `${n} ${unit}`;
}

/** An interval "[lo, hi]" as "9.1 to 11.8". */
export function fmtInterval(iv: [number, number] | null | undefined): string {
  if (!iv) return '–';
  return `${fmtNumber(iv[0])} to ${fmtNumber(iv[1])}`;
}

/** A probability as a percentage for people ("62%", "<1%", ">99%"). */
export function fmtProbability(p: number | null | undefined): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return 'Not available';
  if (p > 0 && p < 0.01) return 'less than 1%';
  if (p < 1 && p > 0.99) return 'more than 99%';
  return `${Math.round(p * 100)}%`;
}

const MONTHS = [
  'January', 'February', 'March', 'April', 'May', 'June',
  'July', 'August', 'September', 'October', 'November', 'December',
];

/** An ISO 8601 timestamp as "22 November 2026, 21:04 UTC" (or the input when unparseable). */
export function fmtTimestamp(iso: string | null | undefined): string {
  if (!iso) return '–';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const hh = String(d.getUTCHours()).padStart(2, '0');
  const mm = String(d.getUTCMinutes()).padStart(2, '0');
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}, ${hh}:${mm} UTC`;
}

/** An ISO 8601 timestamp as "22 Nov 2026, 21:04" (UTC), for dense tables. */
export function fmtTimestampShort(iso: string | null | undefined): string {
  if (!iso) return '–';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const hh = String(d.getUTCHours()).padStart(2, '0');
  const mm = String(d.getUTCMinutes()).padStart(2, '0');
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()].slice(0, 3)} ${d.getUTCFullYear()}, ${hh}:${mm}`;
}

/**
 * The start of a period in decimal years, following the gameplan conventions:
 * "2024" (year), "2024/25" (UK financial year, from April), "2024-Q3", "2024-07",
 * "2024-07-15". Returns NaN for anything else.
 */
export function periodStart(p: string): number {
  let m = /^(\d{4})$/.exec(p);
  if (m) return Number(m[1]);
  m = /^(\d{4})\/(\d{2})$/.exec(p);
  if (m) return Number(m[1]) + 3 / 12;
  m = /^(\d{4})-Q([1-4])$/.exec(p);
  if (m) return Number(m[1]) + (Number(m[2]) - 1) / 4;
  m = /^(\d{4})-(\d{2})$/.exec(p);
  if (m) return Number(m[1]) + (Number(m[2]) - 1) / 12;
  m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(p);
  if (m) {
    const y = Number(m[1]);
    const t = Date.UTC(y, Number(m[2]) - 1, Number(m[3]));
    const t0 = Date.UTC(y, 0, 1);
    const t1 = Date.UTC(y + 1, 0, 1);
    return y + (t - t0) / (t1 - t0);
  }
  return Number.NaN;
}

export const RATING_LABEL: Record<Rating, string> = {
  green: 'Green',
  amber_green: 'Amber-green',
  amber_red: 'Amber-red',
  red: 'Red',
  not_rated: 'Not rated',
};

/** GOV.UK tag colour modifier for each rating. */
export const RATING_TAG: Record<Rating, string> = {
  green: 'govuk-tag--green',
  amber_green: 'govuk-tag--yellow',
  amber_red: 'govuk-tag--orange',
  red: 'govuk-tag--red',
  not_rated: 'govuk-tag--grey',
};

/** What each rating means, for the key on the board. */
export const RATING_MEANING: Record<Rating, string> = {
  green: 'delivery looks highly likely',
  amber_green: 'delivery looks feasible; manageable risks',
  amber_red: 'delivery in doubt; significant risks',
  red: 'delivery looks unachievable without major change',
  not_rated: 'too little data to rate',
};

export const OPEN_SDG_LABEL: Record<OpenSdgStatus, string> = {
  target_achieved: 'Target achieved',
  on_track: 'On track',
  needs_acceleration: 'Needs acceleration',
  limited_progress: 'Limited progress',
  deterioration: 'Deterioration',
  not_available: 'Progress not assessed',
};

export const KIND_LABEL: Record<TargetKind, string> = {
  moonshot: 'Moonshot',
  committed: 'Committed',
  interim: 'Interim',
  floor: 'Floor',
};

/** Words for a mission's kind ("mission", "licence_to_operate", "crisis"). */
export function missionKindLabel(kind: string): string {
  switch (kind) {
    case 'mission':
      return 'Mission';
    case 'licence_to_operate':
      return 'Licence to operate';
    case 'crisis':
      return 'Crisis';
    default:
      return kind;
  }
}

/** "Lower is better" / "Higher is better". */
export function directionLabel(d: string): string {
  return d === 'lower' ? 'Lower is better' : 'Higher is better';
}

/** Words for a breakdown kind. */
export function breakdownKindLabel(kind: string | null): string {
  switch (kind) {
    case 'place':
      return 'Place';
    case 'group':
      return 'Group';
    case 'unit':
      return 'Unit';
    default:
      return 'Breakdown';
  }
}

/** A change or a difference in a metric's unit: percentage points for percentage metrics. */
export function fmtDelta(v: number | null | undefined, unit: string): string {
  const n = fmtNumber(v);
  if (n === '–' || !unit) return n;
  if (isPercentUnit(unit)) return `${n} percentage ${Math.abs(v as number) === 1 ? 'point' : 'points'}`;
  return `${n} ${unit}`;
}

/** A share (0–1) as a percentage: whole numbers from 10%, one decimal from 1%, else 2 significant digits. */
export function fmtShare(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  const pct = v * 100;
  const a = Math.abs(pct);
  if (a === 0) return '0%';
  if (a >= 10) return `${Math.round(pct)}%`;
  if (a >= 1) return `${pct.toFixed(1)}%`;
  if (a < 0.01) return 'less than 0.01%';
  return `${Number(pct.toPrecision(2))}%`;
}
