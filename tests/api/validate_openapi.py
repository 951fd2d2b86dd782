#!/usr/bin/env python3
"""Checks docs/openapi.json against the OpenAPI 3.0.3 specification, against the
server's route table, and against what a real server answers.

  python3 tests/api/validate_openapi.py                      # static checks
  python3 tests/api/validate_openapi.py --live build/gameplan  # and a live server

Static checks (standard library only):
  - the document parses, says "openapi": "3.0.3", and every "$ref" resolves;
  - every route in src/http/gp_http_routes.c is a path+method of the document
    (a pattern's "{}" is "{id}" there), and the document has no other;
  - every path parameter is declared; every operation declares its security
    and accepts bearerAuth (those open to visitors list {} too; the live
    checks send requests without a token and check 401 where a token is
    needed);
  - with openapi_spec_validator installed (the machine's pip Python has it;
    Debian has no package of it), the document validates as OpenAPI 3.0;
  - the human docs keep up: docs/api.md names every route, and docs/cli.md has
    a section for every command registered in src/main.c and mentions every
    --option that src/cli/*.c parses.

Live checks (--live BIN; needs openapi_schema_validator, which comes with
openapi_spec_validator): make a fresh database with `BIN init`, run `BIN serve`
on a free loopback port, send a plan (every section), observation CSV with
intervals and a breakdown, a revision and a rebaseline, then validate each
reply (status code and body) against the operation's documented response
schema, including the error replies; then simulations, trials (power,
analyse, adapt, link) and scans of unit data loaded with `BIN import
unit-data`. The server is stopped at the end.

Prints one line per check and "N passed, N failed"; exits 1 if any failed,
2 on bad usage.
"""
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
DOC_PATH = os.path.join(ROOT, "docs", "openapi.json")
ROUTES_PATH = os.path.join(ROOT, "src", "http", "gp_http_routes.c")
MAIN_PATH = os.path.join(ROOT, "src", "main.c")
CLI_DIR = os.path.join(ROOT, "src", "cli")
API_MD = os.path.join(ROOT, "docs", "api.md")
CLI_MD = os.path.join(ROOT, "docs", "cli.md")

passed = 0
failed = 0


def check(ok, what, detail=""):
    """Counts and prints one check."""
    global passed, failed
    if ok:
        passed += 1
        print("ok   " + what)
    else:
        failed += 1
        print("FAIL " + what + (": " + detail if detail else ""))
    return ok


# ---- static checks --------------------------------------------------------------------

