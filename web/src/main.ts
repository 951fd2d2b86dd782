// Entry point of the gameplan web UI: styles, GOV.UK Frontend behaviour, and the
// client-side router that draws the board, mission, metric and game plan pages (theory
// of change, assumptions, simulation, optimiser, plan versions).

import './styles/main.scss';
import { ServiceNavigation, SkipLink, createAll } from 'govuk-frontend';
import { replaceChildren } from './dom';
import { assumptionsPage } from './pages/assumptions';
import { boardPage } from './pages/board';
import { conversationRoute } from './pages/conversation';
import { metricPage } from './pages/metric';
import { missionPage } from './pages/mission';
import { optimisePage } from './pages/optimise';
import { errorPage, notFoundPage, type Page } from './pages/page';
import { scanPage, unitPage } from './pages/scan';
import { simulationPage } from './pages/simulation';
import { tocPage } from './pages/toc';
import { trialsPage } from './pages/trials';
import { versionsPage } from './pages/versions';
import { isRoutableLink, matchRoute } from './router';

const SERVICE = 'gameplan';

document.body.classList.add('js-enabled');
if ('noModule' in HTMLScriptElement.prototype) document.body.classList.add('govuk-frontend-supported');
createAll(SkipLink);
createAll(ServiceNavigation);

const app = document.getElementById('app') as HTMLElement;
const before = document.getElementById('before-main') as HTMLElement;
let inflight: AbortController | null = null;

async function load(signal: AbortSignal): Promise<Page> {
  const route = matchRoute(window.location.pathname, window.location.search);
  if (/^\/conversations(\/|$)/.test(window.location.pathname)) return conversationRoute(window.location.pathname, signal);
  switch (route.name) {
    case 'board':
      return boardPage(signal);
    case 'mission':
      return missionPage(route.id, route.query, signal);
    case 'metric':
      return metricPage(route.id, route.query, signal);
    case 'scan':
      return scanPage(route.id, route.query, signal);
    case 'unit':
      return unitPage(route.id, route.query.get('unit') ?? '', signal);
    case 'toc':
      return tocPage(route.id, route.query, signal);
    case 'assumptions':
      return assumptionsPage(route.id, signal);
    case 'simulation':
      return simulationPage(route.id, route.query, signal);
    case 'optimise':
      return optimisePage(route.id, route.query, signal);
    case 'versions':
      return versionsPage(route.id, route.query, signal);
    case 'trials':
      return trialsPage();
    default:
      return notFoundPage();
  }
}

function setNav(current: Page['nav']): void {
  for (const li of document.querySelectorAll<HTMLElement>('[data-nav-item]')) {
    const a = li.querySelector('a');
    const on = li.dataset.navItem === current;
    li.classList.toggle('govuk-service-navigation__item--active', on);
    if (a) {
      if (on) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
  }
}

/**
 * Draws the page for the current URL. `moveFocus` is true after an in-app navigation:
 * focus then goes to the new page's heading so screen readers announce it.
 */
async function render(moveFocus: boolean): Promise<void> {
  inflight?.abort();
  const ctrl = new AbortController();
  inflight = ctrl;
  app.setAttribute('aria-busy', 'true');
  let page: Page;
  try {
    page = await load(ctrl.signal);
  } catch (e) {
    if ((e as Error).name === 'AbortError') return;
    page = errorPage(e);
  }
  if (ctrl.signal.aborted) return;
  document.title = page.title === SERVICE ? SERVICE : `${page.title} – ${SERVICE}`;
  replaceChildren(before, page.before ?? []);
  replaceChildren(app, page.content);
  app.removeAttribute('aria-busy');
  setNav(page.nav);
  document.body.dataset.page = matchRoute(window.location.pathname, window.location.search).name;
  document.body.dataset.ready = 'true';
  if (window.location.hash) {
    const target = document.getElementById(decodeURIComponent(window.location.hash.slice(1)));
    if (target) {
      target.scrollIntoView();
      return;
    }
  }
  if (moveFocus) {
    window.scrollTo(0, 0);
    // A page that opens with an error summary (a form sent with errors): focus it, as GOV.UK does.
    const summary = app.querySelector<HTMLElement>('.govuk-error-summary');
    if (summary) {
      summary.setAttribute('tabindex', '-1');
      summary.focus();
      return;
    }
    const h1 = app.querySelector('h1');
    if (h1) {
      h1.setAttribute('tabindex', '-1');
      h1.focus({ preventScroll: true });
    }
  }
}

function navigate(url: string): void {
  const next = new URL(url, window.location.href);
  if (next.href === window.location.href) return;
  window.history.pushState({}, '', next.pathname + next.search + next.hash);
  document.body.dataset.ready = 'false';
  void render(true);
}

document.addEventListener('click', (ev) => {
  const a = (ev.target as Element | null)?.closest?.('a[href]') as HTMLAnchorElement | null;
  if (!a || !isRoutableLink(a, ev)) return;
  ev.preventDefault();
  navigate(a.href);
});

document.addEventListener('submit', (ev) => {
  const form = ev.target as HTMLFormElement;
  if (!form.hasAttribute('data-nav-form')) return;
  ev.preventDefault();
  const params = new URLSearchParams();
  for (const [k, v] of new FormData(form)) if (typeof v === 'string' && v !== '') params.append(k, v);
  const qs = params.toString();
  navigate(form.getAttribute('action') + (qs ? `?${qs}` : ''));
});

window.addEventListener('popstate', () => {
  document.body.dataset.ready = 'false';
  void render(true);
});

void render(false);
