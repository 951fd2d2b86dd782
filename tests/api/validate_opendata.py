#!/usr/bin/python3
"""Validates gameplan's open data: the Frictionless Data Package and the DCAT
catalogue, from a running server or a `gameplan publish` directory.

  /usr/bin/python3 tests/api/validate_opendata.py SOURCE [--no-fk]

SOURCE is the site root: a URL (http://127.0.0.1:8080) or a directory written
by `gameplan publish`. Reads SOURCE/data/datapackage.json and
SOURCE/data/catalog.jsonld, and checks:

  - the Data Package validates against tests/api/schemas/
    tabular-data-package.schema.json (a JSON Schema written from the
    Frictionless specifications; Debian has no frictionless package);
  - every primaryKey and foreignKey names fields of its resource, every
    foreign key's reference names an existing resource and its fields, with
    as many fields;
  - every CSV file's header is its schema's field names, every cell parses
    as its field's type (missingValues are null), enum and required
    constraints hold, primary keys are unique; and (unless --no-fk, for a
    live server whose other clients may change data between two reads)
    every foreign key resolves;
  - the catalogue is JSON-LD that pyld (python3-pyld) expands and flattens,
    with one dcat:Catalog whose dcat:dataset lists every dcat:Dataset, each
    with dct:title, dct:description, dct:publisher, dct:license, dct:issued,
    dct:modified and at least one dcat:Distribution with dcat:accessURL,
    dcat:downloadURL, dct:format and dcat:mediaType;
  - rdflib (python3-rdflib) reads it as ckanext-dcat's RDF harvester does
    (rdflib.Graph().parse(..., format="json-ld"), datasets as the subjects of
    rdf:type dcat:Dataset, their dcat:distribution objects): every dataset
    has a literal dct:title and dct:identifier, a publisher with a
    foaf:name, and distributions whose dcat:accessURL / dcat:downloadURL are
    IRIs and whose dct:license is an IRI.

Prints a JSON report {"errors": [...], "rows": {resource: n}, "datasets":
[dct:identifier...]} and exits 1 if there were errors.
"""
import csv
import datetime
import io
import json
import os
import re
import sys
import urllib.request

import jsonschema
from pyld import jsonld

HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMA = os.path.join(HERE, "schemas", "tabular-data-package.schema.json")
DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"


def read(source, rel):
    if re.match(r"^https?://", source):
        with urllib.request.urlopen(source.rstrip("/") + "/" + rel) as r:
            return r.read().decode("utf-8")
    with open(os.path.join(source, rel), encoding="utf-8") as f:
        return f.read()


def as_list(v):
    return [v] if isinstance(v, str) else list(v)


def cast(field, text):
    """The cell's value as its type says, or raises ValueError."""
    t = field.get("type", "string")
    if t == "string":
        return text
    if t == "integer":
        if not re.fullmatch(r"[+-]?[0-9]+", text):
            raise ValueError("not an integer")
        return int(text)
    if t == "number":
        if not re.fullmatch(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?|NaN|INF|-INF",
                            text):
            raise ValueError("not a number")
        return float(text)
    if t == "boolean":
        if text in field.get("trueValues", ["true", "True", "TRUE", "1"]):
            return True
        if text in field.get("falseValues", ["false", "False", "FALSE", "0"]):
            return False
        raise ValueError("not a boolean")
    if t == "datetime":
        fmt = field.get("format", "default")
        if fmt == "default" and not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", text):
            raise ValueError("not a datetime in the default format")
        return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if t == "date":
        return datetime.date.fromisoformat(text)
    raise ValueError(f"type {t} not checked here")


