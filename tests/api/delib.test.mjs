// API tests of the conversation endpoints (started by tests/api/run.sh): the
// committed fixture export tests/reference/data/delib_small (20 participants
// in two blocs, statements 0-4 approved, 5 rejected, 6 pending) is imported
// through the CLI; then a participant (a cookie jar of one "gp_pid") takes
// part, adds statements, the team moderates, and the results are checked
// against `gameplan deliberation analyse ID --json` (the same engine).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BASE = process.env.BASE_URL;
const TOKEN = process.env.GAMEPLAN_TOKEN;
const BIN = process.env.GAMEPLAN_BIN;
const DB = process.env.GAMEPLAN_DB;
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const FIXTURE = join(root, 'tests/reference/data/delib_small');
const CONV = 'buses';

function cli(...args) {
  return execFileSync(BIN, [...args, '--db', DB], { encoding: 'utf8' });
}

// A participant: remembers the gp_pid cookie the server sets.
function participant() {
  let cookie = null;
  const p = {
    setCookies: [],
    async req(method, path, { body, token = false } = {}) {
      const headers = {};
      if (cookie) headers.Cookie = cookie;
      if (token) headers.Authorization = `Bearer ${TOKEN}`;
      if (body !== undefined) headers['Content-Type'] = 'application/json';
      const res = await fetch(BASE + path, {
        method, headers, body: body === undefined ? undefined : (typeof body === 'string' ? body : JSON.stringify(body)),
      });
      const sc = res.headers.get('set-cookie');
      if (sc) {
        p.setCookies.push(sc);
        cookie = sc.split(';')[0];
      }
      const text = await res.text();
      let json = null;
      try { json = JSON.parse(text); } catch { /* not JSON */ }
      return { status: res.status, json, text };
    },
    get cookie() { return cookie; },
  };
  return p;
}

before(() => {
  cli('deliberation', 'import', FIXTURE, '--id', CONV);
});

test('the list and one conversation (approved statements only)', async () => {
  const p = participant();
  let r = await p.req('GET', '/api/v1/conversations');
  assert.equal(r.status, 200);
  const c = r.json.conversations.find((x) => x.id === CONV);
  assert.ok(c);
  assert.equal(c.title, 'Buses in the city centre');
  assert.equal(c.question, "How should the city's buses change?");
  assert.equal(c.participants, 20);
  assert.equal(c.votes, 121);
  r = await p.req('GET', `/api/v1/conversations/${CONV}`);
  assert.equal(r.status, 200);
  assert.deepEqual(r.json.statements.map((s) => s.id), [0, 1, 2, 3, 4]);
  r = await p.req('GET', '/api/v1/conversations/no-such');
  assert.equal(r.status, 404);
  assert.ok(r.json.error);
});

test('a participant gets an HttpOnly SameSite=Lax cookie and votes one statement at a time', async () => {
  const p = participant();
  let r = await p.req('GET', `/api/v1/conversations/${CONV}/next`);
  assert.equal(r.status, 200);
  assert.equal(p.setCookies.length, 1);
  const sc = p.setCookies[0];
  assert.match(sc, /^gp_pid=[0-9a-f]{32};/);
  assert.match(sc, /HttpOnly/);
  assert.match(sc, /SameSite=Lax/);
  assert.equal(r.json.remaining, 5);
  assert.equal(r.json.voted, 0);
  const seen = new Set();
  for (let k = 0; k < 5; k++) {
    r = await p.req('GET', `/api/v1/conversations/${CONV}/next`);
    assert.equal(r.status, 200);
    const s = r.json.statement;
    assert.ok(s, 'a statement');
    assert.ok(!seen.has(s.id), 'not shown again once voted');
    seen.add(s.id);
    r = await p.req('POST', `/api/v1/conversations/${CONV}/votes`, { body: { statement: s.id, vote: k % 2 ? 1 : -1 } });
    assert.equal(r.status, 201, r.text);
  }
  assert.equal(p.setCookies.length, 1, 'the cookie is set once');
  r = await p.req('GET', `/api/v1/conversations/${CONV}/next`);
  assert.equal(r.json.statement, null);
  assert.equal(r.json.remaining, 0);
  assert.equal(r.json.voted, 5);
  // the latest vote counts: voting again is accepted
  r = await p.req('POST', `/api/v1/conversations/${CONV}/votes`, { body: { statement: 0, vote: 0 } });
  assert.equal(r.status, 201);
});

