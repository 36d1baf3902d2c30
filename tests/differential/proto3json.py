#!/usr/bin/env python3
"""Differential check of JSON manifests: planton's reader vs Google's proto3 JSON parser.

A few hundred JSON manifests are made, deterministically, by mutating the
bundled examples (converted to proto3 JSON by `planton load -o json
--no-defaults`): each mutation puts one value of another JSON type or form in
one field (a number in a string field, `"1e2"` in an integer field, `1.5`,
`null`, an unknown field, ...). Each is read by

  - Google's Python `json_format.Parse` into the generated class
    org.project_planton.provider.kubernetes.kubernetesjob.v1.KubernetesJob, and
  - `planton load -o json --no-defaults FILE`;

both must accept or both refuse, and where both accept, the messages read
must be equal (compared as proto3 JSON: `json_format.MessageToDict` against
planton's output).

The documented deliberate differences (README, "JSON is proto3 JSON"), where
Python's parser is laxer than the proto3 JSON spec and Go's protojson, are
checked too: Python must accept each and planton refuse it (or, for the
exponent read through a double, read another value), so the list cannot go
stale.

Run it through tests/differential/run, which prepares the venv, the stubs and
the binary. Exit status: 0 agreement, 1 differences, 2 setup error.
"""

from __future__ import annotations

import argparse
import collections
import json
import random
import shutil
import subprocess
import sys
from pathlib import Path

MESSAGE = "org.project_planton.provider.kubernetes.kubernetesjob.v1.KubernetesJob"
SEED = 16
TARGET = 400


def die(msg: str) -> None:
    print(f"proto3json: error: {msg}", file=sys.stderr)
    sys.exit(2)


class Raw:
    """A JSON token written as is (`1e2`, `-0`), not as Python would write it."""

    def __init__(self, token: str) -> None:
        self.token = token

    def __repr__(self) -> str:
        return self.token


UNKNOWN_FIELD = object()

# Replacement values by the kind of field they go in; each with a label for
# the stratified pick. Python's own quirks (see KNOWN) are left out here.
STRINGS = [
    ("number", Raw("8080")),
    ("float", Raw("1.5")),
    ("exp", Raw("1e2")),
    ("true", True),
    ("false", False),
    ("null", None),
    ("list", ["x"]),
    ("object", {"a": "b"}),
    ("empty", ""),
    ("text", "plain"),
]
INTEGERS = [
    ("exp", Raw("1e2")),
    ("EXP+", Raw("1E+1")),
    ("frac0", Raw("100.0")),
    ("frac", Raw("1.5")),
    ("neg", Raw("-1")),
    ("negzero", Raw("-0")),
    ("zero.0", Raw("0.0")),
    ("small-exp", Raw("1e-2")),
    ("exp-int", Raw("2.5e1")),
    ("u32max", Raw("4294967295")),
    ("u32max+1", Raw("4294967296")),
    ("i32max+1", Raw("2147483648")),
    ("1e10", Raw("1e10")),
    ("u64max", Raw("18446744073709551615")),
    ("u64max+1", Raw("18446744073709551616")),
    ("i64max", Raw("9223372036854775807")),
    ("i64max+1", Raw("9223372036854775808")),
    ("i64min", Raw("-9223372036854775808")),
    ("huge", Raw("1e400")),
    ("s-exp", "1e2"),
    ("s-EXP", "3E1"),
    ("s-int", "100"),
    ("s-neg", "-5"),
    ("s-frac0", "1.0"),
    ("s-frac", "1.5"),
    ("s-word", "abc"),
    ("s-empty", ""),
    ("s-u32max+1", "4294967296"),
    ("s-u64max", "18446744073709551615"),
    ("s-hex", "0x10"),
    ("s-huge", "1e400"),
    ("s-nan", "NaN"),
    ("s-inf", "Infinity"),
    ("true", True),
    ("null", None),
    ("list", [1]),
    ("object", {}),
]
BOOLS = [
    ("s-true", "true"),
    ("one", Raw("1")),
    ("zero", Raw("0")),
    ("null", None),
    ("true", True),
    ("false", False),
    ("list", [True]),
]
ENUMS = [
    ("unknown-name", "NOPE"),
    ("number", Raw("1")),
    ("number.0", Raw("1.0")),
    ("unknown-number", Raw("99999")),
    ("null", None),
    ("object", {}),
]
MESSAGES = [
    ("string", "x"),
    ("number", Raw("5")),
    ("list", ["x"]),
    ("null", None),
    ("empty", {}),
]
LISTS = [
    ("scalar", "x"),
    ("empty", []),
    ("null-item", [None]),
    ("number-item", [Raw("5")]),
    ("null", None),
]
MAPS = [
    ("list", []),
    ("string", "x"),
    ("null", None),
    ("empty", {}),
]

