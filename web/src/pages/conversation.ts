// Conversation pages (deliberation, Pol.is-style):
//   /conversations                    every conversation
//   /conversations/{id}               take part: one statement at a time (agree / disagree /
//                                     pass, chosen by the server's routing priority), and add a
//                                     statement of your own (moderated before others see it)
//   /conversations/{id}/results       the opinion map (participants and groups in the PCA
//                                     plane, SVG, with its numbers as a table), the statements
//                                     that define each group and those that unite them, and
//                                     the themes in the statements (themes.ts)
//   /conversations/{id}/moderation    for the team (API token): the statements waiting for
//                                     moderation, each to approve or reject
// API: GET /api/v1/conversations[/{id}[/next|/results]], POST …/votes, POST …/statements,
// GET …/moderation and POST …/statements/{sid}/moderate (token).
// The participant is the anonymous "gp_pid" cookie the server sets (HttpOnly).

import '../styles/conversation.scss';
import { ApiError } from '../api';
import { breadcrumbs, errorSummary, insetText, navLink, scrollable, successBanner, table } from '../components';
import { h, replaceChildren, s, type Child } from '../dom';
import { getToken, setToken } from '../token';
import type { Page } from './page';
import { themesSection } from './themes';

const API = '/api/v1/conversations';

interface ConversationSummary {
  id: string;
  title: string;
  question: string | null;
  mission: string | null;
  assumption: string | null;
  statements: number;
  participants: number;
  votes: number;
}

interface Statement {
  id: number;
  text: string;
}

interface Conversation extends Omit<ConversationSummary, 'statements'> {
  statements: Statement[];
}

interface NextDoc {
  statement: Statement | null;
  remaining: number;
  voted: number;
  total: number;
}

interface Pick {
  statement: number;
  direction: 'agree' | 'disagree';
  n_agree: number;
  n_disagree: number;
  n_seen: number;
}

interface Analysis {
  conversation: { participants: number; in_conversation: number; votes: number };
  /** Left out for a very large conversation (participants_listed false): the map draws the bases. */
  participants?: { id: number; in_conversation: boolean; x: number | null; y: number | null; group: number | null }[];
  participants_listed?: boolean;
  /** The base clusters: centre, group and members. */
  bases?: { x: number | null; y: number | null; group: number | null; size: number }[];
  groups: { id: number; size: number; center: [number, number]; representative: Pick[] }[];
  consensus: { agree: Pick[]; disagree: Pick[] };
  group_informed_consensus: { statement: number; value: number | null }[];
  divisive: { statement: number; spread: number | null }[];
}

interface ResultsDoc {
  conversation: string;
  revision: number;
  ready: boolean;
  message?: string;
  analysis: Analysis | null;
  /** How this request brought a large conversation's results up to date. */
  update?: { mode: 'incremental' | 'full'; new_events: number; seconds: number };
  /** A large conversation whose last update was too recent to start another: the last analysis. */
  stale?: boolean;
  analysed_revision?: number;
}