def check_package(source, fk, errors, rows_out):
    pkg = json.loads(read(source, "data/datapackage.json"))
    with open(SCHEMA, encoding="utf-8") as f:
        schema = json.load(f)
    v = jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())
    for e in sorted(v.iter_errors(pkg), key=lambda e: list(e.path)):
        errors.append("datapackage.json: " + "/".join(map(str, e.path)) + ": " + e.message)
    res = {r["name"]: r for r in pkg.get("resources", []) if "name" in r}
    if len(res) != len(pkg.get("resources", [])):
        errors.append("datapackage.json: resource names are not unique")
    tables = {}
    for name, r in res.items():
        sc = r.get("schema", {})
        names = [f["name"] for f in sc.get("fields", [])]
        for k in as_list(sc.get("primaryKey", [])):
            if k not in names:
                errors.append(f"{name}: primaryKey names '{k}', not a field")
        for fkey in sc.get("foreignKeys", []):
            own = as_list(fkey["fields"])
            ref = fkey["reference"]
            for k in own:
                if k not in names:
                    errors.append(f"{name}: foreignKey names '{k}', not a field")
            target = res.get(ref["resource"]) if ref["resource"] else r
            if target is None:
                errors.append(f"{name}: foreignKey refers to no resource '{ref['resource']}'")
                continue
            tnames = [f["name"] for f in target["schema"]["fields"]]
            for k in as_list(ref["fields"]):
                if k not in tnames:
                    errors.append(f"{name}: foreignKey refers to '{k}', not a field of "
                                  f"{ref['resource']}")
            if len(as_list(ref["fields"])) != len(own):
                errors.append(f"{name}: foreignKey field counts differ")
        # the CSV
        text = read(source, "data/" + r["path"])
        reader = csv.reader(io.StringIO(text, newline=""))
        header = next(reader, None)
        if header != names:
            errors.append(f"{r['path']}: header {header} is not the schema's fields {names}")
            continue
        missing = set(sc.get("missingValues", [""]))
        fields = sc["fields"]
        data = []
        for ln, row in enumerate(reader, start=2):
            if len(row) != len(fields):
                errors.append(f"{r['path']}:{ln}: {len(row)} cells, expected {len(fields)}")
                continue
            rec = {}
            for f, cell in zip(fields, row):
                if cell in missing:
                    rec[f["name"]] = None
                    if f.get("constraints", {}).get("required"):
                        errors.append(f"{r['path']}:{ln}: {f['name']} is required")
                    continue
                try:
                    rec[f["name"]] = cast(f, cell)
                except ValueError as e:
                    errors.append(f"{r['path']}:{ln}: {f['name']} '{cell}': {e}")
                    rec[f["name"]] = None
                    continue
                enum = f.get("constraints", {}).get("enum")
                if enum is not None and rec[f["name"]] not in enum:
                    errors.append(f"{r['path']}:{ln}: {f['name']} '{cell}' not in {enum}")
            data.append(rec)
        pk = as_list(sc.get("primaryKey", []))
        if pk:
            seen = set()
            for i, rec in enumerate(data):
                key = tuple(rec.get(k) for k in pk)
                if None in key:
                    errors.append(f"{r['path']}: row {i + 2}: primary key {pk} has a null")
                if key in seen:
                    errors.append(f"{r['path']}: row {i + 2}: primary key {key} repeated")
                seen.add(key)
        tables[name] = data
        rows_out[name] = len(data)
    if fk:
        for name, r in res.items():
            for fkey in r["schema"].get("foreignKeys", []):
                own = as_list(fkey["fields"])
                ref = fkey["reference"]
                tname = ref["resource"] or name
                if tname not in tables or name not in tables:
                    continue
                keys = {tuple(t.get(k) for k in as_list(ref["fields"])) for t in tables[tname]}
                for i, rec in enumerate(tables[name]):
                    key = tuple(rec.get(k) for k in own)
                    if None not in key and key not in keys:
                        errors.append(f"{r['path']}: row {i + 2}: {own} = {key} not in {tname}")
    return pkg


def first(node, prop):
    v = node.get(prop)
    return v[0] if v else None


