// The "Conversations" section of a mission page: the mission's conversations
// (GET /api/v1/conversations?mission=M) with their question, the assumption they test,
// participants and votes, and links to take part and to the results
// (/conversations/{id}, /conversations/{id}/results in pages/conversation.ts); and, for
// the team (an API token, see token.ts), a form to open a new conversation on the
// mission (POST /api/v1/conversations) with one of the plan's assumptions and seed
// statements, which then goes to the new conversation. Server errors are shown in a
// GOV.UK error summary naming the field.

import { ApiError, api, type Assumption, type ConversationSummary } from '../api';
import { errorSummary, insetText, navLink, scrollable, selectInput, table, textInput } from '../components';
import { h, replaceChildren } from '../dom';
import { fmtNumber } from '../format';
import { getToken, setToken } from '../token';

const enc = encodeURIComponent;
const MAX_STATEMENT = 280;

/** The fields of the form, by the name the API gives them in error paths. */
const FIELD: Record<string, string> = {
  id: 'conv-id',
  title: 'conv-title',
  question: 'conv-question',
  assumption: 'conv-assumption',
  mission: 'conv-assumption',
  statements: 'conv-statements',
};

/** The mission's conversations, with the token when there is one (a stale token is forgotten). */
export async function loadMissionConversations(mission: string, signal: AbortSignal): Promise<ConversationSummary[] | null> {
  try {
    return (await api.missionConversations(mission, signal)).conversations;
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    if (e instanceof ApiError && e.status === 401 && getToken()) {
      setToken('');
      return loadMissionConversations(mission, signal);
    }
    return null;
  }
}

/** Goes to another page of the app (main.ts redraws on popstate). */
function go(path: string): void {
  window.history.pushState({}, '', path);
  window.dispatchEvent(new PopStateEvent('popstate'));
}

function conversationsTable(convs: ConversationSummary[], assumptions: Map<string, Assumption>): HTMLElement {
  const t = table(
    'Conversations on this mission',
    [
      { head: 'Conversation' },
      { head: 'Assumption tested' },
      { head: 'Participants', numeric: true },
      { head: 'Votes', numeric: true },
      { head: 'Links' },
    ],
    convs.map((c) => {
      const a = c.assumption ? assumptions.get(c.assumption) : undefined;
      return [
        h(
          'span',
          { 'data-conversation': c.id },
          h('strong', null, c.title),
          c.question ? h('span', { class: 'govuk-body-s gp-secondary gp-block' }, c.question) : null,
        ),
        c.assumption ? (a ? `${a.id}: ${a.text}` : c.assumption) : 'None: the mission as a whole',
        fmtNumber(c.participants),
        fmtNumber(c.votes),
        h(
          'ul',
          { class: 'govuk-list govuk-!-margin-bottom-0' },
          h('li', null, navLink(`/conversations/${enc(c.id)}`, ['Take part', h('span', { class: 'govuk-visually-hidden' }, ` in ${c.title}`)])),
          h('li', null, navLink(`/conversations/${enc(c.id)}/results`, ['Results', h('span', { class: 'govuk-visually-hidden' }, ` of ${c.title}`)])),
        ),
      ];
    }),
    { captionClass: 'govuk-table__caption--s', rowHeaders: true },
  );
  t.id = 'mission-conversations';
  return scrollable('Conversations on this mission', t);
}

/** Marks a field's form group as in error, with its message (GOV.UK pattern). */
function markField(form: HTMLFormElement, id: string, message: string): void {
  const input = form.querySelector(`#${id}`) as HTMLElement | null;
  const group = input?.closest('.govuk-form-group');
  if (!input || !group) return;
  group.classList.add('govuk-form-group--error');
  const msgId = `${id}-error`;
  const msg = h('p', { class: 'govuk-error-message', id: msgId }, h('span', { class: 'govuk-visually-hidden' }, 'Error: '), message);
  input.before(msg);
  input.classList.add(input.tagName === 'SELECT' ? 'govuk-select--error' : input.tagName === 'TEXTAREA' ? 'govuk-textarea--error' : 'govuk-input--error');
  const described = (input.getAttribute('aria-describedby') ?? '').split(' ').filter((x) => x);
  input.setAttribute('aria-describedby', [...described, msgId].join(' '));
}

