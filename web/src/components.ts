// GOV.UK Design System components built as DOM elements (markup follows the
// govuk-frontend templates): tags, summary lists, tables, details, breadcrumbs,
// inset text, notification banners and warning text.

import type { Rating } from './api';
import { h, type Child } from './dom';
import { RATING_LABEL, RATING_TAG } from './format';

/** A GOV.UK tag showing a rating in colour and words. */
export function ratingTag(rating: Rating): HTMLElement {
  return h(
    'strong',
    { class: `govuk-tag ${RATING_TAG[rating] ?? 'govuk-tag--grey'} gp-rating`, 'data-rating': rating },
    RATING_LABEL[rating] ?? rating,
  );
}

/** A link handled by the client-side router. */
export function navLink(href: string, text: Child, cls = 'govuk-link'): HTMLAnchorElement {
  return h('a', { class: cls, href, 'data-nav': true }, text);
}

/** A GOV.UK summary list from [key, value] pairs (value null: row left out). */
export function summaryList(rows: [string, Child][], extraClass = ''): HTMLElement {
  return h(
    'dl',
    { class: `govuk-summary-list ${extraClass}`.trim() },
    rows
      .filter(([, v]) => v !== null && v !== undefined)
      .map(([k, v]) =>
        h(
          'div',
          { class: 'govuk-summary-list__row' },
          h('dt', { class: 'govuk-summary-list__key' }, k),
          h('dd', { class: 'govuk-summary-list__value' }, v),
        ),
      ),
  );
}

export interface Column {
  /** Header text. */
  head: Child;
  /** Right-align (numbers). */
  numeric?: boolean;
  /** Extra class on header and cells. */
  cls?: string;
}

/**
 * A GOV.UK table with a caption. The first cell of each row is a row header when
 * `rowHeaders` is true.
 */
export function table(
  caption: Child,
  columns: Column[],
  rows: Child[][],
  opts: { captionClass?: string; rowHeaders?: boolean; cls?: string } = {},
): HTMLTableElement {
  const cellClass = (c: Column, base: string) =>
    [base, c.numeric ? `${base}--numeric` : '', c.cls ?? ''].filter(Boolean).join(' ');
  return h(
    'table',
    { class: `govuk-table ${opts.cls ?? ''}`.trim() },
    h('caption', { class: `govuk-table__caption ${opts.captionClass ?? 'govuk-table__caption--m'}` }, caption),
    h(
      'thead',
      { class: 'govuk-table__head' },
      h(
        'tr',
        { class: 'govuk-table__row' },
        columns.map((c) => h('th', { scope: 'col', class: cellClass(c, 'govuk-table__header') }, c.head)),
      ),
    ),
    h(
      'tbody',
      { class: 'govuk-table__body' },
      rows.map((r) =>
        h(
          'tr',
          { class: 'govuk-table__row' },
          r.map((cell, i) => {
            const c = columns[i] ?? {};
            return opts.rowHeaders && i === 0
              ? h('th', { scope: 'row', class: cellClass(c, 'govuk-table__header') }, cell)
              : h('td', { class: cellClass(c, 'govuk-table__cell') }, cell);
          }),
        ),
      ),
    ),
  );
}

/** A GOV.UK details component (native <details>). */
export function details(summary: string, ...content: Child[]): HTMLDetailsElement {
  return h(
    'details',
    { class: 'govuk-details' },
    h('summary', { class: 'govuk-details__summary' }, h('span', { class: 'govuk-details__summary-text' }, summary)),
    h('div', { class: 'govuk-details__text' }, content),
  );
}

/** GOV.UK breadcrumbs: [text, href] pairs, the last one the current page (no link). */
export function breadcrumbs(items: [string, string | null][]): HTMLElement {
  return h(
    'nav',
    { class: 'govuk-breadcrumbs', 'aria-label': 'Breadcrumb' },
    h(
      'ol',
      { class: 'govuk-breadcrumbs__list' },
      items.map(([text, href]) =>
        h(
          'li',
          { class: 'govuk-breadcrumbs__list-item', 'aria-current': href ? null : 'page' },
          href ? navLink(href, text, 'govuk-breadcrumbs__link') : text,
        ),
      ),
    ),
  );
}

/** GOV.UK inset text. */
export function insetText(...content: Child[]): HTMLElement {
  return h('div', { class: 'govuk-inset-text' }, content);
}

/** GOV.UK warning text. */
export function warningText(...content: Child[]): HTMLElement {
  return h(
    'div',
    { class: 'govuk-warning-text' },
    h('span', { class: 'govuk-warning-text__icon', 'aria-hidden': 'true' }, '!'),
    h('strong', { class: 'govuk-warning-text__text' }, h('span', { class: 'govuk-visually-hidden' }, 'Warning'), content),
  );
}

