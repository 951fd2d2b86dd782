// Open data tests against a running `gameplan serve` (started by
// tests/api/run.sh): the files under /data/ (CSV and JSON of published
// missions only), the Frictionless Data Package and the DCAT catalogue
// (validated by tests/api/validate_opendata.py with a JSON Schema of the
// Frictionless specs and pyld), and `gameplan publish DIR`.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, rmSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const BASE = process.env.BASE_URL;
const TOKEN = process.env.GAMEPLAN_TOKEN;
const BIN = process.env.GAMEPLAN_BIN;
const DB = process.env.GAMEPLAN_DB;
const HERE = dirname(fileURLToPath(import.meta.url));
const VALIDATE = join(HERE, 'validate_opendata.py');
const PY = '/usr/bin/python3';
const auth = { Authorization: `Bearer ${TOKEN}` };

async function req(method, path, { body, token = false } = {}) {
  const res = await fetch(BASE + path, { method, body, headers: token ? auth : {} });
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, json, text, headers: res.headers };
}

// RFC 4180 CSV: quoted fields with doubled quotes, commas and newlines inside.
function parseCsv(text) {
  const rows = [];
  let row = [], field = '', i = 0, quoted = false;
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i += 2; continue; }
      if (c === '"') { quoted = false; i++; continue; }
      field += c; i++; continue;
    }
    if (c === '"') { quoted = true; i++; continue; }
    if (c === ',') { row.push(field); field = ''; i++; continue; }
    if (c === '\n') { row.push(field); rows.push(row); row = []; field = ''; i++; continue; }
    if (c === '\r') { i++; continue; }
    field += c; i++;
  }
  if (field !== '' || row.length) { row.push(field); rows.push(row); }
  return rows;
}

// A CSV cell as its Table Schema type says ('' is missing: null).
function cast(type, cell) {
  if (cell === '') return null;
  if (type === 'number') { const v = Number(cell); assert.ok(Number.isFinite(v), `number '${cell}'`); return v; }
  if (type === 'integer') { assert.match(cell, /^-?\d+$/); return Number(cell); }
  if (type === 'boolean') { assert.ok(cell === 'true' || cell === 'false', `boolean '${cell}'`); return cell === 'true'; }
  return cell;
}

// The CSV's rows as objects typed by the schema's fields.
function typedRows(text, fields) {
  const [header, ...rows] = parseCsv(text);
  assert.deepEqual(header, fields.map((f) => f.name));
  return rows.map((r) => {
    assert.equal(r.length, fields.length);
    return Object.fromEntries(fields.map((f, j) => [f.name, cast(f.type, r[j])]));
  });
}

const PUB = 'od-pub';
const SECRET = 'od-secret';
function planOf(id, metric, title) {
  return {
    mission: { id, title, kind: 'mission', start: '2020', horizon: '2030', lead: 'Open data test unit' },
    metrics: [{ id: metric, name: `${title} rate`, unit: '%', direction: 'lower', frequency: 'annual',
                source: 'Test survey' }],
    targets: [
      { id: 'halve', metric, kind: 'committed', baseline: { period: '2020', value: 20 },
        target: { period: '2030', value: 10 }, trajectory: 'linear' },
      { id: 'floor', metric, kind: 'floor', baseline: { period: '2020', value: 20 },
        target: { period: '2030', value: 15 } },
    ],
  };
}
const obsCsv = 'period,value,lower,upper,n,place\n2020,20,18.5,21.5,400,\n2021,19.25,,,,\n' +
  '2022,18,,,,\n2023,17.125,,,,\n2020,22,,,,"North, upper"\n2021,22,,,,"North, upper"\n' +
  '2022,22.5,,,,"North, upper"\n2020,18,,,,South\n2021,17,,,,South\n2022,16,,,,South\n';
// Twelve schools with a progress score and its standard error.
const unitsCsv = 'URN,NAME,SCORE,SE,FSM\n' + Array.from({ length: 12 }, (_, i) =>
  `${9000 + i},"School ${i}, Test",${(i - 6) * 0.7 + (i === 11 ? 6 : 0)},${0.8 + (i % 3) * 0.1},${10 + 3 * i}`).join('\n') + '\n';

