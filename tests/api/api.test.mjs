// API tests against a running `gameplan serve` (started by tests/api/run.sh).
// They exercise the contract of docs/api.md: public reads of published
// missions, token-protected writes, JSON errors with a path, bounded bodies,
// plans that round-trip, imports that are all-or-nothing, revisions and
// rebaselining, and the status document.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

const BASE = process.env.BASE_URL;
const TOKEN = process.env.GAMEPLAN_TOKEN;
const auth = { Authorization: `Bearer ${TOKEN}` };

async function req(method, path, { body, headers = {}, token = false } = {}) {
  const h = { ...headers, ...(token ? auth : {}) };
  const res = await fetch(BASE + path, { method, body, headers: h });
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, json, text, headers: res.headers };
}

// A small mission whose numbers we can check by hand: a straight line.
const plan = {
  mission: { id: 'api-test', title: 'API test mission', kind: 'mission', start: '2020', horizon: '2030' },
  metrics: [{ id: 'api-rate', name: 'A rate', unit: '%', direction: 'lower', frequency: 'annual' }],
  targets: [
    { id: 'halve', metric: 'api-rate', kind: 'committed',
      baseline: { period: '2020', value: 20 }, target: { period: '2030', value: 10 },
      trajectory: 'linear' },
    { id: 'floor', metric: 'api-rate', kind: 'floor',
      baseline: { period: '2020', value: 20 }, target: { period: '2030', value: 15 } },
  ],
};
const csv = 'period,value,place\n2020,20,\n2021,19,\n2022,18,\n2023,17,\n' +
  '2020,22,North\n2021,22,North\n2022,22.5,North\n2023,23,North\n' +
  '2020,18,South\n2021,17,South\n2022,16,South\n2023,15,South\n';

test('openapi document is served and lists the endpoints', async () => {
  const r = await req('GET', '/api/v1/openapi.json');
  assert.equal(r.status, 200);
  assert.equal(r.json.openapi.slice(0, 2), '3.');
  for (const p of ['/api/v1/missions', '/api/v1/missions/{id}/status', '/api/v1/missions/{id}/plan',
                   '/api/v1/metrics/{id}/observations'])
    assert.ok(r.json.paths[p], `openapi has ${p}`);
});

test('writes need a token: 401 with a JSON error body', async () => {
  const r = await req('PUT', '/api/v1/missions/api-test/plan', { body: JSON.stringify(plan) });
  assert.equal(r.status, 401);
  assert.equal(r.json.error.code, 'unauthorized');
  assert.ok(r.json.error.message.length > 0);
  const bad = await req('GET', '/api/v1/missions', { headers: { Authorization: 'Bearer gp_nope' } });
  assert.equal(bad.status, 401);
});

test('a plan is applied, idempotently, and round-trips', async () => {
  const r1 = await req('PUT', '/api/v1/missions/api-test/plan', { body: JSON.stringify(plan), token: true });
  assert.equal(r1.status, 201, r1.text);
  assert.equal(r1.json.created, true);
  const r2 = await req('PUT', '/api/v1/missions/api-test/plan', { body: JSON.stringify(plan), token: true });
  assert.equal(r2.status, 200);
  assert.equal(r2.json.changed, false);
  assert.equal(r2.json.version, 1);
  const g = await req('GET', '/api/v1/missions/api-test/plan', { token: true });
  assert.equal(g.status, 200);
  assert.deepEqual(g.json, plan);
  // Export then apply gives the same bytes again.
  const again = await req('PUT', '/api/v1/missions/api-test/plan', { body: g.text, token: true });
  assert.equal(again.json.changed, false);
  const g2 = await req('GET', '/api/v1/missions/api-test/plan', { token: true });
  assert.equal(g2.text, g.text);
});

