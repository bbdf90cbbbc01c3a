"""Validates report files against docs/report.schema.json (JSON Schema draft 2020-12).

usage: python3 tests/validate_report.py SCHEMA REPORT... ; exit 0 when every report is valid,
1 with one line per problem otherwise."""
import json
import sys

import jsonschema


def main():
    with open(sys.argv[1]) as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    bad = 0
    for path in sys.argv[2:]:
        with open(path) as f:
            report = json.load(f)
        for error in validator.iter_errors(report):
            where = "/".join(str(p) for p in error.absolute_path)
            print(f"{path}: {where}: {error.message}", file=sys.stderr)
            bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