test('bad votes are refused with the place named', async () => {
  const p = participant();
  let r = await p.req('POST', `/api/v1/conversations/${CONV}/votes`, { body: { statement: 0, vote: 2 } });
  assert.equal(r.status, 422);
  assert.equal(r.json.error.path, 'body.vote');
  r = await p.req('POST', `/api/v1/conversations/${CONV}/votes`, { body: { statement: 5, vote: 1 } });
  assert.equal(r.status, 404, 'a rejected statement takes no votes');
  r = await p.req('POST', `/api/v1/conversations/${CONV}/votes`, { body: { statement: 0, vote: 1, extra: 1 } });
  assert.equal(r.status, 422);
  r = await p.req('POST', `/api/v1/conversations/${CONV}/votes`, { body: '{"statement": 0,' });
  assert.equal(r.status, 400);
  r = await p.req('POST', '/api/v1/conversations/no-such/votes', { body: { statement: 0, vote: 1 } });
  assert.equal(r.status, 404);
});

test('statements: moderated before they are shown; over 280 characters refused; rate-limited', async () => {
  const p = participant();
  let r = await p.req('POST', `/api/v1/conversations/${CONV}/statements`, { body: { text: 'x'.repeat(281) } });
  assert.equal(r.status, 413);
  assert.equal(r.json.error.path, 'body.text');
  r = await p.req('POST', `/api/v1/conversations/${CONV}/statements`, { body: { text: 'Trams would be better.' } });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.status, 'pending');
  const sid = r.json.id;
  // not shown until approved
  r = await p.req('GET', `/api/v1/conversations/${CONV}`);
  assert.ok(!r.json.statements.some((s) => s.id === sid));
  // moderation needs a token
  r = await p.req('GET', `/api/v1/conversations/${CONV}/moderation`);
  assert.equal(r.status, 401);
  r = await p.req('POST', `/api/v1/conversations/${CONV}/statements/${sid}/moderate`, { body: { status: 'approved' } });
  assert.equal(r.status, 401);
  r = await p.req('GET', `/api/v1/conversations/${CONV}/moderation`, { token: true });
  assert.equal(r.status, 200);
  assert.ok(r.json.pending.some((s) => s.id === sid && s.text === 'Trams would be better.'));
  r = await p.req('POST', `/api/v1/conversations/${CONV}/statements/${sid}/moderate`, { body: { status: 'maybe' }, token: true });
  assert.equal(r.status, 422);
  r = await p.req('POST', `/api/v1/conversations/${CONV}/statements/${sid}/moderate`, { body: { status: 'approved' }, token: true });
  assert.equal(r.status, 200, r.text);
  r = await p.req('GET', `/api/v1/conversations/${CONV}`);
  assert.ok(r.json.statements.some((s) => s.id === sid));
  // the new statement is now one of the candidates the next statement is drawn from
  r = await p.req('GET', `/api/v1/conversations/${CONV}/next`);
  assert.equal(r.json.total, 6);
  assert.equal(r.json.remaining, 6);
  assert.ok([0, 1, 2, 3, 4, sid].includes(r.json.statement.id));
  // five statements a minute per participant: the sixth attempt is refused
  const q = participant();
  for (let k = 0; k < 5; k++) {
    r = await q.req('POST', `/api/v1/conversations/${CONV}/statements`, { body: { text: `Idea ${k}` } });
    assert.equal(r.status, 201, r.text);
  }
  r = await q.req('POST', `/api/v1/conversations/${CONV}/statements`, { body: { text: 'One more' } });
  assert.equal(r.status, 429);
  assert.equal(r.json.error.code, 'too_many_requests');
});