test('bad plans get 422 with the JSON path, and change nothing', async () => {
  const bad = structuredClone(plan);
  bad.targets[0].colour = 'blue';
  let r = await req('PUT', '/api/v1/missions/api-test/plan', { body: JSON.stringify(bad), token: true });
  assert.equal(r.status, 422);
  assert.equal(r.json.error.path, 'plan.targets[0].colour');
  const nob = structuredClone(plan);
  delete nob.targets[1].baseline;
  r = await req('PUT', '/api/v1/missions/api-test/plan', { body: JSON.stringify(nob), token: true });
  assert.equal(r.status, 422);
  assert.equal(r.json.error.path, 'plan.targets[1].baseline');
  r = await req('PUT', '/api/v1/missions/api-test/plan', { body: '{"mission": ', token: true });
  assert.equal(r.status, 400);
  assert.match(r.json.error.path, /^body:1:\d+$/);
  const v = await req('GET', '/api/v1/missions/api-test', { token: true });
  assert.equal(v.json.mission.plan_version, 1);
});

test('unpublished missions are private', async () => {
  let r = await req('GET', '/api/v1/missions');
  assert.ok(!r.json.missions.some((m) => m.id === 'api-test'));
  r = await req('GET', '/api/v1/missions/api-test/status');
  assert.equal(r.status, 404);
  r = await req('GET', '/api/v1/metrics/api-rate/observations');
  assert.equal(r.status, 404);
  r = await req('POST', '/api/v1/missions/api-test/publish', { token: true });
  assert.equal(r.status, 200);
  r = await req('GET', '/api/v1/missions');
  assert.ok(r.json.missions.some((m) => m.id === 'api-test' && m.published));
});

test('a bad CSV is refused with file:line:column and nothing is written', async () => {
  const bad = 'period,value,place\n2020,20,\n2021,abc,\n';
  let r = await req('POST', '/api/v1/metrics/api-rate/observations', { body: bad, token: true });
  assert.equal(r.status, 422);
  assert.equal(r.json.error.path, 'body:3:2');
  r = await req('POST', '/api/v1/metrics/api-rate/observations',
    { body: 'period,value\n2020,1\n2020,2\n', token: true });
  assert.equal(r.status, 409);
  assert.match(r.json.error.message, /duplicate/);
  r = await req('POST', '/api/v1/metrics/api-rate/observations',
    { body: 'period,value\n2020-13,1\n', token: true });
  assert.equal(r.status, 422);
  assert.equal(r.json.error.path, 'body:2:1');
  r = await req('GET', '/api/v1/metrics/api-rate/observations?breakdown=all');
  assert.equal(r.json.observations.length, 0);
});

test('observations import, then a revision keeps the old value', async () => {
  let r = await req('POST', '/api/v1/metrics/api-rate/observations?source=first', { body: csv, token: true });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.inserted, 12);
  r = await req('POST', '/api/v1/metrics/api-rate/observations?source=first', { body: csv, token: true });
  assert.equal(r.json.unchanged, 12);
  r = await req('POST', '/api/v1/metrics/api-rate/observations?source=second',
    { body: 'period,value\n2023,17\n', token: true });
  assert.equal(r.json.unchanged, 1);
  r = await req('POST', '/api/v1/metrics/api-rate/observations?source=revised',
    { body: 'period,value\n2023,16.5\n', token: true });
  assert.equal(r.json.revised, 1);
  r = await req('GET', '/api/v1/metrics/api-rate/observations?history=1');
  const o = r.json.observations.find((x) => x.period === '2023');
  assert.equal(o.value, 16.5);
  assert.equal(o.source, 'revised');
  assert.equal(o.revisions.length, 1);
  assert.equal(o.revisions[0].value, 17);
  assert.equal(o.revisions[0].source, 'first');
  // Put the straight line back for the status test (a second revision).
  r = await req('POST', '/api/v1/metrics/api-rate/observations?source=revised-back', { body: 'period,value\n2023,17\n', token: true });
  assert.equal(r.json.revised, 1);
  const m = await req('GET', '/api/v1/metrics/api-rate');
  assert.deepEqual(m.json.breakdowns, [{ kind: 'place', values: ['North', 'South'] }]);
  const c = await req('GET', '/api/v1/metrics/api-rate/observations.csv');
  assert.equal(c.status, 200);
  assert.match(c.headers.get('content-type'), /text\/csv/);
  assert.equal(c.text.split('\n')[0], 'period,value,lower,upper,n,place,source,recorded_at');
  assert.match(c.text, /\n2023,17,,,,,revised-back,/);
});

