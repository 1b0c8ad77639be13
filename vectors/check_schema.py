"""Validates every vector file (vectors/ and examples/*/) against vectors/schema.json (needs the
jsonschema package)."""
import glob
import json
import os
import sys

import jsonschema

here = os.path.dirname(os.path.abspath(__file__))
schema = json.load(open(os.path.join(here, "schema.json")))
validator = jsonschema.Draft202012Validator(schema)
files = sorted(glob.glob(os.path.join(here, "*.json")) + glob.glob(os.path.join(here, "generated", "*.json")))
# Vector files that examples ship for users to copy (examples/tlv/tlv.json).
files += sorted(glob.glob(os.path.join(here, "..", "examples", "*", "*.json")))
bad = 0
count = 0
for path in files:
    if path.endswith("schema.json"):
        continue
    doc = json.load(open(path))
    count += len(doc.get("vectors", []))
    for err in validator.iter_errors(doc):
        bad += 1
        print(f"{os.path.relpath(path, here)}: {'/'.join(map(str, err.absolute_path))}: {err.message}")
print(f"{len(files) - 1} files, {count} vectors, {bad} schema errors")
sys.exit(1 if bad else 0)