# Python accepts these where planton (as the spec and Go's protojson) does
# not, or reads another value: (field path in the base, value, why).
KNOWN = [
    (["spec", "parallelism"], "+5", "a sign Python's int() takes"),
    (["spec", "parallelism"], "05", "a leading zero"),
    (["spec", "parallelism"], "1_000", "an underscore Python's int() takes"),
    (["spec", "parallelism"], "\t5", "whitespace other than a space"),
    (["spec", "activeDeadlineSeconds"], "12345678901234567891e0", "rounded through a double"),
    (["spec", "parallelism"], Raw("1.0000000000000000001"), "a fraction a double cannot keep"),
    (["spec", "namespace"], [], "an empty list read as an empty message"),
    (["spec", "namespace"], "", "an empty string read as an empty message"),
    (["spec", "env", "variables", "UPSTREAM", "valueFrom", "kind"], "814", "an enum number in a string"),
    (["spec", "env", "variables", "UPSTREAM", "valueFrom", "kind"], Raw("814.5"), "an enum number with a fraction (truncated)"),
    (["spec", "env", "variables", "UPSTREAM", "valueFrom", "kind"], True, "true as the enum number 1"),
]


def dumps(value) -> str:
    """JSON text of `value`, `Raw` tokens written as they are."""
    raws: list[str] = []

    def mark(v):
        if isinstance(v, Raw):
            raws.append(v.token)
            return f"\u0000RAW{len(raws) - 1}\u0000"
        if isinstance(v, dict):
            return {k: mark(x) for k, x in v.items()}
        if isinstance(v, list):
            return [mark(x) for x in v]
        return v

    text = json.dumps(mark(value), indent=1, ensure_ascii=False)
    for i, token in enumerate(raws):
        text = text.replace(json.dumps(f"\u0000RAW{i}\u0000"), token)
    return text


def sites(doc, desc, path, FD):
    """(path, kind, label list) of every field set in `doc` (message `desc`),
    and of each message, for an unknown field."""
    yield path, "message-unknown", None
    for name, value in doc.items():
        field = desc.fields_by_camelcase_name.get(name) or desc.fields_by_name.get(name)
        if field is None or (not path and name == "kind"):
            # `kind` picks the message: a manifest without a known one is
            # refused whatever its JSON (json_format reads it as any string).
            continue
        here = path + [name]
        is_map = field.message_type is not None and field.message_type.GetOptions().map_entry
        if is_map:
            yield here, "map", MAPS
            value_field = field.message_type.fields_by_name["value"]
            for key, v in value.items():
                yield from value_sites(v, value_field, here + [key], FD)
        elif field.is_repeated:
            yield here, "list", LISTS
            for i, v in enumerate(value):
                yield from value_sites(v, field, here + [i], FD)
        else:
            yield from value_sites(value, field, here, FD)


def value_sites(value, field, path, FD):
    if field.type == FD.TYPE_MESSAGE:
        yield path, "message", MESSAGES
        if isinstance(value, dict) and not field.message_type.full_name.startswith("google.protobuf."):
            yield from sites(value, field.message_type, path, FD)
    elif field.type == FD.TYPE_STRING:
        yield path, "string", STRINGS
    elif field.type == FD.TYPE_BOOL:
        yield path, "bool", BOOLS
    elif field.type == FD.TYPE_ENUM:
        yield path, "enum", ENUMS
    elif field.type in (
        FD.TYPE_INT32, FD.TYPE_INT64, FD.TYPE_UINT32, FD.TYPE_UINT64,
        FD.TYPE_SINT32, FD.TYPE_SINT64, FD.TYPE_FIXED32, FD.TYPE_FIXED64,
        FD.TYPE_SFIXED32, FD.TYPE_SFIXED64,
    ):
        yield path, f"int:{field.type}", INTEGERS


def put(doc, path, value):
    """A copy of `doc` with `value` at `path` (UNKNOWN_FIELD: a new field in
    the message at `path`)."""
    doc = json.loads(json.dumps(doc))
    target = doc
    for p in path[:-1] if value is not UNKNOWN_FIELD else path:
        target = target[p]
    if value is UNKNOWN_FIELD:
        target["bogusField"] = 1
    else:
        target[path[-1]] = value
    return doc


def planton_read(planton: str, repo: Path, file: Path):
    r = subprocess.run(
        [planton, "load", "-o", "json", "--no-defaults", str(file)],
        cwd=repo, capture_output=True, text=True, timeout=60,
    )
    if r.returncode == 0:
        return True, json.loads(r.stdout), ""
    if r.returncode == 2 and "panicked" not in r.stderr:
        return False, None, r.stderr.strip().splitlines()[0] if r.stderr.strip() else ""
    die(f"planton load {file}: exit {r.returncode}: {r.stderr[:500]}")