test('status: a perfect straight line is forecast exactly, with a zero-width interval', async () => {
  const r = await req('GET', '/api/v1/missions/api-test/status');
  assert.equal(r.status, 200);
  const t = r.json.targets.find((x) => x.id === 'halve');
  assert.deepEqual(t.latest, { period: '2023', value: 17 });
  // 20 - 1/year: at 2030 (10 years after 2020, in days/365.25) the line gives 10 - tiny calendar drift.
  const years = (Date.UTC(2030, 0, 1) - Date.UTC(2020, 0, 1)) / 86400000 / 365.25;
  const t2023 = (Date.UTC(2023, 0, 1) - Date.UTC(2020, 0, 1)) / 86400000 / 365.25;
  // OLS through (t_i, 20 - i): slope/intercept from the exact t_i.
  const ts = [0, 1, 2, 3].map((i) => (Date.UTC(2020 + i, 0, 1) - Date.UTC(2020, 0, 1)) / 86400000 / 365.25);
  const ys = [20, 19, 18, 17];
  const tb = ts.reduce((a, b) => a + b) / 4, yb = ys.reduce((a, b) => a + b) / 4;
  const sxy = ts.reduce((a, t, i) => a + (t - tb) * (ys[i] - yb), 0);
  const sxx = ts.reduce((a, t) => a + (t - tb) ** 2, 0);
  const slope = sxy / sxx, icpt = yb - slope * tb;
  assert.ok(Math.abs(t.forecast.mean - (icpt + slope * years)) < 1e-9);
  assert.equal(t.forecast.n, 4);
  assert.equal(t.direction, 'lower');
  assert.ok(Math.abs(t.trajectory_value - (20 - 10 * t2023 / years)) < 1e-9);
  assert.ok(['green', 'amber_green', 'amber_red', 'red'].includes(t.rating));
  const f = r.json.targets.find((x) => x.id === 'floor');
  assert.equal(f.kind, 'floor');
  assert.deepEqual(f.below_floor.map((b) => b.breakdown), ['North']);
  assert.equal(f.below_floor[0].latest.value, 23);
  assert.ok(!('below_floor' in t));
});

test('status with fewer than 3 observations has a null forecast and a reason', async () => {
  const r = await req('GET', '/api/v1/missions/api-test/status?as_of=2021');
  const t = r.json.targets.find((x) => x.id === 'halve');
  assert.equal(r.json.as_of, '2021');
  assert.equal(t.forecast, null);
  assert.match(t.forecast_reason, /3/);
  const bad = await req('GET', '/api/v1/missions/api-test/status?as_of=21');
  assert.equal(bad.status, 422);
});

test('rebaselining needs a reason and keeps the previous version', async () => {
  const moved = structuredClone(plan);
  moved.targets[0].target = { period: '2032', value: 10 };
  let r = await req('PUT', '/api/v1/missions/api-test/plan', { body: JSON.stringify(moved), token: true });
  assert.equal(r.status, 422);
  assert.match(r.json.error.message, /rebaseline/);
  r = await req('PUT', '/api/v1/missions/api-test/plan?reason=' + encodeURIComponent('Spending review moved the date'),
    { body: JSON.stringify(moved), token: true });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.rebaselined, ['halve']);
  r = await req('GET', '/api/v1/missions/api-test/status');
  const t = r.json.targets.find((x) => x.id === 'halve');
  assert.equal(t.rebaselined, true);
  assert.equal(t.rebaseline.reason, 'Spending review moved the date');
  assert.deepEqual(t.rebaseline.previous.target, { period: '2030', value: 10 });
  assert.deepEqual(t.target, { period: '2032', value: 10 });
});

test('request bodies and JSON depth are bounded', async () => {
  const deep = '['.repeat(100) + ']'.repeat(100);
  let r = await req('PUT', '/api/v1/missions/api-test/plan', { body: deep, token: true });
  assert.equal(r.status, 413);
  const big = 'x'.repeat(9 * 1024 * 1024);
  r = await req('POST', '/api/v1/metrics/api-rate/observations', { body: big, token: true });
  assert.equal(r.status, 413);
});

