// What a page renderer returns, and the shared error pages.

import { ApiError } from '../api';
import { navLink } from '../components';
import { h } from '../dom';

/** A rendered page: its title (for document.title) and its content for <main>. */
export interface Page {
  /** The page's title, without the service name. */
  title: string;
  /** Content placed above <main> (breadcrumbs, back links). */
  before?: Node[];
  /** The content of <main>. */
  content: Node[];
  /** Which service navigation item is current ('board' or none). */
  nav?: 'board' | 'trials';
}

/** The "Page not found" page. */
export function notFoundPage(what = 'Page'): Page {
  return {
    title: `${what} not found`,
    content: [
      h('h1', { class: 'govuk-heading-l' }, `${what} not found`),
      h('p', { class: 'govuk-body' }, 'If you typed the web address, check it is correct.'),
      h('p', { class: 'govuk-body' }, 'If you pasted the web address, check you copied the entire address.'),
      h('p', { class: 'govuk-body' }, 'You can go to the ', navLink('/', 'missions board'), ' to find what you need.'),
    ],
  };
}

/** The page for any other failure. */
export function errorPage(err: unknown): Page {
  if (err instanceof ApiError && err.status === 404) return notFoundPage();
  const message = err instanceof Error ? err.message : String(err);
  return {
    title: 'Sorry, there is a problem with the service',
    content: [
      h('h1', { class: 'govuk-heading-l' }, 'Sorry, there is a problem with the service'),
      h('p', { class: 'govuk-body' }, 'Try again later.'),
      h('p', { class: 'govuk-body' }, 'The server said: ', h('code', { class: 'gp-code' }, message)),
      h('p', { class: 'govuk-body' }, navLink('/', 'Go to the missions board')),
    ],
  };
}
