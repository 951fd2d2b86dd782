// API tests of the unit-data scan endpoints (started by tests/api/run.sh):
// the schools walk-through data (Hampshire's Key Stage 2 results, 2018-19)
// is loaded through the CLI into the test database, the mission published,
// and GET /metrics/{id}/scan, /peers and /units/{unit} are checked for their
// shape, for visibility, and for agreeing with `gameplan scan --json` and
// `gameplan peers --json` (the same app-layer code serves both).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BASE = process.env.BASE_URL;
const TOKEN = process.env.GAMEPLAN_TOKEN;
const BIN = process.env.GAMEPLAN_BIN;
const DB = process.env.GAMEPLAN_DB;
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const csvCandidates = [
  process.env.SCHOOLS,
  join(root, 'examples/schools/hampshire_850_2018-19_ks2final.csv'),
  '/work/shared/data/schools/hampshire_850_2018-19_ks2final.csv',
].filter(Boolean);
const CSV = csvCandidates.find((p) => existsSync(p));
const METRIC = 'ks2-reading-progress';

async function req(path, { token = false } = {}) {
  const res = await fetch(BASE + path, { headers: token ? { Authorization: `Bearer ${TOKEN}` } : {} });
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, json, text };
}

function cli(...args) {
  return execFileSync(BIN, [...args, '--db', DB], { encoding: 'utf8' });
}

before(() => {
  assert.ok(CSV, `the schools CSV: set SCHOOLS or add one of ${csvCandidates.join(', ')}`);
  cli('plan', 'apply', join(root, 'examples/schools/ks2-progress.json'));
  cli('import', 'unit-data', CSV, '--metric', METRIC, '--period', '2018/19', '--where', 'RECTYPE=1',
    '--unit', 'URN', '--name', 'SCHNAME', '--parent', 'TOWN', '--unit-type', 'school',
    '--value', 'READPROG', '--lower', 'READPROG_LOWER', '--upper', 'READPROG_UPPER',
    '--covariates', 'PTFSM6CLA1A,PTEALGRP2,TKS1AVERAGE');
  cli('scan', '--metric', METRIC, '--adjust', 'PTFSM6CLA1A');
});

