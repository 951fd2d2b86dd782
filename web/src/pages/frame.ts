// The frame shared by a mission's plan pages (theory of change, assumptions, simulation,
// versions): breadcrumbs, the mission's name as a caption above the page's heading, and
// the mission sub-navigation.

import type { MissionDoc } from '../api';
import { breadcrumbs, missionNav, type MissionTab } from '../components';
import { h } from '../dom';
import type { Page } from './page';

/** A mission sub-page: title "<heading> – <mission>", breadcrumbs, caption, h1 and tabs. */
export function missionSubPage(doc: MissionDoc, tab: MissionTab, heading: string, content: Node[]): Page {
  const m = doc.mission;
  return {
    title: `${heading} – ${m.title}`,
    before: [
      breadcrumbs([
        ['Missions board', '/'],
        [m.title, `/missions/${encodeURIComponent(m.id)}`],
        [heading, null],
      ]),
    ],
    content: [
      h('span', { class: 'govuk-caption-l' }, m.title),
      h('h1', { class: 'govuk-heading-xl' }, heading),
      missionNav(m.id, tab),
      ...content,
    ],
  };
}

/** The mission's current plan version (from the mission document), when the server says. */
export function currentVersion(doc: MissionDoc): number | null {
  const v = (doc.mission as unknown as { plan_version?: number }).plan_version;
  return typeof v === 'number' ? v : null;
}