test('results: the analysis of the stored conversation, redone when votes change', async () => {
  const p = participant();
  let r = await p.req('GET', `/api/v1/conversations/${CONV}/results`);
  assert.equal(r.status, 200);
  assert.equal(r.json.ready, true);
  const a = r.json.analysis;
  assert.equal(a.groups.length, 2);
  assert.ok(a.participants.length >= 20);
  const cliDoc = JSON.parse(cli('deliberation', 'analyse', CONV, '--json', '--threads', '1'));
  assert.deepEqual(a.groups.map((g) => g.size), cliDoc.groups.map((g) => g.size));
  assert.deepEqual(a.groups.map((g) => g.representative.map((x) => x.statement)),
    cliDoc.groups.map((g) => g.representative.map((x) => x.statement)));
  const rev = r.json.revision;
  r = await p.req('POST', `/api/v1/conversations/${CONV}/votes`, { body: { statement: 1, vote: 1 } });
  assert.equal(r.status, 201);
  r = await p.req('GET', `/api/v1/conversations/${CONV}/results`);
  assert.equal(r.json.revision, rev + 1);
  assert.equal(r.json.analysis.conversation.vote_events, 121 + 6 + 1);
});

test('a conversation on an unpublished mission does not name it to visitors', async () => {
  const plan = {
    mission: { id: 'secret-plans', title: 'Not yet announced' },
    metrics: [{ id: 'secret-metric', name: 'M', direction: 'higher' }],
  };
  const put = await fetch(`${BASE}/api/v1/missions/secret-plans/plan`, {
    method: 'PUT', headers: { Authorization: `Bearer ${TOKEN}` }, body: JSON.stringify(plan),
  });
  assert.equal(put.status, 201);
  cli('deliberation', 'import', FIXTURE, '--id', 'secret-talk', '--mission', 'secret-plans');
  const p = participant();
  let r = await p.req('GET', '/api/v1/conversations');
  const listed = r.json.conversations.find((c) => c.id === 'secret-talk');
  assert.equal(listed.mission, null);
  assert.ok(!r.text.includes('secret-plans'));
  r = await p.req('GET', '/api/v1/conversations/secret-talk');
  assert.equal(r.json.mission, null);
  r = await p.req('GET', '/api/v1/conversations/secret-talk', { token: true });
  assert.equal(r.json.mission, 'secret-plans');
});

// ---- opening a conversation from scratch (POST /api/v1/conversations) ----------------

// A small plan of a mission (unpublished when created) with two assumptions.
async function putTalkPlan(id) {
  const plan = {
    mission: { id, title: 'Talking it through', start: '2025', horizon: '2030' },
    metrics: [{ id: `${id}-turnout`, name: 'Turnout', unit: '%', direction: 'higher' }],
    nodes: [
      { id: 'act', kind: 'activity', label: 'Hold conversations' },
      { id: 'out', kind: 'outcome', label: 'Turnout', metric: `${id}-turnout` },
    ],
    edges: [{ from: 'act', to: 'out', effect: 1, evidence: 2 }],
    assumptions: [
      { id: 'a1', text: 'People will take part', on: 'node:act', importance: 3, evidence: 2, status: 'untested' },
      { id: 'a2', text: 'Answers change decisions', on: 'edge:act->out', importance: 4, evidence: 1, status: 'untested' },
    ],
  };
  const put = await fetch(`${BASE}/api/v1/missions/${id}/plan`, {
    method: 'PUT', headers: { Authorization: `Bearer ${TOKEN}` }, body: JSON.stringify(plan),
  });
  assert.equal(put.status, 201, await put.text());
}