let tmp;
before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'gp-opendata-'));
  for (const [id, metric, title] of [[PUB, 'od-pub-rate', 'Open data'], [SECRET, 'od-secret-rate', 'Hidden thing']]) {
    let r = await req('PUT', `/api/v1/missions/${id}/plan`, { body: JSON.stringify(planOf(id, metric, title)), token: true });
    assert.ok(r.status === 201 || r.status === 200, r.text);
    r = await req('POST', `/api/v1/metrics/${metric}/observations?source=${encodeURIComponent('Test survey, wave 1')}`,
      { body: obsCsv, token: true });
    assert.equal(r.status, 200, r.text);
    writeFileSync(join(tmp, 'units.csv'), unitsCsv);
    execFileSync(BIN, ['import', 'unit-data', join(tmp, 'units.csv'), '--db', DB, '--metric', metric,
      '--period', '2018/19', '--unit', 'URN', '--name', 'NAME', '--value', 'SCORE', '--se', 'SE',
      '--covariates', 'FSM'], { stdio: 'pipe' });
    execFileSync(BIN, ['scan', '--db', DB, '--metric', metric, '--type', 'score', '--adjust', 'FSM'], { stdio: 'pipe' });
  }
  const r = await req('POST', `/api/v1/missions/${PUB}/publish`, { token: true });
  assert.equal(r.status, 200, r.text);
});

const TABLES = ['missions', 'metrics', 'observations', 'targets', 'status', 'scans'];

test('/data/ serves the tables of published missions, never unpublished ones', async () => {
  for (const t of TABLES) {
    for (const ext of ['csv', 'json']) {
      const r = await req('GET', `/data/${t}.${ext}`);
      assert.equal(r.status, 200, `${t}.${ext}: ${r.text}`);
      assert.match(r.headers.get('content-type'), ext === 'csv' ? /^text\/csv/ : /^application\/json/);
      assert.ok(!r.text.includes(SECRET), `${t}.${ext} mentions the unpublished mission`);
    }
  }
  const m = await req('GET', '/data/missions.json');
  assert.ok(m.json.some((x) => x.id === PUB));
  assert.ok(!m.json.some((x) => x.id === SECRET));
  for (const p of ['/data/missions/od-secret/metrics.csv', '/data/missions/od-secret/status.json',
                   '/data/scans/od-secret-rate/2018_19.csv', '/data/nothing.csv']) {
    const r = await req('GET', p);
    assert.equal(r.status, 404, p);
  }
  for (const p of ['/data/datapackage.json', '/data/catalog.jsonld']) {
    const r = await req('GET', p);
    assert.equal(r.status, 200);
    assert.ok(!r.text.includes(SECRET), `${p} mentions the unpublished mission`);
  }
  const idx = await req('GET', '/data/');
  assert.equal(idx.status, 200);
  assert.match(idx.headers.get('content-type'), /^text\/html/);
  assert.ok(idx.text.includes(`missions/${PUB}/observations.csv`));
  assert.ok(!idx.text.includes(SECRET));
  const w = await req('POST', '/data/missions.csv', { body: 'x' });
  assert.equal(w.status, 405);
  // the API still goes to the API, and other paths still to the UI
  assert.equal((await req('GET', '/api/v1/missions')).status, 200);
});

test('observations carry breakdowns, intervals, n and source', async () => {
  const r = await req('GET', `/data/missions/${PUB}/observations.json`);
  assert.equal(r.status, 200);
  const obs = r.json;
  assert.equal(obs.length, 10);
  const h2020 = obs.find((o) => o.series === 'headline' && o.period === '2020');
  assert.deepEqual([h2020.value, h2020.lower, h2020.upper, h2020.n, h2020.breakdown, h2020.source],
    [20, 18.5, 21.5, 400, null, 'Test survey, wave 1']);
  const north = obs.filter((o) => o.breakdown === 'North, upper');
  assert.equal(north.length, 3);
  assert.equal(north[0].series, 'place:North, upper');
  assert.equal(north[0].breakdown_kind, 'place');
  assert.equal(obs.find((o) => o.series === 'headline' && o.period === '2023').value, 17.125);
  const t = await req('GET', `/data/missions/${PUB}/targets.json`);
  assert.deepEqual(t.json.map((x) => [x.id, x.baseline_value, x.target_value, x.trajectory]).sort(),
    [['floor', 20, 15, 'linear'], ['halve', 20, 10, 'linear']]);
});

