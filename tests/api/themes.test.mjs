// API tests of theme sets (started by tests/api/run.sh): themes of free text
// (`synthesise`) kept and linked to a mission's assumptions and to
// conversations. A small plan (mission "themes-m", assumptions a1 and a2,
// unpublished) is PUT; the committed fixture export
// tests/reference/data/delib_small is imported as conversation "themes-talk"
// linked to assumption a2 (statements 0-4 approved). The themes the API
// finds in the conversation are checked against `gameplan synthesise` run on
// a CSV file of the same approved statements (the file path of the CLI).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BASE = process.env.BASE_URL;
const TOKEN = process.env.GAMEPLAN_TOKEN;
const BIN = process.env.GAMEPLAN_BIN;
const DB = process.env.GAMEPLAN_DB;
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const FIXTURE = join(root, 'tests/reference/data/delib_small');
const M = 'themes-m';
const CONV = 'themes-talk';

async function req(method, path, { body, token = false } = {}) {
  const headers = {};
  if (token) headers.Authorization = `Bearer ${TOKEN}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(BASE + path, {
    method, headers, body: body === undefined ? undefined : (typeof body === 'string' ? body : JSON.stringify(body)),
  });
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, json, text };
}

// Four answers about buses, four about housing.
const ANSWERS = [
  'The buses are late and the bus stops are dirty',
  'Housing rents are too high for young families',
  'Bus fares are too high and buses are late',
  'Affordable housing and lower rents for families',
  'More buses at night, the late bus is always full',
  'Build more social housing, rents keep rising',
  'Bus drivers are kind but the buses are late',
  'Families cannot pay the rents, we need housing',
];

before(async () => {
  const plan = {
    mission: { id: M, title: 'Themes test mission', start: '2025', horizon: '2030' },
    metrics: [{ id: `${M}-metric`, name: 'M', unit: '%', direction: 'higher' }],
    nodes: [
      { id: 'act', kind: 'activity', label: 'Do it' },
      { id: 'out', kind: 'outcome', label: 'Result', metric: `${M}-metric` },
    ],
    edges: [{ from: 'act', to: 'out', effect: 1, evidence: 2 }],
    assumptions: [
      { id: 'a1', text: 'People want buses', on: 'node:act', importance: 3, evidence: 2, status: 'untested' },
      { id: 'a2', text: 'Answers change decisions', on: 'edge:act->out', importance: 4, evidence: 1, status: 'untested' },
    ],
  };
  const r = await req('PUT', `/api/v1/missions/${M}/plan`, { body: plan, token: true });
  assert.equal(r.status, 201, r.text);
  execFileSync(BIN, ['deliberation', 'import', FIXTURE, '--id', CONV, '--mission', M,
    '--assumption', 'a2', '--db', DB], { stdio: 'pipe' });
});

test('POST conversation themes: 401 without a token, 404 for an unknown conversation, 422 for a bad k', async () => {
  let r = await req('POST', `/api/v1/conversations/${CONV}/themes`, { body: {} });
  assert.equal(r.status, 401);
  r = await req('GET', `/api/v1/conversations/${CONV}/themes`);
  assert.equal(r.status, 200);
  assert.deepEqual(r.json, { theme_sets: [] }, 'nothing was written without a token');
  r = await req('POST', '/api/v1/conversations/no-such-talk/themes', { body: {}, token: true });
  assert.equal(r.status, 404);
  r = await req('GET', '/api/v1/conversations/no-such-talk/themes');
  assert.equal(r.status, 404);
  r = await req('POST', `/api/v1/conversations/${CONV}/themes`, { body: { k: 99 }, token: true });
  assert.equal(r.status, 422);
  assert.equal(r.json.error.path, 'body.k');
  r = await req('POST', `/api/v1/conversations/${CONV}/themes`, { body: { k: 'many' }, token: true });
  assert.equal(r.status, 422);
  assert.equal(r.json.error.path, 'body.k');
  r = await req('POST', `/api/v1/conversations/${CONV}/themes`, { body: { colour: 1 }, token: true });
  assert.equal(r.status, 422);
  assert.equal(r.json.error.path, 'body.colour');
});

test('POST conversation themes: 201, the approved statements, linked; the same themes as synthesise FILE.csv', async () => {
  const r = await req('POST', `/api/v1/conversations/${CONV}/themes`, { body: { k: 2, seed: 3 }, token: true });
  assert.equal(r.status, 201, r.text);
  const set = r.json;
  assert.equal(typeof set.id, 'number');
  assert.equal(set.conversation, CONV);
  assert.equal(set.mission, M);
  assert.equal(set.assumption, 'a2');
  assert.equal(set.source, `conversation:${CONV}`);
  assert.equal(set.documents, 5, 'statements 0-4 are approved, 5 rejected, 6 pending');
  assert.equal(set.k, 2);
  assert.equal(set.themes.k, 2);
  assert.equal(set.themes.seed, 3);
  // the statements, as the conversation lists them
  const conv = await req('GET', `/api/v1/conversations/${CONV}`, { token: true });
  const byId = new Map(conv.json.statements.map((s) => [s.id, s.text]));
  assert.equal(byId.size, 5);
  for (const th of set.themes.themes)
    for (const rep of th.representative) assert.equal(rep.text, byId.get(rep.statement));
  // the same statements through the file path of the CLI give the same themes
  const tmp = fs.mkdtempSync(join(os.tmpdir(), 'gp-themes-'));
  const csv = join(tmp, 'statements.csv');
  const ids = [...byId.keys()].sort((a, b) => a - b);
  fs.writeFileSync(csv, 'id,text\n' + ids.map((i) => `${i},"${byId.get(i)}"`).join('\n') + '\n');
  const doc = JSON.parse(execFileSync(BIN, ['synthesise', csv, '--text', 'text', '--k', '2', '--seed', '3', '--json'], { encoding: 'utf8' }));
  fs.rmSync(tmp, { recursive: true });
  assert.equal(doc.k, set.themes.k);
  assert.equal(doc.themed, set.themes.themed);
  assert.deepEqual(doc.themes.map((t) => [t.size, t.terms]), set.themes.themes.map((t) => [t.size, t.terms]));
  assert.deepEqual(doc.themes.map((t) => t.representative.map((x) => ids[x.row - 1])),
    set.themes.themes.map((t) => t.representative.map((x) => x.statement)));
});

test('GET conversation themes: newest first; a visitor does not learn the unpublished mission', async () => {
  const r2 = await req('POST', `/api/v1/conversations/${CONV}/themes`, { token: true });
  assert.equal(r2.status, 201, 'an empty body is allowed');
  let r = await req('GET', `/api/v1/conversations/${CONV}/themes`, { token: true });
  assert.equal(r.status, 200);
  assert.ok(r.json.theme_sets.length >= 2);
  assert.equal(r.json.theme_sets[0].id, r2.json.id);
  const ids = r.json.theme_sets.map((s) => s.id);
  assert.deepEqual(ids, [...ids].sort((a, b) => b - a));
  assert.equal(r.json.theme_sets[0].mission, M);
  r = await req('GET', `/api/v1/conversations/${CONV}/themes`);
  assert.equal(r.status, 200);
  for (const s of r.json.theme_sets) {
    assert.equal(s.mission, null);
    assert.equal(s.assumption, null);
    assert.equal(s.conversation, CONV);
  }
  assert.ok(!r.text.includes(M), 'the unpublished mission is not named');
});

test('POST mission themes: 401, 201 linked to an assumption, errors with the place and nothing written', async () => {
  const body = { assumption: 'a1', source: 'survey.csv', texts: ANSWERS, k: 2 };
  let r = await req('POST', `/api/v1/missions/${M}/themes`, { body });
  assert.equal(r.status, 401);
  const before = (await req('GET', `/api/v1/missions/${M}/themes`, { token: true })).json.theme_sets.length;

  r = await req('POST', `/api/v1/missions/${M}/themes`, { body: { ...body, assumption: 'zz' }, token: true });
  assert.equal(r.status, 404);
  assert.equal(r.json.error.path, 'body.assumption');
  r = await req('POST', '/api/v1/missions/no-such-mission/themes', { body, token: true });
  assert.equal(r.status, 404);
  r = await req('POST', `/api/v1/missions/${M}/themes`, { body: { ...body, texts: ['a', 'b', 'c', 4] }, token: true });
  assert.equal(r.status, 422);
  assert.equal(r.json.error.path, 'body.texts[3]');
  r = await req('POST', `/api/v1/missions/${M}/themes`, { body: { ...body, texts: [] }, token: true });
  assert.equal(r.status, 422);
  assert.equal(r.json.error.path, 'body.texts');
  r = await req('POST', `/api/v1/missions/${M}/themes`, { body: { source: 'x' }, token: true });
  assert.equal(r.status, 422);
  assert.equal(r.json.error.path, 'body.texts');
  r = await req('POST', `/api/v1/missions/${M}/themes`, { body: { texts: ANSWERS }, token: true });
  assert.equal(r.status, 422);
  assert.equal(r.json.error.path, 'body.source');
  r = await req('POST', `/api/v1/missions/${M}/themes`, { body: { ...body, texts: ['ok', 'x'.repeat(10001)] }, token: true });
  assert.equal(r.status, 413);
  assert.equal(r.json.error.path, 'body.texts[1]');
  r = await req('POST', `/api/v1/missions/${M}/themes`, { body: '{"texts": [', token: true });
  assert.equal(r.status, 400);
  r = await req('GET', `/api/v1/missions/${M}/themes`, { token: true });
  assert.equal(r.json.theme_sets.length, before, 'nothing was written');

  r = await req('POST', `/api/v1/missions/${M}/themes`, { body, token: true });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.mission, M);
  assert.equal(r.json.assumption, 'a1');
  assert.equal(r.json.conversation, null);
  assert.equal(r.json.source, 'survey.csv');
  assert.equal(r.json.documents, 8);
  assert.equal(r.json.k, 2);
  // the two themes are the two topics, four answers each
  for (const th of r.json.themes.themes) {
    assert.equal(th.size, 4);
    const bus = (t) => /bus/i.test(t);
    const first = bus(th.representative[0].text);
    for (const rep of th.representative) {
      assert.equal(bus(rep.text), first);
      assert.equal(rep.text, ANSWERS[rep.row - 1]);
    }
  }
});

test('GET mission themes: token or published; ?assumption= filters', async () => {
  let r = await req('GET', `/api/v1/missions/${M}/themes`);
  assert.equal(r.status, 404, 'unpublished: private');
  r = await req('GET', `/api/v1/missions/${M}/themes`, { token: true });
  assert.equal(r.status, 200);
  const all = r.json.theme_sets;
  assert.ok(all.some((s) => s.assumption === 'a1' && s.conversation === null));
  assert.ok(all.some((s) => s.assumption === 'a2' && s.conversation === CONV));
  r = await req('GET', `/api/v1/missions/${M}/themes?assumption=a1`, { token: true });
  assert.ok(r.json.theme_sets.length >= 1);
  assert.ok(r.json.theme_sets.every((s) => s.assumption === 'a1'));
  r = await req('GET', `/api/v1/missions/${M}/themes?assumption=a2`, { token: true });
  assert.ok(r.json.theme_sets.every((s) => s.assumption === 'a2' && s.conversation === CONV));
  r = await req('POST', `/api/v1/missions/${M}/publish`, { token: true });
  assert.equal(r.status, 200);
  r = await req('GET', `/api/v1/missions/${M}/themes`);
  assert.equal(r.status, 200);
  assert.equal(r.json.theme_sets.length, all.length);
  r = await req('GET', `/api/v1/conversations/${CONV}/themes`);
  assert.equal(r.json.theme_sets[0].mission, M, 'published: the visitor sees the link');
  assert.equal(r.json.theme_sets[0].assumption, 'a2');
});

test('synthesise --mission stores through the CLI; a bad assumption writes nothing', () => {
  const tmp = fs.mkdtempSync(join(os.tmpdir(), 'gp-themes-'));
  const csv = join(tmp, 'answers.csv');
  fs.writeFileSync(csv, 'answer\n' + ANSWERS.map((a) => `"${a}"`).join('\n') + '\n');
  const count = () => JSON.parse(execFileSync(BIN, ['synthesise', '--conversation', CONV, '--db', DB, '--json'], { encoding: 'utf8' })).id;
  const id0 = count();
  assert.throws(() => execFileSync(BIN, ['synthesise', csv, '--text', 'answer', '--mission', M, '--assumption', 'zz', '--db', DB], { stdio: 'pipe' }),
    (e) => e.status === 2 && /--assumption/.test(String(e.stderr)));
  const out = JSON.parse(execFileSync(BIN, ['synthesise', csv, '--text', 'answer', '--k', '2', '--mission', M, '--assumption', 'a1', '--db', DB, '--json'], { encoding: 'utf8' }));
  assert.equal(out.id, id0 + 1, 'the refused run stored nothing');
  assert.equal(out.mission, M);
  assert.equal(out.assumption, 'a1');
  assert.equal(out.source, csv);
  assert.equal(out.themes.file, csv);
  assert.equal(out.themes.k, 2);
  fs.rmSync(tmp, { recursive: true });
});