test('opening a conversation: token required; 201 with the conversation; seeds approved', async () => {
  await putTalkPlan('talk-open');
  const p = participant();
  const body = {
    id: 'talk-1',
    title: 'How should we talk?',
    question: 'What would make you take part?',
    mission: 'talk-open',
    assumption: 'a1',
    statements: ['Evening meetings', 'Online, on my phone', 'Somewhere near me'],
  };
  let r = await p.req('POST', '/api/v1/conversations', { body });
  assert.equal(r.status, 401);
  r = await p.req('GET', '/api/v1/conversations/talk-1');
  assert.equal(r.status, 404, 'nothing was written without a token');
  r = await p.req('POST', '/api/v1/conversations', { body, token: true });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.id, 'talk-1');
  assert.equal(r.json.title, 'How should we talk?');
  assert.equal(r.json.question, 'What would make you take part?');
  assert.equal(r.json.mission, 'talk-open');
  assert.equal(r.json.assumption, 'a1');
  assert.equal(r.json.participants, 0);
  assert.equal(r.json.votes, 0);
  assert.deepEqual(r.json.statements, [
    { id: 0, text: 'Evening meetings' },
    { id: 1, text: 'Online, on my phone' },
    { id: 2, text: 'Somewhere near me' },
  ]);
  // the same document as GET (with the token: the mission is unpublished)
  const created = r.json;
  r = await p.req('GET', '/api/v1/conversations/talk-1', { token: true });
  assert.deepEqual(r.json, created);
  // the seeds are approved: a participant can vote on them at once, none waits for moderation
  r = await p.req('GET', '/api/v1/conversations/talk-1/next');
  assert.equal(r.json.total, 3);
  assert.ok([0, 1, 2].includes(r.json.statement.id));
  r = await p.req('POST', '/api/v1/conversations/talk-1/votes', { body: { statement: r.json.statement.id, vote: 1 } });
  assert.equal(r.status, 201);
  r = await p.req('GET', '/api/v1/conversations/talk-1/moderation', { token: true });
  assert.deepEqual(r.json.pending, []);
  assert.equal(r.json.approved, 3);
  // no seeds, no question, no mission
  r = await p.req('POST', '/api/v1/conversations', { body: { id: 'talk-bare', title: 'Anything else?' }, token: true });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.question, null);
  assert.equal(r.json.mission, null);
  assert.deepEqual(r.json.statements, []);
});

test('opening a conversation: refusals name the field and write nothing', async () => {
  await putTalkPlan('talk-bad');
  const p = participant();
  const post = (body) => p.req('POST', '/api/v1/conversations', { body, token: true });
  let r = await post({ id: 'talk-dup', title: 'First' });
  assert.equal(r.status, 201);
  r = await post({ id: 'talk-dup', title: 'Second', statements: ['x'] });
  assert.equal(r.status, 409);
  assert.equal(r.json.error.path, 'id');
  r = await p.req('GET', '/api/v1/conversations/talk-dup');
  assert.equal(r.json.title, 'First');
  assert.deepEqual(r.json.statements, []);
  const cases = [
    [{ id: '-bad', title: 'T' }, 422, 'id'],
    [{ id: 'a/b', title: 'T' }, 422, 'id'],
    [{ title: 'T' }, 422, 'id'],
    [{ id: 'talk-x', title: '' }, 422, 'title'],
    [{ id: 'talk-x', title: '   ' }, 422, 'title'],
    [{ id: 'talk-x', title: 'T', mission: 'no-such-mission' }, 404, 'mission'],
    [{ id: 'talk-x', title: 'T', mission: 'talk-bad', assumption: 'a9', statements: ['ok'] }, 404, 'assumption'],
    [{ id: 'talk-x', title: 'T', assumption: 'a1' }, 422, 'assumption'],
    [{ id: 'talk-x', title: 'T', statements: ['ok', ''] }, 422, 'statements[1]'],
    [{ id: 'talk-x', title: 'T', statements: ['ok', 'y'.repeat(281)] }, 413, 'statements[1]'],
    [{ id: 'talk-x', title: 'T', statements: [3] }, 422, 'statements[0]'],
    [{ id: 'talk-x', title: 'T', statements: 'one' }, 422, 'statements'],
    [{ id: 'talk-x', title: 'T', statements: Array(1001).fill('s') }, 413, 'statements'],
    [{ id: 'talk-x', title: 'T', colour: 'blue' }, 422, 'colour'],
    [{ id: 'talk-x', title: 7 }, 422, 'title'],
  ];
  for (const [body, status, path] of cases) {
    r = await post(body);
    assert.equal(r.status, status, `${JSON.stringify(body).slice(0, 80)}: ${r.text}`);
    assert.equal(r.json.error.path, path, JSON.stringify(body).slice(0, 80));
    const g = await p.req('GET', '/api/v1/conversations/talk-x', { token: true });
    assert.equal(g.status, 404, 'nothing written');
  }
  r = await p.req('POST', '/api/v1/conversations', { body: '{"id": "talk-x",', token: true });
  assert.equal(r.status, 400);
  r = await p.req('POST', '/api/v1/conversations', { body: '[1]', token: true });
  assert.equal(r.status, 422);
});