/** A GOV.UK notification banner (important information). */
export function notificationBanner(title: string, ...content: Child[]): HTMLElement {
  const id = `banner-title-${Math.random().toString(36).slice(2, 8)}`;
  return h(
    'div',
    { class: 'govuk-notification-banner', role: 'region', 'aria-labelledby': id },
    h(
      'div',
      { class: 'govuk-notification-banner__header' },
      h('h2', { class: 'govuk-notification-banner__title', id }, title),
    ),
    h('div', { class: 'govuk-notification-banner__content' }, content),
  );
}

/** A visually hidden span (text for screen readers only). */
export function hidden(text: string): HTMLElement {
  return h('span', { class: 'govuk-visually-hidden' }, text);
}

/**
 * Wraps a wide table in a horizontally scrolling region that keyboard users can
 * focus and scroll (WCAG 1.4.10 allows two-dimensional scrolling for data tables).
 */
export function scrollable(label: string, content: Node): HTMLElement {
  return h('div', { class: 'gp-table-scroll', tabindex: '0', role: 'region', 'aria-label': label }, content);
}

/** The pages of one mission, for the sub-navigation under its title. */
export type MissionTab = 'overview' | 'toc' | 'assumptions' | 'simulation' | 'optimise' | 'versions';

const MISSION_TABS: [MissionTab, string, string][] = [
  ['overview', 'Targets', ''],
  ['toc', 'Theory of change', '/plan'],
  ['assumptions', 'Assumptions', '/assumptions'],
  ['simulation', 'Simulation', '/simulation'],
  ['optimise', 'Optimiser', '/optimise'],
  ['versions', 'Plan versions', '/versions'],
];

/** The navigation between a mission's pages (the current one marked with aria-current). */
export function missionNav(missionId: string, current: MissionTab): HTMLElement {
  const base = `/missions/${encodeURIComponent(missionId)}`;
  return h(
    'nav',
    { class: 'gp-subnav', 'aria-label': 'Mission pages' },
    h(
      'ul',
      { class: 'gp-subnav__list' },
      MISSION_TABS.map(([tab, text, suffix]) =>
        h(
          'li',
          { class: `gp-subnav__item${tab === current ? ' gp-subnav__item--current' : ''}` },
          h(
            'a',
            { class: 'govuk-link gp-subnav__link', href: base + suffix, 'data-nav': true, 'aria-current': tab === current ? 'page' : null },
            text,
          ),
        ),
      ),
    ),
  );
}

/** A GOV.UK text input with its label (and hint). */
export function textInput(
  id: string,
  label: string,
  value: string,
  opts: { hint?: string; width?: string; type?: string; inputmode?: string; autocomplete?: string; name?: string } = {},
): HTMLElement {
  const hintId = opts.hint ? `${id}-hint` : null;
  return h(
    'div',
    { class: 'govuk-form-group' },
    h('label', { class: 'govuk-label', for: id }, label),
    hintId ? h('div', { class: 'govuk-hint', id: hintId }, opts.hint) : null,
    h('input', {
      class: `govuk-input ${opts.width ? `govuk-input--width-${opts.width}` : ''}`.trim(),
      id,
      name: opts.name ?? id,
      type: opts.type ?? 'text',
      value,
      inputmode: opts.inputmode,
      autocomplete: opts.autocomplete ?? 'off',
      spellcheck: 'false',
      'aria-describedby': hintId,
    }),
  );
}

/** A GOV.UK select with its label (and hint): options are [value, text] pairs. */
export function selectInput(
  id: string,
  label: string,
  options: [string, string][],
  value: string,
  opts: { hint?: string; name?: string } = {},
): HTMLElement {
  const hintId = opts.hint ? `${id}-hint` : null;
  return h(
    'div',
    { class: 'govuk-form-group' },
    h('label', { class: 'govuk-label', for: id }, label),
    hintId ? h('div', { class: 'govuk-hint', id: hintId }, opts.hint) : null,
    h(
      'select',
      { class: 'govuk-select', id, name: opts.name ?? id, 'aria-describedby': hintId },
      options.map(([v, t]) => h('option', { value: v, selected: v === value }, t)),
    ),
  );
}

/** A GOV.UK error summary listing messages (each linking to the field when an id is given). */
export function errorSummary(items: [string, string | null][]): HTMLElement {
  return h(
    'div',
    { class: 'govuk-error-summary', tabindex: '-1' },
    h(
      'div',
      { role: 'alert' },
      h('h2', { class: 'govuk-error-summary__title' }, 'There is a problem'),
      h(
        'div',
        { class: 'govuk-error-summary__body' },
        h(
          'ul',
          { class: 'govuk-list govuk-error-summary__list' },
          items.map(([text, target]) => h('li', null, target ? h('a', { href: `#${target}`, onclick: focusField }, text) : text)),
        ),
      ),
    ),
  );
}

