// Client-side routing with history.pushState. The server answers every non-/api
// path with index.html, so each route also works when loaded or reloaded directly.
//   /                               board of all missions
//   /missions/{id}                  mission page (targets; ?as_of=PERIOD: the status as it was)
//   /missions/{id}/plan             theory of change (?version=N, ?node=ID, ?edge=FROM->TO)
//   /missions/{id}/assumptions      assumptions board
//   /missions/{id}/simulation       simulation (?draws&seed&confidence&target&version&run=1)
//   /missions/{id}/optimise         optimiser (?budget&target&draws&seed&search&version&run=1)
//   /missions/{id}/versions         plan versions (?a=N&b=M: compare p_meet)
//   /metrics/{id}                   metric page (?breakdown=headline|all|<value>&page=N)
//   /metrics/{id}/scan              unit-data scan (funnel plot; ?period&adjust&overdispersion)
//   /metrics/{id}/units/{unit}      a unit's page (query 'unit' set from the path)
//   /trials                         trials: analyse, adapt, power

export interface Route {
  /** Which page. */
  name: 'board' | 'mission' | 'toc' | 'assumptions' | 'simulation' | 'optimise' | 'versions' | 'metric' | 'trials' | 'scan' | 'unit' | 'not_found';
  /** The id in the path (mission or metric), decoded. */
  id: string;
  /** The query string parameters. */
  query: URLSearchParams;
}

const MISSION_SUBPAGES: Record<string, Route['name']> = {
  plan: 'toc',
  assumptions: 'assumptions',
  simulation: 'simulation',
  optimise: 'optimise',
  versions: 'versions',
};

/** Matches a path (and query string) to a route. */
export function matchRoute(pathname: string, search: string): Route {
  const query = new URLSearchParams(search);
  const path = pathname.replace(/\/+$/, '') || '/';
  if (path === '/' || path === '/index.html') return { name: 'board', id: '', query };
  let m = /^\/missions\/([^/]+)$/.exec(path);
  if (m) return { name: 'mission', id: safeDecode(m[1]), query };
  m = /^\/missions\/([^/]+)\/([a-z]+)$/.exec(path);
  if (m && MISSION_SUBPAGES[m[2]]) return { name: MISSION_SUBPAGES[m[2]], id: safeDecode(m[1]), query };
  if (path === '/trials') return { name: 'trials', id: '', query };
  m = /^\/metrics\/([^/]+)\/scan$/.exec(path);
  if (m) return { name: 'scan', id: safeDecode(m[1]), query };
  m = /^\/metrics\/([^/]+)\/units\/([^/]+)$/.exec(path);
  if (m) return { name: 'unit', id: safeDecode(m[1]), query: new URLSearchParams({ ...Object.fromEntries(query), unit: safeDecode(m[2]) }) };
  m = /^\/metrics\/([^/]+)$/.exec(path);
  if (m) return { name: 'metric', id: safeDecode(m[1]), query };
  return { name: 'not_found', id: '', query };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** True when a click on this link should be handled by the router rather than the browser. */
export function isRoutableLink(a: HTMLAnchorElement, ev: MouseEvent): boolean {
  if (ev.defaultPrevented || ev.button !== 0) return false;
  if (ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return false;
  if (a.target && a.target !== '_self') return false;
  if (a.hasAttribute('download')) return false;
  const url = new URL(a.href, window.location.href);
  if (url.origin !== window.location.origin) return false;
  if (url.pathname.startsWith('/api/')) return false;
  // Same page, only a fragment: let the browser scroll (skip link, contents).
  if (url.pathname === window.location.pathname && url.search === window.location.search && url.hash) {
    return false;
  }
  return true;
}