test('status rows are those of the status API (include_unpublished=false)', async () => {
  const api = await req('GET', `/api/v1/missions/${PUB}/status`);
  const st = await req('GET', `/data/missions/${PUB}/status.json`);
  assert.equal(st.json.length, api.json.targets.length);
  for (const a of api.json.targets) {
    const s = st.json.find((x) => x.target === a.id);
    assert.equal(s.p_meet, a.p_meet);
    assert.equal(s.rating, a.rating);
    assert.equal(s.latest_value, a.latest.value);
    assert.equal(s.latest_period, a.latest.period);
    assert.equal(s.forecast_mean, a.forecast ? a.forecast.mean : null);
    assert.equal(s.forecast_pi95_lower, a.forecast ? a.forecast.pi95[0] : null);
    assert.equal(s.open_sdg_status, a.open_sdg_status);
  }
});

test('CSV and JSON agree, row for row, typed by the Table Schema', async () => {
  const pkg = (await req('GET', '/data/datapackage.json')).json;
  const schemaOf = (name) => pkg.resources.find((r) => r.name === name).schema.fields;
  const scan = pkg.resources.find((r) => r.name === 'scan-od-pub-rate-2018_19');
  assert.ok(scan, 'the published scan is a resource');
  assert.ok(!pkg.resources.some((r) => r.name.includes('od-secret')));
  const files = [['missions', `/data/missions`], ['scan-units', `/data/${scan.path.replace(/\.csv$/, '')}`]];
  for (const t of ['metrics', 'observations', 'targets', 'status'])
    files.push([t, `/data/missions/${PUB}/${t}`]);
  for (const [name, stem] of files) {
    const fields = name === 'scan-units' ? scan.schema.fields : schemaOf(name);
    const c = await req('GET', `${stem}.csv`);
    const j = await req('GET', `${stem}.json`);
    let rows = typedRows(c.text, fields);
    let json = j.json;
    if (name === 'missions') { // other test files add missions meanwhile: compare ours
      rows = rows.filter((r) => r.id === PUB);
      json = json.filter((r) => r.id === PUB);
      assert.equal(rows.length, 1);
    }
    assert.ok(rows.length > 0, stem);
    assert.deepEqual(rows, json, `${stem}: CSV and JSON differ`);
  }
  // the scan: 12 schools, flags from the saved scan
  const units = (await req('GET', `/data/${scan.path.replace(/\.csv$/, '.json')}`)).json;
  assert.equal(units.length, 12);
  assert.equal(units[3].name, 'School 3, Test');
  assert.equal(units[3].value, -2.1);
  assert.ok(units.every((u) => ['high', 'low', 'none'].includes(u.flag)));
  const idx = (await req('GET', '/data/scans.json')).json.find((s) => s.metric === 'od-pub-rate');
  assert.deepEqual([idx.mission, idx.period, idx.kind, idx.units, idx.type, idx.adjust],
    [PUB, '2018/19', 'score', 12, 'score', 'FSM']);
});

function validate(source, extra = []) {
  const r = spawnSync(PY, [VALIDATE, source, ...extra], { encoding: 'utf8' });
  let report = null;
  try { report = JSON.parse(r.stdout); } catch { /* none */ }
  return { status: r.status, report, stderr: r.stderr };
}

test('the Data Package validates (Frictionless JSON Schema, keys, CSV types) and the catalogue expands as JSON-LD', async () => {
  // Live: other test files change data between two reads, so foreign keys
  // are checked on the static copy below, not here.
  const v = validate(BASE, ['--no-fk']);
  assert.equal(v.status, 0, JSON.stringify(v.report?.errors ?? v.stderr));
  const missions = (await req('GET', '/data/missions.json')).json.map((m) => m.id).sort();
  assert.ok(v.report.datasets.includes(PUB));
  assert.ok(!v.report.datasets.includes(SECRET));
  // one dcat:Dataset per published mission (re-read: others may publish meanwhile)
  const again = (await req('GET', '/data/missions.json')).json.map((m) => m.id).sort();
  if (JSON.stringify(again) === JSON.stringify(missions) &&
      JSON.stringify(again) === JSON.stringify([...v.report.datasets].sort()))
    assert.deepEqual([...v.report.datasets].sort(), missions);
  else
    assert.ok(v.report.datasets.length >= 1);
  const cat = (await req('GET', '/data/catalog.jsonld')).json;
  const ds = cat['dcat:dataset'].find((d) => d['dct:identifier'] === PUB);
  assert.equal(ds['@type'], 'dcat:Dataset');
  assert.match(ds['dcat:landingPage']['@id'], /^http:\/\/127\.0\.0\.1:\d+\/missions\/od-pub$/);
  const urls = ds['dcat:distribution'].map((d) => d['dcat:downloadURL']['@id']);
  assert.ok(urls.includes(`${BASE}/data/missions/${PUB}/status.csv`));
  assert.ok(urls.includes(`${BASE}/data/scans/od-pub-rate/2018_19.json`));
  for (const u of urls.slice(0, 4)) assert.equal((await fetch(u)).status, 200, u);
});