/**
 * A click on an error summary's link: as GOV.UK Frontend's error summary does, moves focus to
 * the field (opening a closed details around it) and scrolls its label into view.
 */
function focusField(ev: Event): void {
  const a = ev.currentTarget as HTMLAnchorElement;
  const id = decodeURIComponent((a.getAttribute('href') ?? '').slice(1));
  const field = id ? document.getElementById(id) : null;
  if (!field) return;
  ev.preventDefault();
  for (let d = field.closest('details'); d; d = d.parentElement?.closest('details') ?? null) d.open = true;
  const label = document.querySelector(`label[for="${CSS.escape(id)}"]`) ?? field.closest('fieldset')?.querySelector('legend') ?? field;
  label.scrollIntoView();
  field.focus({ preventScroll: true });
}

/** A GOV.UK success notification banner. */
export function successBanner(title: string, ...content: Child[]): HTMLElement {
  const id = `banner-title-${Math.random().toString(36).slice(2, 8)}`;
  return h(
    'div',
    { class: 'govuk-notification-banner govuk-notification-banner--success', role: 'alert', 'aria-labelledby': id, tabindex: '-1' },
    h('div', { class: 'govuk-notification-banner__header' }, h('h2', { class: 'govuk-notification-banner__title', id }, 'Success')),
    h('div', { class: 'govuk-notification-banner__content' }, h('p', { class: 'govuk-notification-banner__heading' }, title), content),
  );
}

/** A GOV.UK tag. */
export function tag(text: string, colour: string, attrs: Record<string, string> = {}): HTMLElement {
  return h('strong', { class: `govuk-tag ${colour}`, ...attrs }, text);
}

/**
 * Marks form fields as in error, as GOV.UK does: the field's form group gets
 * `govuk-form-group--error`, an error message ("Error: …") goes above the field and the field
 * is described by it. `errors` are [message, field id] pairs (a null id marks nothing).
 * Earlier marks inside `root` are cleared first.
 */
export function markFieldErrors(root: HTMLElement, errors: [string, string | null][]): void {
  for (const m of root.querySelectorAll('.gp-field-error')) m.remove();
  for (const g of root.querySelectorAll('.govuk-form-group--error')) g.classList.remove('govuk-form-group--error');
  for (const el of root.querySelectorAll<HTMLElement>('[data-error-described]')) {
    const ids = (el.getAttribute('aria-describedby') ?? '').split(' ').filter((x) => x && !x.endsWith('-error'));
    if (ids.length) el.setAttribute('aria-describedby', ids.join(' '));
    else el.removeAttribute('aria-describedby');
    el.classList.remove('govuk-input--error', 'govuk-select--error', 'govuk-textarea--error');
    el.removeAttribute('data-error-described');
  }
  const done = new Set<string>();
  for (const [text, id] of errors) {
    if (!id || done.has(id)) continue;
    const field = root.querySelector<HTMLElement>(`#${CSS.escape(id)}`);
    const group = field?.closest('.govuk-form-group');
    if (!field || !group) continue;
    done.add(id);
    group.classList.add('govuk-form-group--error');
    const msg = h('p', { class: 'govuk-error-message gp-field-error', id: `${id}-error` }, h('span', { class: 'govuk-visually-hidden' }, 'Error: '), text);
    group.insertBefore(msg, field);
    const tagName = field.tagName.toLowerCase();
    field.classList.add(tagName === 'select' ? 'govuk-select--error' : tagName === 'textarea' ? 'govuk-textarea--error' : 'govuk-input--error');
    const described = (field.getAttribute('aria-describedby') ?? '').split(' ').filter(Boolean);
    field.setAttribute('aria-describedby', [...described, `${id}-error`].join(' '));
    field.setAttribute('data-error-described', '');
  }
}

/** A GOV.UK textarea with its label (and hint). */
export function textArea(id: string, label: string, value: string, opts: { hint?: string; rows?: number; name?: string } = {}): HTMLElement {
  const hintId = opts.hint ? `${id}-hint` : null;
  const ta = h('textarea', { class: 'govuk-textarea', id, name: opts.name ?? id, rows: opts.rows ?? 3, 'aria-describedby': hintId, spellcheck: 'true' });
  ta.value = value;
  return h(
    'div',
    { class: 'govuk-form-group' },
    h('label', { class: 'govuk-label', for: id }, label),
    hintId ? h('div', { class: 'govuk-hint', id: hintId }, opts.hint) : null,
    ta,
  );
}