test('unknown endpoints are 404 and wrong methods 405, as JSON', async () => {
  let r = await req('GET', '/api/v1/nothing');
  assert.equal(r.status, 404);
  assert.equal(r.json.error.code, 'not_found');
  r = await req('DELETE', '/api/v1/missions');
  assert.equal(r.status, 405);
  r = await req('GET', '/api/v1/missions/no-such/status');
  assert.equal(r.status, 404);
});

test('the CLI and the API give the same status document', async () => {
  const cli = execFileSync(process.env.GAMEPLAN_BIN,
    ['status', 'api-test', '--json', '--db', process.env.GAMEPLAN_DB]).toString();
  const api = await req('GET', '/api/v1/missions/api-test/status');
  assert.equal(cli, api.text);
});

test('the example missions load through the API', async () => {
  const p = readFileSync(`${process.env.EXAMPLES}/missions/opioid-deaths.json`, 'utf8');
  const r = await req('PUT', '/api/v1/missions/opioid-deaths/plan', { body: p, token: true });
  assert.equal(r.status, 201, r.text);
});

test('simulate and optimise a game plan; runs with a token are stored with their plan version', async () => {
  const plan = readFileSync(`${process.env.EXAMPLES}/../tests/reference/sim_plan.json`, 'utf8');
  const id = JSON.parse(plan).mission.id;
  let r = await req('PUT', `/api/v1/missions/${id}/plan`, { body: plan, token: true });
  assert.ok(r.status === 201 || r.status === 200, r.text);
  r = await req('POST', `/api/v1/missions/${id}/simulate`, { body: '{"draws": 1000}' });
  assert.equal(r.status, 404, 'unpublished: visitors cannot run it');
  r = await req('POST', `/api/v1/missions/${id}/publish`, { token: true });
  r = await req('POST', `/api/v1/missions/${id}/simulate`, { body: '{"draws": 100000}' });
  assert.equal(r.status, 422);
  assert.equal(r.json.error.path, 'body.draws');
  r = await req('POST', `/api/v1/missions/${id}/simulate`, { body: '{"draws": 2000, "seed": 3}' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.draws, 2000);
  assert.equal(r.json.plan_version, 1);
  for (const t of r.json.targets) {
    assert.ok(t.p_meet >= 0 && t.p_meet <= 1);
    assert.ok(t.quantiles.p5 <= t.quantiles.p50 && t.quantiles.p50 <= t.quantiles.p95);
  }
  // The same seed gives the same document.
  const again = await req('POST', `/api/v1/missions/${id}/simulate`, { body: '{"draws": 2000, "seed": 3}' });
  assert.equal(again.text, r.text);
  r = await req('GET', `/api/v1/missions/${id}/simulation`);
  assert.equal(r.status, 404, 'visitor runs are not stored');
  r = await req('POST', `/api/v1/missions/${id}/simulate`, { body: '{"draws": 3000, "seed": 3}', token: true });
  assert.equal(r.status, 200);
  const stored = await req('GET', `/api/v1/missions/${id}/simulation`);
  assert.equal(stored.status, 200);
  assert.equal(stored.json.draws, 3000);
  assert.equal(stored.json.plan_version, 1);
  assert.equal(stored.json.current_plan_version, 1);
  r = await req('POST', `/api/v1/missions/${id}/simulate`, { body: '{"draws": 100, "colour": 1}' });
  assert.equal(r.status, 422);
  assert.equal(r.json.error.path, 'body.colour');
  r = await req('POST', `/api/v1/missions/${id}/simulate`, { body: '{"draws": 0}' });
  assert.equal(r.status, 422);
  const target = JSON.parse(plan).targets[0].id;
  r = await req('POST', `/api/v1/missions/${id}/optimise`, { body: JSON.stringify({ draws: 1000, budget: -1, target }) });
  assert.equal(r.status, 422);
  assert.equal(r.json.error.path, 'body.budget');
  r = await req('POST', `/api/v1/missions/${id}/optimise`, { body: JSON.stringify({ draws: 1000, budget: 1e9, target }) });
  assert.equal(r.status, 200, r.text);
  assert.ok(Array.isArray(r.json.chosen));
  const v = await req('GET', `/api/v1/missions/${id}/plan/versions`);
  assert.equal(v.json.versions.length, 1);
  assert.equal(v.json.versions[0].version, 1);
});