/** Sends a request and returns its JSON reply, or throws an ApiError. */
async function call<T>(method: string, path: string, body?: unknown, signal?: AbortSignal, token = ''): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, {
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

const enc = encodeURIComponent;

/** A GOV.UK table (components.ts) with an id; columns named in `numeric` align right. */
function tbl(caption: string, heads: string[], rows: Child[][], id: string, numeric: number[] = []): HTMLTableElement {
  const t = table(
    caption,
    heads.map((head, i) => ({ head, numeric: numeric.includes(i) })),
    rows,
    { captionClass: 'govuk-table__caption--s' },
  );
  t.id = id;
  return t;
}

/** Group names: A, B, C, ... */
function groupName(g: number): string {
  return `Group ${String.fromCharCode(65 + g)}`;
}

/** The question as paragraphs of plain text. */
function question(text: string | null): Node[] {
  if (!text) return [];
  return text
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter((p) => p)
    .slice(0, 6)
    .map((p) => h('p', { class: 'govuk-body-l' }, p));
}

/** Draws the page for a /conversations path. */
export async function conversationRoute(pathname: string, signal: AbortSignal): Promise<Page> {
  const path = pathname.replace(/\/+$/, '');
  if (path === '/conversations') return listPage(signal);
  let m = /^\/conversations\/([^/]+)\/results$/.exec(path);
  if (m) return resultsPage(decodeURIComponent(m[1]), signal);
  m = /^\/conversations\/([^/]+)\/moderation$/.exec(path);
  if (m) return moderationPage(decodeURIComponent(m[1]), signal);
  m = /^\/conversations\/([^/]+)$/.exec(path);
  if (m) return takePartPage(decodeURIComponent(m[1]), signal);
  throw new ApiError(404, 'not found');
}

async function listPage(signal: AbortSignal): Promise<Page> {
  const doc = await call<{ conversations: ConversationSummary[] }>('GET', API, undefined, signal);
  const rows = doc.conversations.map((c) => [
    navLink(`/conversations/${enc(c.id)}`, c.title),
    String(c.statements),
    String(c.participants),
    navLink(`/conversations/${enc(c.id)}/results`, h('span', null, 'Results', h('span', { class: 'govuk-visually-hidden' }, ` of ${c.title}`))),
  ]);
  return {
    title: 'Conversations',
    content: [
      h('h1', { class: 'govuk-heading-l' }, 'Conversations'),
      h(
        'p',
        { class: 'govuk-body' },
        'Say what you think about short statements, one at a time, and add your own. ',
        'The results show the groups of opinion that emerge, what each believes, and what everyone agrees on.',
      ),
      doc.conversations.length
        ? tbl('Conversations', ['Conversation', 'Statements', 'Participants', 'Results'], rows, 'delib-list', [1, 2])
        : insetText('There are no conversations yet.'),
    ],
  };
}

async function takePartPage(id: string, signal: AbortSignal): Promise<Page> {
  const conv = await call<Conversation>('GET', `${API}/${enc(id)}`, undefined, signal);
  const next = await call<NextDoc>('GET', `${API}/${enc(id)}/next`, undefined, signal);
  const card = h('div', { class: 'gp-delib-card', id: 'delib-card' });
  const status = h('p', { class: 'govuk-body gp-delib-status', id: 'delib-status', role: 'status', 'aria-live': 'polite' });

  function drawCard(n: NextDoc): void {
    if (!n.statement) {
      replaceChildren(
        card,
        h('h2', { class: 'govuk-heading-m' }, 'You have responded to every statement'),
        h('p', { class: 'govuk-body' }, 'Thank you. Come back later for new statements, or ', navLink(`/conversations/${enc(id)}/results`, 'see the results'), '.'),
      );
      return;
    }
    const st = n.statement;
    const vote = async (v: number, word: string): Promise<void> => {
      for (const b of card.querySelectorAll('button')) (b as HTMLButtonElement).disabled = true;
      try {
        await call('POST', `${API}/${enc(id)}/votes`, { statement: st.id, vote: v });
        status.textContent = `You ${word} statement ${st.id}.`;
        drawCard(await call<NextDoc>('GET', `${API}/${enc(id)}/next`));
        (card.querySelector('h2') as HTMLElement | null)?.focus();
      } catch (e) {
        status.textContent = e instanceof ApiError && e.status === 429
          ? 'You are voting very quickly: wait a minute and try again.'
          : `Your vote was not recorded: ${(e as Error).message}`;
        for (const b of card.querySelectorAll('button')) (b as HTMLButtonElement).disabled = false;
      }
    };
    replaceChildren(
      card,
      h('h2', { class: 'govuk-heading-m', tabindex: '-1' }, `Statement ${n.voted + 1} of ${n.total}`),
      h('blockquote', { class: 'gp-delib-statement', id: 'delib-statement', 'data-statement': String(st.id) }, st.text),
      h(
        'div',
        { class: 'govuk-button-group' },
        h('button', { type: 'button', class: 'govuk-button', 'data-vote': '1', onclick: () => void vote(1, 'agreed with') }, 'Agree'),
        h('button', { type: 'button', class: 'govuk-button gp-delib-disagree', 'data-vote': '-1', onclick: () => void vote(-1, 'disagreed with') }, 'Disagree'),
        h('button', { type: 'button', class: 'govuk-button govuk-button--secondary', 'data-vote': '0', onclick: () => void vote(0, 'passed on') }, 'Pass / unsure'),
      ),
    );
  }
  drawCard(next);

  // add a statement
  const feedback = h('div', { id: 'delib-feedback' });
  const textarea = h('textarea', {
    class: 'govuk-textarea',
    id: 'delib-text',
    name: 'text',
    rows: 3,
    maxlength: 280,
    'aria-describedby': 'delib-text-hint',
  }) as HTMLTextAreaElement;
  const form = h(
    'form',
    {
      id: 'delib-form',
      novalidate: true,
      onsubmit: async (ev: Event) => {
        ev.preventDefault();
        const text = textarea.value.trim();
        if (!text) {
          replaceChildren(feedback, errorSummary([['Enter a statement', 'delib-text']]));
          (feedback.firstChild as HTMLElement).focus();
          return;
        }
        try {
          await call('POST', `${API}/${enc(id)}/statements`, { text });
          textarea.value = '';
          replaceChildren(feedback, successBanner('Your statement was sent', h('p', { class: 'govuk-body' }, 'Others will see it once it has been checked.')));
        } catch (e) {
          const msg = e instanceof ApiError && e.status === 429
            ? 'You have added several statements in the last minute: wait a minute and try again'
            : (e as Error).message;
          replaceChildren(feedback, errorSummary([[msg, 'delib-text']]));
        }
        (feedback.firstChild as HTMLElement).focus();
      },
    },
    h(
      'div',
      { class: 'govuk-form-group' },
      h('h2', { class: 'govuk-label-wrapper' }, h('label', { class: 'govuk-label govuk-label--m', for: 'delib-text' }, 'Add your own statement')),
      h('div', { class: 'govuk-hint', id: 'delib-text-hint' }, 'One idea, in at most 280 characters. It is shown to others after moderation.'),
      textarea,
    ),
    h('button', { type: 'submit', class: 'govuk-button govuk-button--secondary' }, 'Send statement'),
  );

  return {
    title: conv.title,
    before: [breadcrumbs([['Conversations', '/conversations'], [conv.title, null]])],
    content: [
      h('span', { class: 'govuk-caption-l' }, 'Conversation'),
      h('h1', { class: 'govuk-heading-l' }, conv.title),
      ...question(conv.question),
      card,
      status,
      h('p', { class: 'govuk-body' }, navLink(`/conversations/${enc(id)}/results`, 'See the results so far')),
      feedback,
      form,
      h('p', { class: 'govuk-body-s' }, 'For the team: ', navLink(`/conversations/${enc(id)}/moderation`, 'moderate new statements'), '.'),
    ],
  };
}

/** The share of a pick's voters who voted its way, as a percentage. */
function share(p: Pick): string {
  const n = p.direction === 'agree' ? p.n_agree : p.n_disagree;
  return p.n_seen ? `${Math.round((100 * n) / p.n_seen)}%` : '–';
}

/** Group colours (GOV.UK palette) and marker shapes, so groups differ without colour too. */
const COLOURS = ['#1d70b8', '#d4351c', '#00703c', '#4c2c92', '#f47738'];

function marker(g: number, x: number, y: number, r: number): SVGElement {
  const fill = COLOURS[g % COLOURS.length];
  switch (g % 5) {
    case 1:
      return s('rect', { x: x - r, y: y - r, width: 2 * r, height: 2 * r, fill });
    case 2:
      return s('path', { d: `M${x},${y - r * 1.3}L${x + r * 1.2},${y + r}L${x - r * 1.2},${y + r}Z`, fill });
    case 3:
      return s('path', { d: `M${x},${y - r * 1.3}L${x + r * 1.3},${y}L${x},${y + r * 1.3}L${x - r * 1.3},${y}Z`, fill });
    default:
      return s('circle', { cx: x, cy: y, r, fill });
  }
}

/** The opinion map: participants in the conversation and group centres in the PCA plane. */
function opinionMap(a: Analysis): SVGElement {
  const W = 640;
  const H = 420;
  const pad = 30;
  // every participant when listed; else the base clusters, sized by their members
  const listed = a.participants !== undefined;
  const pts = listed
    ? (a.participants ?? [])
        .filter((p) => p.in_conversation && p.x !== null && p.y !== null && p.group !== null)
        .map((p) => ({ x: p.x as number, y: p.y as number, group: p.group as number, size: 1 }))
    : (a.bases ?? [])
        .filter((b) => b.x !== null && b.y !== null && b.group !== null)
        .map((b) => ({ x: b.x as number, y: b.y as number, group: b.group as number, size: b.size }));
  const biggest = Math.max(1, ...pts.map((p) => p.size));
  const radius = (n: number): number => (listed ? 3 : 2 + 8 * Math.sqrt(n / biggest));
  const xs = pts.map((p) => p.x).concat(a.groups.map((g) => g.center[0]));
  const ys = pts.map((p) => p.y).concat(a.groups.map((g) => g.center[1]));
  const x0 = Math.min(...xs, 0);
  const x1 = Math.max(...xs, 0);
  const y0 = Math.min(...ys, 0);
  const y1 = Math.max(...ys, 0);
  const sx = (v: number): number => pad + ((v - x0) / (x1 - x0 || 1)) * (W - 2 * pad);
  const sy = (v: number): number => H - pad - ((v - y0) / (y1 - y0 || 1)) * (H - 2 * pad);
  const who = listed
    ? `${pts.length} participants`
    : `${a.conversation.in_conversation} participants in ${pts.length} clusters of people who voted alike`;
  const label = `Opinion map: ${who} in ${a.groups.length} groups, placed by how they voted. `
    + a.groups.map((g) => `${groupName(g.id)}: ${g.size} participants`).join('; ') + '.';
  return s(
    'svg',
    { viewBox: `0 0 ${W} ${H}`, class: 'gp-delib-map', role: 'img', 'aria-label': label, id: 'delib-map' },
    s('title', null, label),
    s('line', { x1: sx(x0), x2: sx(x1), y1: sy(0), y2: sy(0), class: 'gp-delib-axis' }),
    s('line', { x1: sx(0), x2: sx(0), y1: sy(y0), y2: sy(y1), class: 'gp-delib-axis' }),
    s('g', { class: 'gp-delib-points', 'fill-opacity': '0.55' }, pts.map((p) => marker(p.group, sx(p.x), sy(p.y), radius(p.size)))),
    a.groups.map((g) =>
      s(
        'g',
        { class: 'gp-delib-centre', 'data-group': String(g.id) },
        marker(g.id, sx(g.center[0]), sy(g.center[1]), 9),
        s('text', { x: sx(g.center[0]) + 13, y: sy(g.center[1]) + 5, class: 'gp-delib-label' }, groupName(g.id)),
      ),
    ),
  );
}

async function resultsPage(id: string, signal: AbortSignal): Promise<Page> {
  const conv = await call<Conversation>('GET', `${API}/${enc(id)}`, undefined, signal);
  const res = await call<ResultsDoc>('GET', `${API}/${enc(id)}/results`, undefined, signal);
  const themes = await themesSection(id, signal);
  const text = new Map(conv.statements.map((st) => [st.id, st.text]));
  const says = (sid: number): string => text.get(sid) ?? `Statement ${sid}`;
  const head: Node[] = [
    h('span', { class: 'govuk-caption-l' }, conv.title),
    h('h1', { class: 'govuk-heading-l' }, 'Results'),
  ];
  const before = [breadcrumbs([['Conversations', '/conversations'], [conv.title, `/conversations/${enc(id)}`], ['Results', null]])];
  if (!res.ready || !res.analysis) {
    return {
      title: `Results – ${conv.title}`,
      before,
      content: [...head, insetText('There are not enough votes yet to show groups of opinion. ', res.message ?? ''), themes],
    };
  }
  const a = res.analysis;
  const picks = (list: Pick[], caption: string, tid: string): HTMLElement =>
    tbl(
      caption,
      ['Statement', 'Way', 'Share'],
      list.map((p) => [says(p.statement), p.direction === 'agree' ? 'Agree' : 'Disagree', share(p)]),
      tid,
      [2],
    );
  const gic = [...a.group_informed_consensus]
    .filter((g) => g.value !== null && text.has(g.statement))
    .sort((p, q) => (q.value as number) - (p.value as number))
    .slice(0, 5);
  const content: Child[] = [
    ...head,
    h(
      'p',
      { class: 'govuk-body' },
      `${a.conversation.participants} people took part; ${a.conversation.in_conversation} voted on enough statements to be placed on the map. `,
      'People who voted alike are close together. The groups are found from the votes alone.',
      a.participants === undefined ? ' With this many people the map shows clusters of people who voted alike, sized by how many they are.' : '',
    ),
    res.stale
      ? h(
          'p',
          { class: 'govuk-body-s', id: 'delib-stale' },
          `The newest votes are being counted: these results are from a moment ago (${res.revision - (res.analysed_revision ?? res.revision)} changes since). Reload the page to see them.`,
        )
      : '',
    res.update
      ? h(
          'p',
          { class: 'govuk-body-s', id: 'delib-update' },
          res.update.mode === 'incremental'
            ? `Brought up to date with ${res.update.new_events} new votes in ${res.update.seconds.toFixed(2)} s, from the last update.`
            : `Analysed from all ${res.update.new_events} votes in ${res.update.seconds.toFixed(2)} s.`,
        )
      : '',
    h('h2', { class: 'govuk-heading-m' }, 'Opinion map'),
    h('figure', { class: 'gp-delib-figure' }, opinionMap(a)),
    scrollable(
      'Groups',
      tbl(
        'The groups on the map',
        ['Group', 'Participants', 'Centre (x, y)'],
        a.groups.map((g) => [groupName(g.id), String(g.size), `${g.center[0].toFixed(2)}, ${g.center[1].toFixed(2)}`]),
        'delib-groups',
        [1],
      ),
    ),
    h('h2', { class: 'govuk-heading-m' }, 'What each group thinks'),
    a.groups.map((g) =>
      h(
        'section',
        { class: 'gp-delib-group', 'data-group': String(g.id) },
        h('h3', { class: 'govuk-heading-s' }, `${groupName(g.id)} (${g.size} participants)`),
        picks(g.representative, `Statements that set ${groupName(g.id)} apart`, `delib-rep-${g.id}`),
      ),
    ),
    h('h2', { class: 'govuk-heading-m' }, 'What unites them'),
    a.consensus.agree.length + a.consensus.disagree.length
      ? picks([...a.consensus.agree, ...a.consensus.disagree], 'Statements most participants agree or disagree with', 'delib-consensus')
      : h('p', { class: 'govuk-body' }, 'No statement is shared by most participants yet.'),
    gic.length
      ? tbl(
        'Statements every group tends to agree with (the product over groups of the share agreeing)',
        ['Statement', 'Group-informed consensus'],
        gic.map((g) => [says(g.statement), (g.value as number).toFixed(3)]),
        'delib-gic',
        [1],
      )
      : null,
    themes,
  ];
  return { title: `Results – ${conv.title}`, before, content: [h('div', { id: 'delib-results' }, content)] };
}

interface ModerationDoc {
  conversation: string;
  pending: { id: number; text: string; author: number; created_ms: number }[];
  approved: number;
  rejected: number;
}

async function moderationPage(id: string, signal: AbortSignal): Promise<Page> {
  const conv = await call<Conversation>('GET', `${API}/${enc(id)}`, undefined, signal);
  const feedback = h('div', { id: 'mod-feedback' });
  const queue = h('div', { id: 'mod-queue' });
  const tokenInput = h('input', {
    class: 'govuk-input govuk-input--width-30',
    id: 'mod-token',
    name: 'token',
    type: 'password',
    autocomplete: 'off',
    value: getToken(),
    'aria-describedby': 'mod-token-hint',
  }) as HTMLInputElement;

  async function load(): Promise<void> {
    const token = tokenInput.value.trim();
    if (!token) {
      replaceChildren(feedback, errorSummary([['Enter an API token', 'mod-token']]));
      (feedback.firstChild as HTMLElement).focus();
      return;
    }
    try {
      const doc = await call<ModerationDoc>('GET', `${API}/${enc(id)}/moderation`, undefined, undefined, token);
      setToken(token);
      replaceChildren(feedback);
      drawQueue(doc, token);
    } catch (e) {
      const msg = e instanceof ApiError && e.status === 401 ? 'The API token was not accepted' : (e as Error).message;
      replaceChildren(feedback, errorSummary([[msg, 'mod-token']]));
      (feedback.firstChild as HTMLElement).focus();
    }
  }

  function drawQueue(doc: ModerationDoc, token: string): void {
    const decide = async (sid: number, status: 'approved' | 'rejected'): Promise<void> => {
      try {
        await call('POST', `${API}/${enc(id)}/statements/${sid}/moderate`, { status }, undefined, token);
        const left = await call<ModerationDoc>('GET', `${API}/${enc(id)}/moderation`, undefined, undefined, token);
        drawQueue(left, token);
        replaceChildren(feedback, successBanner(`Statement ${sid} ${status}`));
        (feedback.firstChild as HTMLElement).focus();
      } catch (e) {
        replaceChildren(feedback, errorSummary([[(e as Error).message, null]]));
        (feedback.firstChild as HTMLElement).focus();
      }
    };
    replaceChildren(
      queue,
      h('p', { class: 'govuk-body' }, `${doc.pending.length} waiting; ${doc.approved} approved and ${doc.rejected} rejected so far.`),
      doc.pending.length
        ? tbl(
          'Statements waiting for moderation',
          ['Statement', 'Number', 'Decision'],
          doc.pending.map((st) => [
            st.text,
            String(st.id),
            h(
              'div',
              { class: 'govuk-button-group gp-delib-mod-buttons' },
              h('button', { type: 'button', class: 'govuk-button govuk-!-margin-bottom-0', 'data-approve': String(st.id), onclick: () => void decide(st.id, 'approved') },
                'Approve', h('span', { class: 'govuk-visually-hidden' }, ` statement ${st.id}`)),
              h('button', { type: 'button', class: 'govuk-button govuk-button--warning govuk-!-margin-bottom-0', 'data-reject': String(st.id), onclick: () => void decide(st.id, 'rejected') },
                'Reject', h('span', { class: 'govuk-visually-hidden' }, ` statement ${st.id}`)),
            ),
          ]),
          'mod-table',
          [1],
        )
        : insetText('Nothing is waiting for moderation.'),
    );
  }

  const form = h(
    'form',
    { id: 'mod-form', novalidate: true, onsubmit: (ev: Event) => { ev.preventDefault(); void load(); } },
    h(
      'div',
      { class: 'govuk-form-group' },
      h('label', { class: 'govuk-label', for: 'mod-token' }, 'API token'),
      h('div', { class: 'govuk-hint', id: 'mod-token-hint' }, 'Moderation is for the team. The token is kept in this browser tab only.'),
      tokenInput,
    ),
    h('button', { type: 'submit', class: 'govuk-button' }, 'Show the queue'),
  );
  if (getToken()) void load();
  return {
    title: `Moderation – ${conv.title}`,
    before: [breadcrumbs([['Conversations', '/conversations'], [conv.title, `/conversations/${enc(id)}`], ['Moderation', null]])],
    content: [
      h('span', { class: 'govuk-caption-l' }, conv.title),
      h('h1', { class: 'govuk-heading-l' }, 'Moderation'),
      feedback,
      form,
      queue,
    ],
  };
}