def python_read(json_format, cls, text: str):
    msg = cls()
    try:
        json_format.Parse(text, msg)
    except json_format.ParseError as e:
        return False, None, str(e).splitlines()[0][:200]
    return True, json_format.MessageToDict(msg), ""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repo", required=True, type=Path)
    ap.add_argument("--planton", required=True)
    ap.add_argument("--stubs", required=True, type=Path)
    ap.add_argument("--out", required=True, type=Path, help="directory for the mutated manifests")
    args = ap.parse_args()
    sys.path.insert(0, str(args.stubs.resolve()))
    try:
        from google.protobuf import descriptor, json_format, symbol_database  # noqa: PLC0415
        import org.project_planton.provider.kubernetes.kubernetesjob.v1.api_pb2  # noqa: F401,PLC0415
    except ImportError as e:
        die(f"cannot import protobuf or the generated stubs from {args.stubs}: {e}")
    cls = symbol_database.Default().GetSymbol(MESSAGE)
    FD = descriptor.FieldDescriptor

    examples = sorted((args.repo / "examples").glob("*.yaml"))
    if len(examples) < 5:
        die("the bundled examples are missing")
    bases = []
    for ex in examples:
        ok, doc, err = planton_read(args.planton, args.repo, ex)
        if not ok:
            die(f"{ex}: {err}")
        bases.append((ex.stem, doc))
    # No example has an enum field set: one more base with a reference (its
    # `kind` is the CloudResourceKind enum).
    ref = json.loads(json.dumps(dict(bases)["minimal"]))
    ref["spec"].setdefault("env", {}).setdefault("variables", {})["UPSTREAM"] = {
        "valueFrom": {"kind": "KubernetesPostgres", "name": "pg", "fieldPath": "status.outputs.host"}
    }
    bases.append(("reference", ref))

    # Every (site, value) candidate, grouped by field kind and value label.
    groups: dict[tuple[str, str], list] = collections.defaultdict(list)
    for stem, doc in bases:
        for path, kind, values in sites(doc, cls.DESCRIPTOR, [], FD):
            if values is None:
                groups[(kind, "bogus")].append((stem, doc, path, "bogus", UNKNOWN_FIELD))
                continue
            for label, value in values:
                groups[(kind, label)].append((stem, doc, path, label, value))
    rng = random.Random(SEED)
    for key in sorted(groups):
        rng.shuffle(groups[key])
    # Round-robin over the groups (sorted), so every kind of mutation is in.
    picked = []
    order = sorted(groups)
    while len(picked) < TARGET and any(groups[k] for k in order):
        for k in order:
            if groups[k] and len(picked) < TARGET:
                picked.append(groups[k].pop())

    if args.out.exists():
        shutil.rmtree(args.out)
    args.out.mkdir(parents=True)
    differences = []
    tally = collections.Counter()
    for i, (stem, doc, path, label, value) in enumerate(picked):
        text = dumps(put(doc, path, value))
        file = args.out / f"m{i:03d}-{stem}.json"
        file.write_text(text + "\n")
        ours = planton_read(args.planton, args.repo, file)
        theirs = python_read(json_format, cls, text)
        where = ".".join(map(str, path)) or "(top level)"
        tally[(ours[0], theirs[0])] += 1
        if ours[0] != theirs[0]:
            differences.append(
                f"{file.name}: {where} = {label}: planton {'accepts' if ours[0] else 'refuses (' + ours[2] + ')'}, "
                f"json_format {'accepts' if theirs[0] else 'refuses (' + theirs[2] + ')'}"
            )
        elif ours[0] and ours[1] != theirs[1]:
            differences.append(
                f"{file.name}: {where} = {label}: read differently:\n  planton:     {json.dumps(ours[1], sort_keys=True)}\n"
                f"  json_format: {json.dumps(theirs[1], sort_keys=True)}"
            )

    # The documented differences still hold.
    base = dict(bases)["reference"]
    for i, (path, value, why) in enumerate(KNOWN):
        doc = json.loads(json.dumps(base))
        target = doc
        for p in path[:-1]:
            target = target.setdefault(p, {})
        target[path[-1]] = value
        text = dumps(doc)
        file = args.out / f"known{i}.json"
        file.write_text(text + "\n")
        ours = planton_read(args.planton, args.repo, file)
        theirs = python_read(json_format, cls, text)
        if not theirs[0] or (ours[0] and ours[1] == theirs[1]):
            differences.append(
                f"documented difference no longer holds: {'.'.join(path)} = {value!r} ({why}): "
                f"{ours[2] or ''} / {theirs[2] or ''}: "
                f"planton {'accepts' if ours[0] else 'refuses'}, json_format {'accepts' if theirs[0] else 'refuses'}"
            )

    both_accept = tally[(True, True)]
    both_refuse = tally[(False, False)]
    print(
        f"proto3json: {len(picked)} mutated JSON manifests ({len(groups)} kinds of mutation): "
        f"{both_accept} accepted by both (same message), {both_refuse} refused by both, "
        f"{len(differences)} difference(s); {len(KNOWN)} documented differences checked"
    )
    if both_accept < 50 or both_refuse < 50:
        print("proto3json: too few accepted or refused manifests to mean anything", file=sys.stderr)
        return 1
    for d in differences:
        print(f"DIFFERENCE {d}")
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