test('gameplan publish DIR writes a static site that validates, without unpublished missions', () => {
  const dir = join(tmp, 'site');
  execFileSync(BIN, ['publish', dir, '--db', DB, '--base-url', 'https://data.example.org/',
    '--licence', 'CC-BY-4.0', '--publisher', 'Test team'], { stdio: 'pipe' });
  for (const f of ['index.html', `missions/${PUB}/index.html`, 'data/datapackage.json', 'data/catalog.jsonld',
                   'data/missions.csv', 'data/status.json', `data/missions/${PUB}/observations.csv`,
                   'data/scans/od-pub-rate/2018_19.csv'])
    assert.ok(existsSync(join(dir, f)), f);
  assert.ok(!existsSync(join(dir, `missions/${SECRET}`)));
  assert.ok(!existsSync(join(dir, 'data/scans/od-secret-rate')));
  const index = readFileSync(join(dir, 'index.html'), 'utf8');
  assert.match(index, /Open data<\/a><\/h2>/);
  assert.ok(!index.includes('Hidden thing'));
  const v = validate(dir);
  assert.equal(v.status, 0, JSON.stringify(v.report?.errors ?? v.stderr));
  assert.ok(v.report.datasets.includes(PUB));
  assert.equal(v.report.datasets.length, v.report.rows.missions, 'one dcat:Dataset per mission');
  const cat = JSON.parse(readFileSync(join(dir, 'data/catalog.jsonld'), 'utf8'));
  assert.equal(cat['@id'], 'https://data.example.org/data/catalog.jsonld');
  assert.deepEqual(cat['dct:license'], { '@id': 'https://spdx.org/licenses/CC-BY-4.0' });
  assert.equal(cat['dct:publisher']['foaf:name'], 'Test team');
  const dpkg = JSON.parse(readFileSync(join(dir, 'data/datapackage.json'), 'utf8'));
  assert.deepEqual(dpkg.licenses, [{ name: 'CC-BY-4.0', title: 'CC-BY-4.0', path: 'https://spdx.org/licenses/CC-BY-4.0' }]);
  assert.ok(dpkg.sources.some((x) => x.path === `https://data.example.org/missions/${PUB}`));
  const page = readFileSync(join(dir, `missions/${PUB}/index.html`), 'utf8');
  assert.equal((page.match(/<svg /g) || []).length, 2, 'a chart per target');
  assert.ok(page.includes(`../../data/missions/${PUB}/status.csv`));
  // The validator can fail: a bad number, a dangling foreign key, a schema violation.
  const bad = join(tmp, 'bad');
  cpSync(dir, bad, { recursive: true });
  const obs = join(bad, 'data/observations.csv');
  writeFileSync(obs, readFileSync(obs, 'utf8').replace(',od-pub-rate,headline,2021,19.25,', ',od-pub-rate,headline,2021,19.2x5,'));
  const met = join(bad, 'data/metrics.csv');
  writeFileSync(met, readFileSync(met, 'utf8').replace(/^od-pub,od-pub-rate,/m, 'od-gone,od-pub-rate,'));
  const dp = join(bad, 'data/datapackage.json');
  const pkg = JSON.parse(readFileSync(dp, 'utf8'));
  pkg.resources[0].schema.fields[0].type = 'text';
  writeFileSync(dp, JSON.stringify(pkg));
  const cp = join(bad, 'data/catalog.jsonld');
  const badCat = JSON.parse(readFileSync(cp, 'utf8'));
  badCat['dcat:dataset'][0]['dcat:distribution'][0]['dcat:downloadURL'] = 'not an IRI';
  writeFileSync(cp, JSON.stringify(badCat));
  const vb = validate(bad);
  assert.equal(vb.status, 1);
  const errs = vb.report.errors.join('\n');
  assert.match(errs, /observations\.csv:\d+: value '19\.2x5': not a number/);
  assert.match(errs, /metrics\.csv: row \d+: \['mission'\] = \('od-gone',\) not in missions/);
  assert.match(errs, /datapackage\.json: resources\/0\/schema\/fields\/0\/type/);
  assert.match(errs, /rdflib: \S+#distribution: http:\/\/www\.w3\.org\/ns\/dcat#downloadURL is not an IRI/);
  assert.match(errs, /downloadURL is not an absolute URL/);
  rmSync(tmp, { recursive: true, force: true });
});