def check_catalog(source, errors):
    doc = json.loads(read(source, "data/catalog.jsonld"))
    for k in ("dcat", "dct", "foaf", "vcard"):
        if k not in doc.get("@context", {}):
            errors.append(f"catalog.jsonld: @context has no '{k}'")
    try:
        jsonld.expand(doc)
        flat = jsonld.flatten(doc)
    except Exception as e:  # pyld raises JsonLdError
        errors.append(f"catalog.jsonld: not valid JSON-LD: {e}")
        return []
    nodes = flat["@graph"] if isinstance(flat, dict) else flat
    by_id = {n["@id"]: n for n in nodes if "@id" in n}
    cats = [n for n in nodes if DCAT + "Catalog" in n.get("@type", [])]
    sets = [n for n in nodes if DCAT + "Dataset" in n.get("@type", [])]
    if len(cats) != 1:
        errors.append(f"catalog.jsonld: {len(cats)} dcat:Catalog nodes, expected 1")
        return []
    listed = {d["@id"] for d in cats[0].get(DCAT + "dataset", [])}
    if listed != {d["@id"] for d in sets}:
        errors.append("catalog.jsonld: dcat:dataset does not list exactly the dcat:Dataset nodes")
    ids = []
    for d in sets:
        where = f"catalog.jsonld: {d['@id']}"
        for p in ("title", "description", "publisher", "license", "issued", "modified",
                  "identifier"):
            if not d.get(DCT + p):
                errors.append(f"{where}: no dct:{p}")
        ident = first(d, DCT + "identifier")
        ids.append(ident["@value"] if ident else None)
        dists = d.get(DCAT + "distribution", [])
        if not dists:
            errors.append(f"{where}: no dcat:distribution")
        for ref in dists:
            n = by_id.get(ref["@id"], {})
            if DCAT + "Distribution" not in n.get("@type", []):
                errors.append(f"{where}: {ref['@id']} is not a dcat:Distribution")
            for p in (DCAT + "accessURL", DCAT + "downloadURL", DCT + "format",
                      DCAT + "mediaType"):
                if not n.get(p):
                    errors.append(f"{where}: {ref['@id']} has no {p}")
            for p in (DCAT + "accessURL", DCAT + "downloadURL"):
                for u in n.get(p, []):
                    if not re.match(r"^https?://", u.get("@id", "")):
                        errors.append(f"{where}: {p} is not an absolute URL")
    return ids


def check_rdflib(source, errors):
    """The catalogue as ckanext-dcat's parser (rdflib) sees it."""
    import rdflib
    from rdflib.namespace import RDF, Namespace
    dcat, dct = Namespace(DCAT), Namespace(DCT)
    foaf = Namespace("http://xmlns.com/foaf/0.1/")
    g = rdflib.Graph()
    try:
        g.parse(data=read(source, "data/catalog.jsonld"), format="json-ld")
    except Exception as e:
        errors.append(f"catalog.jsonld: rdflib cannot parse it: {e}")
        return 0
    n = 0
    for d in g.subjects(RDF.type, dcat.Dataset):
        n += 1
        for p in (dct.title, dct.identifier, dct.description):
            if not isinstance(g.value(d, p), rdflib.Literal):
                errors.append(f"rdflib: {d}: {p} is not a literal")
        pub = g.value(d, dct.publisher)
        if pub is None or not isinstance(g.value(pub, foaf.name), rdflib.Literal):
            errors.append(f"rdflib: {d}: no publisher with a foaf:name")
        dists = list(g.objects(d, dcat.distribution))
        if not dists:
            errors.append(f"rdflib: {d}: no distributions")
        for x in dists:
            for p in (dcat.accessURL, dcat.downloadURL, dct.license, dct["format"], dcat.mediaType):
                if not isinstance(g.value(x, p), rdflib.URIRef):
                    errors.append(f"rdflib: {x}: {p} is not an IRI")
    return n


def main(argv):
    if len(argv) < 2 or argv[1].startswith("-"):
        print(__doc__.strip().splitlines()[0] + "\nusage: validate_opendata.py SOURCE [--no-fk]",
              file=sys.stderr)
        return 2
    errors, rows = [], {}
    check_package(argv[1], "--no-fk" not in argv, errors, rows)
    ids = check_catalog(argv[1], errors)
    if check_rdflib(argv[1], errors) != len(ids):
        errors.append("rdflib and pyld count different datasets")
    print(json.dumps({"errors": errors, "rows": rows, "datasets": ids}, indent=1))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