test('scans of an unpublished mission are private', async () => {
  let r = await req(`/api/v1/metrics/${METRIC}/scan`);
  assert.equal(r.status, 404, r.text);
  r = await req(`/api/v1/metrics/${METRIC}/units/115911`);
  assert.equal(r.status, 404, r.text);
  r = await req(`/api/v1/metrics/${METRIC}/scan`, { token: true });
  assert.equal(r.status, 200, r.text);
  const p = await fetch(`${BASE}/api/v1/missions/ks2-progress/publish`,
    { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}` } });
  assert.equal(p.status, 200);
});

test('the scan document has the contract shape and agrees with the CLI', async () => {
  const r = await req(`/api/v1/metrics/${METRIC}/scan?adjust=PTFSM6CLA1A`);
  assert.equal(r.status, 200, r.text);
  const d = r.json;
  for (const k of ['metric', 'period', 'type', 'target', 'phi', 'tau2', 'units', 'funnel'])
    assert.ok(k in d, `member ${k}`);
  assert.equal(d.metric, METRIC);
  assert.equal(d.period, '2018/19');
  assert.equal(d.type, 'score');
  assert.equal(d.units.length, 309, 'the 309 schools with a value are scanned');
  const u = d.units[0];
  for (const k of ['unit', 'name', 'observed', 'expected', 'indicator', 'se', 'z', 'limits', 'flag',
    'q_value', 'shrunk', 'persistence'])
    assert.ok(k in u, `unit member ${k}`);
  assert.deepEqual(Object.keys(u.limits).sort(), ['95', '99.8']);
  assert.ok(d.funnel.length > 10 && Array.isArray(d.funnel[0].limits['95']));
  // the walk-through's figures (docs/methods/scan.md)
  assert.ok(Math.abs(d.phi - 2.786) < 0.001, `phi ${d.phi}`);
  const count = (lv, f) => d.units.filter((x) => x.flag[lv] === f).length;
  assert.deepEqual([count('95', 'high'), count('95', 'low'), count('99.8', 'high'), count('99.8', 'low')],
    [23, 18, 5, 0]);
  // the same document as the CLI's --json
  const c = JSON.parse(cli('scan', '--metric', METRIC, '--adjust', 'PTFSM6CLA1A', '--no-save', '--json'));
  assert.equal(c.units.length, d.units.length);
  assert.equal(d.phi, c.phi);
  assert.equal(d.tau2, c.tau2);
  const byId = new Map(c.units.map((x) => [x.unit, x]));
  for (const x of d.units) {
    const y = byId.get(x.unit);
    assert.ok(y, x.unit);
    assert.deepEqual(x.flag, y.flag, `flags of ${x.unit}`);
    assert.deepEqual(x.limits, y.limits, `limits of ${x.unit}`);
    assert.equal(x.q_value, y.q_value, `q of ${x.unit}`);
  }
  assert.deepEqual(d.funnel, c.funnel);
});

test('without options the API uses the saved scan\'s options', async () => {
  const a = await req(`/api/v1/metrics/${METRIC}/scan`);
  const b = await req(`/api/v1/metrics/${METRIC}/scan?adjust=PTFSM6CLA1A`);
  assert.equal(a.status, 200, a.text);
  assert.deepEqual(a.json.adjust, b.json.adjust);
  assert.equal(a.json.phi, b.json.phi);
  const un = await req(`/api/v1/metrics/${METRIC}/scan?adjust=&overdispersion=none`);
  assert.equal(un.status, 200, un.text);
  assert.notEqual(un.json.phi, a.json.phi, 'explicit options override the saved ones');
});

test('scan options are checked and errors name the parameter', async () => {
  let r = await req(`/api/v1/metrics/${METRIC}/scan?type=proportion`);
  assert.equal(r.status, 422, r.text);
  assert.match(r.text, /type/);
  r = await req(`/api/v1/metrics/${METRIC}/scan?adjust=NOPE`);
  assert.equal(r.status, 422, r.text);
  assert.match(r.text, /NOPE/);
  r = await req(`/api/v1/metrics/${METRIC}/scan?limits=150`);
  assert.equal(r.status, 422, r.text);
  r = await req(`/api/v1/metrics/${METRIC}/scan?period=2001`);
  assert.equal(r.status, 404, r.text);
  r = await req(`/api/v1/metrics/${METRIC}/scan?limits=90,99&overdispersion=multiplicative&fdr=0.1`);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(Object.keys(r.json.units[0].flag).sort(), ['90', '99']);
  r = await req('/api/v1/metrics/no-such-metric/scan');
  assert.equal(r.status, 404, r.text);
});

test('peers agree with the CLI', async () => {
  const q = 'unit=116162&k=8&on=PTFSM6CLA1A,PTEALGRP2,TKS1AVERAGE';
  const r = await req(`/api/v1/metrics/${METRIC}/peers?${q}`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.unit, '116162');
  assert.equal(r.json.peers.length, 8);
  const c = JSON.parse(cli('peers', '--metric', METRIC, '--unit', '116162', '--k', '8',
    '--on', 'PTFSM6CLA1A,PTEALGRP2,TKS1AVERAGE', '--json'));
  assert.deepEqual(r.json, c);
  assert.ok(r.json.better.includes('116079'), 'Red Barn is a peer that does better');
  let e = await req(`/api/v1/metrics/${METRIC}/peers`);
  assert.equal(e.status, 422, e.text);
  e = await req(`/api/v1/metrics/${METRIC}/peers?unit=nope`);
  assert.equal(e.status, 404, e.text);
  e = await req(`/api/v1/metrics/${METRIC}/peers?unit=116162&on=NOPE`);
  assert.equal(e.status, 422, e.text);
});

test('the periods with unit data, and the covariates', async () => {
  const r = await req(`/api/v1/metrics/${METRIC}/units`);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json, {
    metric: METRIC, periods: ['2018/19'],
    latest: { period: '2018/19', units: 315, covariates: ['PTFSM6CLA1A', 'PTEALGRP2', 'TKS1AVERAGE'] },
  });
  const none = await req('/api/v1/metrics/ks2-writing-progress/units');
  assert.equal(none.status, 200, none.text);
  assert.deepEqual(none.json.periods, []);
  assert.equal(none.json.latest, null);
});

test('a unit\'s history carries the saved scan\'s flag', async () => {
  const r = await req(`/api/v1/metrics/${METRIC}/units/115911`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.unit, '115911');
  assert.equal(r.json.name, 'Trosnant Junior School');
  assert.equal(r.json.type, 'school');
  assert.equal(r.json.history.length, 1);
  const h = r.json.history[0];
  assert.equal(h.period, '2018/19');
  assert.equal(h.value, 3.5);
  assert.equal(h.scanned, true);
  assert.equal(h.flag, 'high');
  assert.ok(Math.abs(h.indicator - 5.693) < 0.001, `indicator ${h.indicator}`);
  const e = await req(`/api/v1/metrics/${METRIC}/units/nope`);
  assert.equal(e.status, 404, e.text);
});