def resolve(doc, ref):
    """The object a local "$ref" points at, or None."""
    if not ref.startswith("#/"):
        return None
    node = doc
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def all_refs(node):
    """Every "$ref" value anywhere in node."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref" and isinstance(v, str):
                yield v
            else:
                yield from all_refs(v)
    elif isinstance(node, list):
        for v in node:
            yield from all_refs(v)


def deref(doc, node):
    """node, or what it refers to."""
    while isinstance(node, dict) and "$ref" in node:
        node = resolve(doc, node["$ref"])
    return node


def routes():
    """(method, path) of every route in gp_http_routes.c, "{}" as "{id}"."""
    text = open(ROUTES_PATH, encoding="utf-8").read()
    found = re.findall(r'\{\s*"(GET|PUT|POST|DELETE|PATCH)"\s*,\s*"(/api/[^"]*)"\s*,', text)
    return [(m.lower(), p.replace("{}", "{id}")) for m, p in found]


def static_checks(doc):
    check(doc.get("openapi") == "3.0.3", 'the document says "openapi": "3.0.3"')
    bad = sorted({r for r in all_refs(doc) if resolve(doc, r) is None})
    check(not bad, "every $ref resolves", ", ".join(bad))

    table = routes()
    check(len(table) >= 13, "the route table was read (%d routes)" % len(table))
    documented = {(m, re.sub(r"\{[a-z_]+\}", "{id}", p))  # parameter names as "{id}"
                  for p, item in doc.get("paths", {}).items() for m in item
                  if m in ("get", "put", "post", "delete", "patch", "head", "options")}
    missing = sorted(set(table) - documented)
    extra = sorted(documented - set(table))
    check(not missing, "every route of gp_http_routes.c is documented",
          ", ".join("%s %s" % r for r in missing))
    check(not extra, "the document has no operation the server lacks",
          ", ".join("%s %s" % r for r in extra))

    for path, item in doc.get("paths", {}).items():
        for method, op in item.items():
            if method not in ("get", "put", "post"):
                continue
            name = "%s %s" % (method.upper(), path)
            params = [deref(doc, p) for p in op.get("parameters", [])]
            names = {p.get("name") for p in params if p and p.get("in") == "path"}
            wanted = set(re.findall(r"\{([^}]+)\}", path))
            check(names == wanted, name + ": path parameters declared",
                  "declared %s, in the path %s" % (sorted(names), sorted(wanted)))
            sec = op.get("security", doc.get("security"))
            check(sec is not None and {"bearerAuth": []} in sec, name + ": accepts bearerAuth")
            check("401" in op.get("responses", {}), name + ": documents 401")

    try:
        from openapi_spec_validator import validate, OpenAPIV30SpecValidator
    except ImportError:
        print("skip OpenAPI 3.0 validation: openapi_spec_validator is not installed")
        return
    try:
        validate(doc, cls=OpenAPIV30SpecValidator)
        check(True, "valid OpenAPI 3.0 (openapi_spec_validator)")
    except Exception as e:  # the validator's own error types
        check(False, "valid OpenAPI 3.0 (openapi_spec_validator)", str(e).splitlines()[0])


def docs_checks():
    """docs/api.md and docs/cli.md against the route table and the CLI sources."""
    api = re.sub(r"\{[a-z_]+\}", "{id}", open(API_MD, encoding="utf-8").read())
    missing = sorted({"%s %s" % (m.upper(), p) for m, p in routes()
                      if "%s %s" % (m.upper(), p) not in api})
    check(not missing, "docs/api.md has a section for every route", ", ".join(missing))
    cli = open(CLI_MD, encoding="utf-8").read()
    main = open(MAIN_PATH, encoding="utf-8").read()
    table = main[main.find("gp_commands[] = {"):]
    commands = re.findall(r'\{"([a-z][a-z0-9-]*)",\s*gp_cmd_', table)
    check(len(commands) >= 9, "the command table of src/main.c was read (%d)" % len(commands))
    missing = [c for c in commands
               if not re.search(r"^### gameplan %s\b" % re.escape(c), cli, re.M)]
    check(not missing, "docs/cli.md has a section for every command", ", ".join(missing))
    options = set()
    for name in sorted(os.listdir(CLI_DIR)):
        if name.endswith(".c"):
            text = open(os.path.join(CLI_DIR, name), encoding="utf-8").read()
            options |= set(re.findall(
                r'\{"([a-z][a-z0-9-]*)",\s*(?:required|no|optional)_argument', text))
            options |= set(re.findall(r'"--([a-z][a-z0-9-]+)"', text))
    missing = sorted("--" + o for o in options if "--" + o not in cli)
    check(not missing, "docs/cli.md mentions every option (%d)" % len(options),
          ", ".join(missing))


# ---- live checks ------------------------------------------------------------------------

PLAN = {
    "mission": {"id": "oa-test", "title": "OpenAPI test mission", "kind": "mission",
                "start": "2020", "horizon": "2030"},
    "metrics": [{"id": "oa-rate", "name": "A rate", "unit": "%", "direction": "lower",
                 "frequency": "annual"}],
    "targets": [
        {"id": "halve", "metric": "oa-rate", "kind": "committed",
         "baseline": {"period": "2020", "value": 20}, "target": {"period": "2030", "value": 10},
         "trajectory": [{"period": "2025", "value": 16}]},
        {"id": "floor", "metric": "oa-rate", "kind": "floor",
         "baseline": {"period": "2020", "value": 25}, "target": {"period": "2030", "value": 14}}],
    "nodes": [
        {"id": "act", "kind": "activity", "label": "An activity", "cost": 1000000,
         "stage": "test", "start": "2021", "ramp": 2, "delivery": {"dist": "beta", "a": 8, "b": 2}},
        {"id": "out", "kind": "outcome", "metric": "oa-rate"}],
    "edges": [{"from": "act", "to": "out", "effect": {"dist": "normal", "mean": -2, "sd": 0.5},
               "lag": 1, "evidence": 3, "sources": ["a study"]}],
    "counterfactual": {"metric": "oa-rate",
                       "change_per_year": {"dist": "pert", "min": -0.5, "mode": -0.2, "max": 0.1}},
    "assumptions": [{"id": "a1", "text": "It works", "on": "edge:act->out", "importance": 4,
                     "evidence": 2, "status": "testing"}],
    "tests": [{"id": "t1", "assumption": "a1", "method": "rct", "status": "done",
               "result": "small effect", "estimate": {"mean": -1.5, "se": 0.4, "n": 1200}}],
}

TRIAL_CSV = "pupil,arm,score,passed,prior,week\n" + "".join(
    "p%03d,%s,%.2f,%d,%.1f,%d\n" % (i, "tutoring" if i % 2 else "control",
                                     20 + (i * 37 % 17) + (3 if i % 2 else 0), (i * 7) % 3 == 0,
                                     40 + (i * 13 % 21), 1 + i // 40)
    for i in range(120))

UNITS_CSV = "school,name,town,score,se,fsm,eal\n" + "".join(
    "u%02d,School %d,%s,%.2f,%.2f,%d,%d\n" % (i, i, "North" if i % 2 else "South",
                                             ((i * 29) % 23 - 11) / 3.0, 0.8 + (i % 5) / 5.0,
                                             5 + (i * 17) % 50, (i * 11) % 30)
    for i in range(40))

CSV = ("period,value,lower,upper,n,place\n"
       "2020,20,19,21,900,\n2021,19.1,18.2,20,910,\n2022,18.4,,,,\n2023,17.2,,,,\n"
       "2020,24,,,,North\n2021,23,,,,North\n2022,21.5,,,,North\n2023,20.9,,,,North\n"
       "2020,15,,,,South\n2021,14.2,,,,South\n2022,13.8,,,,South\n2023,13,,,,South\n")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Server:
    """A `gameplan serve` on a fresh database in a temporary directory."""

    def __init__(self, binary):
        self.tmp = tempfile.TemporaryDirectory()
        db = os.path.join(self.tmp.name, "oa.db")
        init = subprocess.run([binary, "init", "--db", db], capture_output=True, text=True,
                              check=True)
        self.token = init.stdout.strip()
        self.port = free_port()
        self.log = open(os.path.join(self.tmp.name, "server.log"), "w")
        self.proc = subprocess.Popen([binary, "serve", "--db", db, "--port", str(self.port)],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        self.base = "http://127.0.0.1:%d" % self.port
        self.binary, self.db = binary, db
        for _ in range(100):
            try:
                urllib.request.urlopen(self.base + "/api/v1/missions", timeout=1).read()
                return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("the server did not start")

    def request(self, method, path, body=None, ctype=None, auth=True, headers=None):
        """(status, content type, body bytes)."""
        h = dict(headers or {})
        if auth:
            h["Authorization"] = "Bearer " + self.token
        if ctype:
            h["Content-Type"] = ctype
        data = body.encode() if isinstance(body, str) else body
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=h)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, r.headers.get("Content-Type", ""), r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers.get("Content-Type", ""), e.read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        self.tmp.cleanup()


def operation(doc, method, url_path):
    """The documented operation for a concrete URL path, and its template."""
    for template, item in doc["paths"].items():
        rx = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(rx, url_path) and method.lower() in item:
            return item[method.lower()], template
    return None, None


def live_checks(doc, binary):
    try:
        from openapi_schema_validator import OAS30Validator
    except ImportError:
        print("skip live checks: openapi_schema_validator is not installed")
        return
    srv = Server(binary)
    try:
        def expect(method, path, status, body=None, ctype=None, auth=True, headers=None):
            url_path = urllib.parse.urlsplit(path).path
            name = "%s %s -> %d" % (method, path, status)
            got, got_type, raw = srv.request(method, path, body, ctype, auth, headers)
            if not check(got == status, name, "got %d: %s" % (got, raw[:300])):
                return None
            op, _ = operation(doc, method, url_path)
            if not check(op is not None, name + ": documented"):
                return None
            resp = op["responses"].get(str(status)) or op["responses"].get("default")
            resp = deref(doc, resp)
            if not check(resp is not None, name + ": status %d documented" % status):
                return None
            content = resp.get("content", {})
            media = got_type.split(";")[0].strip()
            if not check(media in content, name + ": content type %s documented" % media):
                return None
            if media != "application/json":
                return raw.decode()
            value = json.loads(raw)
            schema = dict(content[media]["schema"])
            schema["components"] = doc["components"]
            errors = list(OAS30Validator(schema).iter_errors(value))
            check(not errors, name + ": body matches the schema",
                  "; ".join("%s: %s" % (list(e.absolute_path), e.message[:120])
                            for e in errors[:3]))
            return value

        plan = json.dumps(PLAN)
        v1 = "/api/v1"
        expect("GET", v1 + "/openapi.json", 200, auth=False)
        expect("PUT", v1 + "/missions/oa-test/plan", 401, plan, "application/json", auth=False)
        expect("GET", v1 + "/missions", 401, headers={"Authorization": "Bearer gp_nope"},
               auth=False)
        expect("PUT", v1 + "/missions/oa-test/plan", 201, plan, "application/json")
        expect("PUT", v1 + "/missions/oa-test/plan", 200, plan, "application/json")
        expect("PUT", v1 + "/missions/other/plan", 422, plan, "application/json")
        expect("PUT", v1 + "/missions/oa-test/plan", 400, '{"mission": ', "application/json")
        expect("PUT", v1 + "/missions/oa-test/plan", 413, "[" * 70 + "]" * 70,
               "application/json")
        expect("POST", v1 + "/metrics/oa-rate/observations", 200, CSV, "text/csv")
        expect("POST", v1 + "/metrics/oa-rate/observations?source=revised", 200,
               "period,value\n2023,17.4\n", "text/csv")
        expect("POST", v1 + "/metrics/oa-rate/observations", 422,
               "period,value\n2024,abc\n", "text/csv")
        expect("POST", v1 + "/metrics/nope/observations", 404, "period,value\n2024,1\n",
               "text/csv")
        changed = json.loads(plan)
        changed["targets"][0]["target"]["value"] = 9
        expect("PUT", v1 + "/missions/oa-test/plan", 422, json.dumps(changed),
               "application/json")
        expect("PUT", v1 + "/missions/oa-test/plan?reason=revised", 200, json.dumps(changed),
               "application/json")

        # Unpublished: a visitor sees nothing, a token holder everything.
        expect("GET", v1 + "/missions/oa-test", 404, auth=False)
        expect("GET", v1 + "/metrics/oa-rate", 404, auth=False)
        expect("POST", v1 + "/missions/oa-test/publish", 200)
        for path in ["/missions", "/missions/oa-test", "/missions/oa-test/plan",
                     "/missions/oa-test/plan?version=1", "/missions/oa-test/status",
                     "/missions/oa-test/status?as_of=2021", "/status", "/status?as_of=2022",
                     "/metrics/oa-rate", "/metrics/oa-rate/observations",
                     "/metrics/oa-rate/observations?breakdown=all&history=1",
                     "/metrics/oa-rate/observations?breakdown=North",
                     "/metrics/oa-rate/observations.csv"]:
            expect("GET", v1 + path, 200, auth=False)
        status = expect("GET", v1 + "/missions/oa-test/status", 200)
        if status:
            by_id = {t["id"]: t for t in status["targets"]}
            check(by_id["halve"]["rebaseline"] is not None, "status shows the rebaseline")
            check("below_floor" in by_id["floor"], "a floor target lists below_floor")
        expect("GET", v1 + "/status?as_of=20x4", 422)
        expect("GET", v1 + "/missions/nope/status", 404)
        expect("GET", v1 + "/missions/oa-test/plan?version=99", 404)
        expect("POST", v1 + "/missions/nope/publish", 404)
        expect("POST", v1 + "/missions/oa-test/unpublish", 200)
        expect("GET", v1 + "/missions/oa-test/status", 404, auth=False)

        # Simulations: visitors (bounded, not stored) and token holders (stored).
        expect("POST", v1 + "/missions/oa-test/simulate", 404, "{}", "application/json",
               auth=False)
        expect("GET", v1 + "/missions/oa-test/simulation", 404)
        expect("POST", v1 + "/missions/oa-test/simulate", 200,
               json.dumps({"draws": 2000, "seed": 3, "target": "halve"}), "application/json")
        expect("POST", v1 + "/missions/oa-test/optimise", 200,
               json.dumps({"budget": 2000000, "target": "halve", "draws": 2000}),
               "application/json")
        expect("POST", v1 + "/missions/oa-test/optimise", 422,
               json.dumps({"target": "halve"}), "application/json")
        expect("POST", v1 + "/missions/oa-test/simulate", 422, json.dumps({"foo": 1}),
               "application/json")
        expect("POST", v1 + "/missions/oa-test/simulate", 404, json.dumps({"version": 99}),
               "application/json")
        expect("POST", v1 + "/missions/oa-test/publish", 200)
        expect("POST", v1 + "/missions/oa-test/simulate", 200, "", auth=False)
        expect("POST", v1 + "/missions/oa-test/simulate", 422, json.dumps({"draws": 20001}),
               "application/json", auth=False)
        for path in ["/missions/oa-test/simulation", "/missions/oa-test/simulation?kind=optimise",
                     "/missions/oa-test/plan/versions"]:
            expect("GET", v1 + path, 200, auth=False)
        expect("GET", v1 + "/missions/oa-test/simulation?kind=nope", 422)

        # Trials: open computations, and linking a result into the plan (token).
        expect("POST", v1 + "/trials/power", 200, json.dumps({"sd": 1, "mde": 0.5}),
               "application/json", auth=False)
        expect("POST", v1 + "/trials/power", 200, json.dumps({"p0": 0.3, "n": 500, "icc": 0.05,
                                                               "cluster_size": 20}),
               "application/json", auth=False)
        expect("POST", v1 + "/trials/power", 422, json.dumps({"mde": 0.5}), "application/json",
               auth=False)
        analysis = expect("POST", v1 + "/trials/analyse?outcome=score&arm=arm&control=control"
                          "&covariates=prior&sequential=1&look=week", 200, TRIAL_CSV, "text/csv",
                          auth=False)
        expect("POST", v1 + "/trials/analyse?outcome=passed&arm=arm&binary=1&strata=week", 200,
               TRIAL_CSV, "text/csv", auth=False)
        expect("POST", v1 + "/trials/analyse?outcome=nope&arm=arm", 422, TRIAL_CSV, "text/csv",
               auth=False)
        expect("POST", v1 + "/trials/adapt?arms=A,B&binary=1&seed=3", 200,
               "arm,n,successes\nA,100,10\nB,100,15\n", "text/csv", auth=False)
        expect("POST", v1 + "/trials/adapt?arms=control,tutoring&arm=arm&outcome=score&draws=2000",
               200, TRIAL_CSV, "text/csv", auth=False)
        if analysis:
            body = json.dumps(analysis)
            expect("POST", v1 + "/missions/oa-test/trial-link?assumption=a1", 401, body,
                   "application/json", auth=False)
            expect("POST", v1 + "/missions/oa-test/trial-link?assumption=a1&estimator=lin", 200,
                   body, "application/json")
            expect("POST", v1 + "/missions/oa-test/trial-link?assumption=zz", 404, body,
                   "application/json")

        # Scans of unit data (loaded with the CLI into the same database).
        units = os.path.join(srv.tmp.name, "units.csv")
        with open(units, "w") as f:
            f.write(UNITS_CSV)
        load = subprocess.run([srv.binary, "import", "unit-data", units, "--db", srv.db,
                               "--metric", "oa-rate", "--period", "2023", "--unit", "school",
                               "--name", "name", "--parent", "town", "--value", "score",
                               "--se", "se", "--covariates", "fsm,eal"],
                              capture_output=True, text=True)
        if check(load.returncode == 0, "unit data loaded", load.stderr.strip()):
            for path in ["/metrics/oa-rate/scan", "/metrics/oa-rate/scan?adjust=fsm&limits=95,99",
                         "/metrics/oa-rate/peers?unit=u03&k=5",
                         "/metrics/oa-rate/peers?unit=u03&k=3&on=fsm",
                         "/metrics/oa-rate/units/u03"]:
                expect("GET", v1 + path, 200, auth=False)
            expect("GET", v1 + "/metrics/oa-rate/peers?unit=nope", 404, auth=False)
            expect("GET", v1 + "/metrics/oa-rate/scan?type=bogus", 422, auth=False)

        # Conversations (a Pol.is export imported with the CLI, when the data is there).
        polis = os.path.join(ROOT, "..", "shared", "data", "polis", "scoop-hivemind.ubi")
        if not os.path.isdir(polis):
            print("skip conversation checks: %s is not there" % polis)
            return
        load = subprocess.run([srv.binary, "deliberation", "import", polis, "--db", srv.db,
                               "--id", "ubi"], capture_output=True, text=True)
        if check(load.returncode == 0, "conversation imported", load.stderr.strip()):
            c = v1 + "/conversations"
            for path in ["", "/ubi", "/ubi/next", "/ubi/results"]:
                expect("GET", c + path, 200, auth=False)
            expect("GET", c + "/nope", 404, auth=False)
            expect("POST", c + "/ubi/votes", 201, json.dumps({"statement": 70, "vote": 1}),
                   "application/json", auth=False)
            expect("POST", c + "/ubi/votes", 422, json.dumps({"statement": 70, "vote": 7}),
                   "application/json", auth=False)
            added = expect("POST", c + "/ubi/statements", 201,
                           json.dumps({"text": "A statement added by the API check"}),
                           "application/json", auth=False)
            expect("GET", c + "/ubi/moderation", 401, auth=False)
            expect("GET", c + "/ubi/moderation", 200)
            if added:
                sid = added.get("id")
                expect("POST", c + "/ubi/statements/%s/moderate" % sid, 401,
                       json.dumps({"status": "approved"}), "application/json", auth=False)
                expect("POST", c + "/ubi/statements/%s/moderate" % sid, 200,
                       json.dumps({"status": "approved"}), "application/json")
            expect("GET", c + "/ubi/results", 200, auth=False)
    finally:
        srv.stop()


def main(argv):
    binary = None
    if len(argv) == 3 and argv[1] == "--live":
        binary = argv[2]
    elif len(argv) != 1:
        print(__doc__.strip().splitlines()[0] + "\nusage: validate_openapi.py [--live BIN]",
              file=sys.stderr)
        return 2
    try:
        doc = json.load(open(DOC_PATH, encoding="utf-8"))
    except (OSError, ValueError) as e:
        check(False, "docs/openapi.json parses", str(e))
        doc = None
    if doc is not None:
        check(True, "docs/openapi.json parses")
        static_checks(doc)
        docs_checks()
        if binary:
            live_checks(doc, binary)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