function clearErrors(form: HTMLFormElement): void {
  for (const m of form.querySelectorAll('.govuk-error-message')) {
    const input = m.parentElement?.querySelector('input, select, textarea');
    if (input) {
      const left = (input.getAttribute('aria-describedby') ?? '').split(' ').filter((x) => x && x !== m.id);
      if (left.length) input.setAttribute('aria-describedby', left.join(' '));
      else input.removeAttribute('aria-describedby');
    }
    m.remove();
  }
  for (const g of form.querySelectorAll('.govuk-form-group--error')) g.classList.remove('govuk-form-group--error');
  for (const c of ['govuk-input--error', 'govuk-select--error', 'govuk-textarea--error'])
    for (const el of form.querySelectorAll(`.${c}`)) el.classList.remove(c);
}

function textArea(id: string, label: string, hint: string, rows: number): HTMLElement {
  return h(
    'div',
    { class: 'govuk-form-group' },
    h('label', { class: 'govuk-label', for: id }, label),
    h('div', { class: 'govuk-hint', id: `${id}-hint` }, hint),
    h('textarea', { class: 'govuk-textarea', id, name: id, rows, 'aria-describedby': `${id}-hint` }),
  );
}

/** The form that opens a conversation on mission `mission`. */
function openForm(mission: string, assumptions: Assumption[]): HTMLElement {
  const errors = h('div', { class: 'gp-form-errors', id: 'conv-new-errors' });
  const fail = (form: HTMLFormElement, items: [string, string | null][]): void => {
    clearErrors(form);
    for (const [text, field] of items) if (field) markField(form, field, text);
    replaceChildren(errors, errorSummary(items));
    (errors.firstChild as HTMLElement).focus();
  };
  const form = h(
    'form',
    {
      id: 'conv-new',
      novalidate: true,
      onsubmit: async (ev: Event) => {
        ev.preventDefault();
        const f = ev.currentTarget as HTMLFormElement;
        const val = (id: string) => (f.querySelector(`#${id}`) as HTMLInputElement).value.trim();
        const id = val('conv-id');
        const title = val('conv-title');
        const question = val('conv-question');
        const assumption = val('conv-assumption');
        const statements = val('conv-statements').split(/\r?\n/).map((x) => x.trim()).filter((x) => x);
        const problems: [string, string | null][] = [];
        if (!id) problems.push(['Enter an id for the conversation', 'conv-id']);
        else if (!/^[A-Za-z0-9_][A-Za-z0-9._-]{0,63}$/.test(id))
          problems.push(['The id can only have letters, digits, dots, underscores and hyphens (at most 64), and cannot start with a dot or hyphen', 'conv-id']);
        if (!title) problems.push(['Enter a title', 'conv-title']);
        const long = statements.findIndex((x) => [...x].length > MAX_STATEMENT);
        if (long >= 0) problems.push([`Seed statement ${long + 1} is longer than ${MAX_STATEMENT} characters`, 'conv-statements']);
        if (problems.length) {
          fail(f, problems);
          return;
        }
        const button = f.querySelector('button[type="submit"]') as HTMLButtonElement;
        button.disabled = true;
        try {
          const doc = await api.createConversation({ id, title, question: question || null, mission, assumption: assumption || null, statements });
          go(`/conversations/${enc(doc.id)}`);
        } catch (e) {
          button.disabled = false;
          if (e instanceof ApiError) {
            if (e.status === 401) setToken('');
            const where = e.where ?? '';
            const field = e.status === 401 ? null : (FIELD[where.replace(/\[\d+\]$/, '')] ?? null);
            const m = /^statements\[(\d+)\]$/.exec(where);
            const text = e.status === 401
              ? 'The API token was not accepted: enter it again'
              : m ? `Seed statement ${Number(m[1]) + 1}: ${e.message}` : e.message;
            fail(f, [[text, field]]);
          } else {
            fail(f, [[String(e), null]]);
          }
        }
      },
    },
    textInput('conv-id', 'Id', '', {
      hint: 'Used in the web address of the conversation: letters, digits, dots, underscores or hyphens, for example childcare-2025.',
      width: '20',
    }),
    textInput('conv-title', 'Title', '', { hint: 'Shown to everyone taking part.' }),
    textArea('conv-question', 'Question (optional)', 'The question put to participants.', 3),
    selectInput(
      'conv-assumption',
      'Assumption it tests (optional)',
      [['', 'None: the mission as a whole'], ...assumptions.map((a) => [a.id, `${a.id}: ${a.text}`] as [string, string])],
      '',
      { hint: 'One of the assumptions of the mission’s game plan.' },
    ),
    textArea(
      'conv-statements',
      'Seed statements (optional)',
      `One statement per line, each at most ${MAX_STATEMENT} characters. They are shown to participants at once; statements participants add wait for moderation.`,
      5,
    ),
    h('button', { type: 'submit', class: 'govuk-button' }, 'Open the conversation'),
  );
  return h(
    'div',
    { id: 'conv-new-block' },
    h('h3', { class: 'govuk-heading-m', id: 'conv-new-heading' }, 'Open a conversation'),
    errors,
    form,
  );
}