test('?mission= lists a mission\'s conversations; a visitor sees none of an unpublished mission', async () => {
  await putTalkPlan('talk-list');
  const p = participant();
  let r = await p.req('POST', '/api/v1/conversations', { body: { id: 'talk-l1', title: 'One', mission: 'talk-list', assumption: 'a2' }, token: true });
  assert.equal(r.status, 201);
  r = await p.req('POST', '/api/v1/conversations', { body: { id: 'talk-l2', title: 'Two', mission: 'talk-list' }, token: true });
  assert.equal(r.status, 201);
  r = await p.req('GET', '/api/v1/conversations?mission=talk-list', { token: true });
  assert.equal(r.status, 200);
  assert.deepEqual(r.json.conversations.map((c) => c.id), ['talk-l1', 'talk-l2']);
  assert.equal(r.json.conversations[0].assumption, 'a2');
  // unpublished: a visitor gets an empty list, and the mission is not named anywhere
  r = await p.req('GET', '/api/v1/conversations?mission=talk-list');
  assert.equal(r.status, 200);
  assert.deepEqual(r.json.conversations, []);
  r = await p.req('GET', '/api/v1/conversations');
  assert.ok(!r.text.includes('talk-list'));
  assert.equal(r.json.conversations.find((c) => c.id === 'talk-l1').mission, null);
  // published: the visitor sees them
  const pub = await fetch(`${BASE}/api/v1/missions/talk-list/publish`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}` } });
  assert.equal(pub.status, 200);
  r = await p.req('GET', '/api/v1/conversations?mission=talk-list');
  assert.deepEqual(r.json.conversations.map((c) => c.id), ['talk-l1', 'talk-l2']);
  r = await p.req('GET', '/api/v1/conversations?mission=no-such-mission');
  assert.deepEqual(r.json.conversations, []);
});

test('a statement from the team (token) is approved at once; a visitor\'s waits', async () => {
  const p = participant();
  let r = await p.req('POST', '/api/v1/conversations', { body: { id: 'talk-seed', title: 'Seeding', statements: ['First'] }, token: true });
  assert.equal(r.status, 201);
  r = await p.req('POST', '/api/v1/conversations/talk-seed/statements', { body: { text: 'From the team' }, token: true });
  assert.equal(r.status, 201, r.text);
  assert.deepEqual(r.json, { id: 1, status: 'approved' });
  assert.equal(p.setCookies.length, 0, 'the team gets no participant cookie');
  r = await p.req('POST', '/api/v1/conversations/talk-seed/statements', { body: { text: 'From a visitor' } });
  assert.equal(r.status, 201, r.text);
  assert.deepEqual(r.json, { id: 2, status: 'pending' });
  r = await p.req('GET', '/api/v1/conversations/talk-seed');
  assert.deepEqual(r.json.statements.map((s) => s.text), ['First', 'From the team']);
  assert.equal(r.json.participants, 1, 'only the visitor is a participant');
  r = await p.req('GET', '/api/v1/conversations/talk-seed/moderation', { token: true });
  assert.deepEqual(r.json.pending.map((s) => s.text), ['From a visitor']);
  // the team's statements are checked too, and are not rate-limited
  r = await p.req('POST', '/api/v1/conversations/talk-seed/statements', { body: { text: 'z'.repeat(281) }, token: true });
  assert.equal(r.status, 413);
  for (let k = 0; k < 7; k++) {
    r = await p.req('POST', '/api/v1/conversations/talk-seed/statements', { body: { text: `Team idea ${k}` }, token: true });
    assert.equal(r.status, 201, r.text);
  }
});
