// Theme sets: the themes `synthesise` finds in free text, kept and linked to a mission's
// assumptions and to conversations (docs/api.md, "Themes").
//   themesSection(id)     the "Themes in the statements" section of a conversation's results
//                         page: the latest theme set (each theme's top terms, size and
//                         representative quotes) and, with the API token of this tab, a
//                         "Find themes" button that asks the server for new themes
//                         (POST /api/v1/conversations/{id}/themes) and draws them
//   missionThemeSets(id)  the theme sets linked to a mission (GET /api/v1/missions/{id}/themes),
//                         for the assumptions board
//   themeSetSummary(set)  one theme set in a few lines: k themes, the top theme's terms and
//                         one quote, a link to its conversation

import '../styles/themes.scss';
import { ApiError } from '../api';
import { insetText, navLink } from '../components';
import { h, replaceChildren, type Child } from '../dom';
import { getToken } from '../token';

/** One theme of a synthesise document. */
export interface Theme {
  id: number;
  size: number;
  terms: { term: string; stem: string; weight: number }[];
  representative: { row: number; line?: number; statement?: number; text: string; similarity: number }[];
}

/** A stored theme set. */
export interface ThemeSet {
  id: number;
  conversation: string | null;
  /** null for a visitor when the mission is unpublished. */
  mission: string | null;
  assumption: string | null;
  source: string;
  k: number;
  documents: number;
  created_at: string;
  themes: { documents: number; themed: number; k: number; seed?: number; themes: Theme[] };
}

const enc = encodeURIComponent;

/** Sends a request (with this tab's token when there is one) and returns its JSON reply. */
async function call<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  const token = getToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(`/api/v1${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
    signal,
  });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  if (!res.ok) {
    const e = (json as { error?: { code?: string; message?: string; path?: string } } | null)?.error;
    throw new ApiError(res.status, e?.message ?? `HTTP ${res.status}`, e?.code ?? null, e?.path ?? null);
  }
  return json as T;
}

/** "centre, free, bus" — a theme's first n terms. */
function terms(t: Theme, n: number): string {
  return t.terms.slice(0, n).map((x) => x.term).join(', ') || '(no common words)';
}

/** The date part of an ISO time. */
function day(iso: string): string {
  return iso.slice(0, 10);
}

/** The themes of one set, each with its terms, size and up to two quotes. */
function drawThemes(set: ThemeSet, noun: string): Child[] {
  const doc = set.themes;
  return [
    h(
      'p',
      { class: 'govuk-body', id: 'themes-about', 'data-theme-set': String(set.id) },
      `${doc.documents} ${noun} (${doc.themed} with words to compare) fall into ${doc.k} ${doc.k === 1 ? 'theme' : 'themes'}, found on ${day(set.created_at)}. `,
      'Each theme is named by its most telling words; the quotes are the statements closest to it.',
    ),
    h(
      'ol',
      { class: 'gp-themes', id: 'themes-list' },
      doc.themes.map((t, i) =>
        h(
          'li',
          { class: 'gp-theme', 'data-theme': String(t.id) },
          h('h3', { class: 'govuk-heading-s' }, `Theme ${i + 1}: ${terms(t, 5)}`),
          h('p', { class: 'govuk-body-s gp-theme-size' }, `${t.size} ${t.size === 1 ? 'statement' : 'statements'}`),
          t.representative.slice(0, 2).map((r) => h('blockquote', { class: 'govuk-body gp-theme-quote' }, `“${r.text}”`)),
        ),
      ),
    ),
  ];
}

/**
 * The "Themes in the statements" section of conversation `id`'s results page: the latest
 * theme set, and with a token a button that finds themes anew and redraws the section.
 */
export async function themesSection(id: string, signal: AbortSignal): Promise<HTMLElement> {
  const body = h('div', { id: 'themes-body' });
  const status = h('p', { class: 'govuk-body', id: 'themes-status', role: 'status', 'aria-live': 'polite' });
  const draw = (sets: ThemeSet[]): void => {
    replaceChildren(
      body,
      sets.length
        ? drawThemes(sets[0], 'approved statements')
        : insetText('No themes have been found in these statements yet.'),
    );
  };
  let sets: ThemeSet[] = [];
  try {
    sets = (await call<{ theme_sets: ThemeSet[] }>('GET', `/conversations/${enc(id)}/themes`, undefined, signal)).theme_sets;
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    replaceChildren(body, insetText(`The themes could not be loaded: ${(e as Error).message}`));
  }
  draw(sets);
  const find = async (button: HTMLButtonElement): Promise<void> => {
    button.disabled = true;
    status.textContent = 'Finding themes…';
    try {
      const set = await call<ThemeSet>('POST', `/conversations/${enc(id)}/themes`, {});
      draw([set]);
      status.textContent = `Found ${set.k} ${set.k === 1 ? 'theme' : 'themes'} in ${set.documents} statements.`;
    } catch (e) {
      status.textContent = e instanceof ApiError && e.status === 401
        ? 'The API token was not accepted.'
        : `No themes were found: ${(e as Error).message}`;
    }
    button.disabled = false;
  };
  const button = getToken()
    ? h('button', { type: 'button', class: 'govuk-button govuk-button--secondary', id: 'themes-find', onclick: (ev: Event) => void find(ev.currentTarget as HTMLButtonElement) }, 'Find themes')
    : h('p', { class: 'govuk-body-s' }, 'The team can find themes anew with an API token (entered on the moderation page).');
  return h(
    'section',
    { id: 'themes', 'aria-labelledby': 'themes-h' },
    h('h2', { class: 'govuk-heading-m', id: 'themes-h' }, 'Themes in the statements'),
    body,
    button,
    status,
  );
}

/** The theme sets linked to mission `id` ([] when they cannot be read). */
export async function missionThemeSets(id: string, signal: AbortSignal): Promise<ThemeSet[]> {
  try {
    return (await call<{ theme_sets: ThemeSet[] }>('GET', `/missions/${enc(id)}/themes`, undefined, signal)).theme_sets;
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    return [];
  }
}

/** One theme set in a few lines (for the assumptions board). */
export function themeSetSummary(set: ThemeSet): HTMLElement {
  const top = set.themes.themes[0];
  const quote = top?.representative[0]?.text;
  const from = set.conversation
    ? h('span', null, 'from the conversation ', navLink(`/conversations/${enc(set.conversation)}/results`, set.conversation))
    : `from ${set.source}`;
  return h(
    'li',
    { class: 'gp-themeset-summary', 'data-theme-set': String(set.id) },
    h(
      'p',
      { class: 'govuk-body govuk-!-margin-bottom-1' },
      `${set.k} ${set.k === 1 ? 'theme' : 'themes'} in ${set.documents} answers `,
      from,
      ` (${day(set.created_at)}).`,
      top ? ` Largest theme (${top.size}): ${terms(top, 4)}.` : '',
    ),
    quote ? h('blockquote', { class: 'govuk-body-s gp-theme-quote' }, `“${quote}”`) : null,
  );
}