/** The team's way in without a token yet: an API token field that reveals the form. */
function tokenBlock(mission: string, assumptions: Assumption[]): HTMLElement {
  const box = h('div', { id: 'conv-team' });
  const errors = h('div', { class: 'gp-form-errors' });
  const form = h(
    'form',
    {
      id: 'conv-token-form',
      novalidate: true,
      onsubmit: (ev: Event) => {
        ev.preventDefault();
        const token = (form.querySelector('#conv-token') as HTMLInputElement).value.trim();
        if (!token) {
          replaceChildren(errors, errorSummary([['Enter the API token', 'conv-token']]));
          (errors.firstChild as HTMLElement).focus();
          return;
        }
        setToken(token);
        const next = openForm(mission, assumptions);
        replaceChildren(box, next);
        (next.querySelector('#conv-id') as HTMLElement | null)?.focus();
      },
    },
    textInput('conv-token', 'API token', '', {
      type: 'password',
      hint: 'The mission team can open a conversation on this mission. The token is kept in this browser tab only.',
    }),
    h('button', { type: 'submit', class: 'govuk-button govuk-button--secondary' }, 'Continue'),
  );
  replaceChildren(
    box,
    h(
      'details',
      { class: 'govuk-details' },
      h('summary', { class: 'govuk-details__summary' }, h('span', { class: 'govuk-details__summary-text' }, 'Open a conversation (for the mission team)')),
      h('div', { class: 'govuk-details__text' }, errors, form),
    ),
  );
  return box;
}

/**
 * The "Conversations" section of mission `mission`: `convs` (null: they could not be
 * loaded) and the plan's assumptions (for the links and the form).
 */
export function conversationsSection(mission: string, convs: ConversationSummary[] | null, assumptions: Assumption[]): HTMLElement {
  const byId = new Map(assumptions.map((a) => [a.id, a]));
  return h(
    'section',
    { class: 'gp-mission-conversations', id: 'conversations', 'aria-labelledby': 'conversations-heading' },
    h('h2', { class: 'govuk-heading-l', id: 'conversations-heading' }, 'Conversations'),
    h(
      'p',
      { class: 'govuk-body' },
      'What citizens and staff think about this mission: they vote on short statements and add their own, and the results show where they agree and what divides them.',
    ),
    convs === null
      ? insetText('The conversations could not be loaded.')
      : convs.length
        ? conversationsTable(convs, byId)
        : insetText('There are no conversations on this mission yet.'),
    getToken() ? openForm(mission, assumptions) : tokenBlock(mission, assumptions),
  );
}
