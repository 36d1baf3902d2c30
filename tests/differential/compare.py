#!/usr/bin/env python3
"""Differential check: planton's buf.validate verdicts vs the official protovalidate.

For every corpus manifest:
  1. `planton load -o json FILE` gives the defaulted manifest in proto3 JSON
     (a file that does not load is skipped and counted);
  2. that JSON is parsed into the generated Python class
     org.project_planton.provider.kubernetes.kubernetesjob.v1.KubernetesJob and
     validated with protovalidate (Python, the reference implementation);
  3. the multiset of (field path, rule id) it reports is compared with the
     violations whose source is "buf.validate" in one
     `planton validate --output json FILE...` run over the whole corpus.

Run it through tests/differential/run, which prepares the venv, the stubs and
the binary. Exit status: 0 no difference, 1 differences, 2 setup error.
"""

from __future__ import annotations

import argparse
import collections
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

MESSAGE_TYPE = "org.project_planton.provider.kubernetes.kubernetesjob.v1.KubernetesJob"
TIMED_EXAMPLE = "examples/data-migration.yaml"


def die(msg: str) -> None:
    print(f"differential: error: {msg}", file=sys.stderr)
    sys.exit(2)


# --------------------------------------------------------------------------
# Field path rendering (protovalidate's canonical string form, as in
# protovalidate-go's FieldPathString: elements joined by '.', each subscript in
# brackets, string keys quoted like Go's strconv.Quote).

_GO_ESCAPES = {
    "\a": "\\a",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\v": "\\v",
    "\\": "\\\\",
    '"': '\\"',
}


def go_quote(s: str) -> str:
    out = ['"']
    for ch in s:
        if ch in _GO_ESCAPES:
            out.append(_GO_ESCAPES[ch])
        elif ch.isprintable():
            out.append(ch)
        elif ord(ch) < 0x80:
            out.append(f"\\x{ord(ch):02x}")
        elif ord(ch) < 0x10000:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    out.append('"')
    return "".join(out)


def field_path_string(elements) -> str:
    parts = []
    for el in elements:
        s = el.field_name
        which = el.WhichOneof("subscript")
        if which == "index":
            s += f"[{el.index}]"
        elif which == "bool_key":
            s += "[true]" if el.bool_key else "[false]"
        elif which in ("int_key", "uint_key"):
            s += f"[{getattr(el, which)}]"
        elif which == "string_key":
            s += f"[{go_quote(el.string_key)}]"
        parts.append(s)
    return ".".join(parts)


# --------------------------------------------------------------------------


def discover_corpus(repo: Path) -> list[str]:
    found: set[Path] = set()
    found.update(repo.glob("examples/*.yaml"))
    for pattern in ("*.yaml", "*.yml", "*.json"):
        found.update(repo.glob(f"tests/data/validate/**/{pattern}"))
        found.update(repo.glob(f"tests/differential/corpus/**/{pattern}"))
    return sorted(p.relative_to(repo).as_posix() for p in found if p.is_file())


def run(cmd: list[str], repo: Path, timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        cmd, cwd=repo, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL
    )


def first_line(text: str) -> str:
    text = text.strip()
    return text.splitlines()[0] if text else "(no output)"


def python_verdict(validator, msg_class, json_format, json_text: str):
    """Returns (Counter of (path, rule_id), {key: message}) or raises."""
    msg = msg_class()
    json_format.Parse(json_text, msg)  # strict: unknown fields are an error
    violations = validator.collect_violations(msg)
    keys = collections.Counter()
    messages = {}
    for v in violations:
        p = v.proto
        key = (field_path_string(p.field.elements), p.rule_id)
        keys[key] += 1
        messages.setdefault(key, p.message)
    return keys, messages


def ours_by_file(planton: str, repo: Path, files: list[str]):
    """Runs one `planton validate --output json` over all files."""
    proc = run([planton, "validate", "--output", "json", *files], repo, timeout=600)
    try:
        doc = json.loads(proc.stdout)
    except json.JSONDecodeError:
        die(
            f"`planton validate --output json` (exit {proc.returncode}) did not print one JSON "
            f"document: {first_line(proc.stdout or proc.stderr)}"
        )
    if not isinstance(doc, dict) or not isinstance(doc.get("files"), list):
        die("`planton validate --output json` output has no \"files\" list")
    by_file = {}
    for entry in doc["files"]:
        name = entry.get("file")
        if name in by_file:
            die(f"`planton validate` reported {name!r} twice")
        by_file[name] = entry
    return proc.returncode, by_file


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repo", required=True, type=Path, help="workspace root")
    ap.add_argument("--planton", required=True, help="path of the planton binary")
    ap.add_argument("--stubs", required=True, type=Path, help="directory of the generated *_pb2.py")
    ap.add_argument("--reps", type=int, default=50, help="repetitions for the Python timing")
    ap.add_argument("--cli-reps", type=int, default=20, help="repetitions for the planton timing")
    ap.add_argument("--show-messages", action="store_true", help="list message-text mismatches (info only)")
    ap.add_argument("files", nargs="*", help="manifests relative to --repo (default: the whole corpus)")
    args = ap.parse_args()

    repo = args.repo.resolve()
    sys.path.insert(0, str(args.stubs.resolve()))
    try:
        import protovalidate  # noqa: PLC0415
        from google.protobuf import json_format, symbol_database  # noqa: PLC0415
        import org.project_planton.provider.kubernetes.kubernetesjob.v1.api_pb2  # noqa: F401,PLC0415
    except ImportError as e:
        die(f"cannot import protovalidate or the generated stubs from {args.stubs}: {e}")
    msg_class = symbol_database.Default().GetSymbol(MESSAGE_TYPE)
    validator = protovalidate.Validator()

    files = args.files or discover_corpus(repo)
    if not files:
        die("empty corpus")

    # --- load every manifest; the ones that do not load are skipped ---------
    loaded: dict[str, str] = {}
    skipped: dict[str, str] = {}
    for f in files:
        proc = run([args.planton, "load", "-o", "json", f], repo)
        if proc.returncode == 0:
            loaded[f] = proc.stdout
        else:
            skipped[f] = first_line(proc.stderr or proc.stdout)

    # --- our side: one validate run over everything -------------------------
    t0 = time.perf_counter()
    rc, ours = ours_by_file(args.planton, repo, files)
    batch_seconds = time.perf_counter() - t0

    diffs: list[str] = []
    compared = 0
    msg_mismatch: list[str] = []
    any_error = any_violation = False

    for f in files:
        entry = ours.get(f)
        if entry is None:
            diffs.append(f"{f}: missing from `planton validate` output")
            continue
        if "error" in entry:
            any_error = True
            if f in loaded:
                diffs.append(f"{f}: `planton load` succeeds but `planton validate` reports error: {entry['error']}")
            continue
        our_viols = entry.get("violations") or []
        load_findings = [v for v in our_viols if v.get("source") == "load"]
        if f in skipped:
            # `validate` recovers from field errors: they are its findings
            # (source "load"), and the rest of the file is still checked.
            if not load_findings or entry.get("valid") is not False:
                diffs.append(f"{f}: `planton load` fails ({skipped[f]}) but `planton validate` reports no load error")
            any_violation = True
            continue
        if load_findings:
            diffs.append(f"{f}: `planton load` succeeds but `planton validate` reports load errors")
        # Warnings (a Kubernetes rule's severity) do not make a file invalid.
        our_errors = [v for v in our_viols if v.get("severity", "error") == "error"]
        if bool(entry.get("valid")) != (len(our_errors) == 0):
            diffs.append(f"{f}: \"valid\" is {entry.get('valid')} with {len(our_errors)} error(s)")
        any_violation |= bool(our_viols)

        theirs_keys, theirs_msgs = collections.Counter(), {}
        try:
            theirs_keys, theirs_msgs = python_verdict(validator, msg_class, json_format, loaded[f])
        except json_format.ParseError as e:
            diffs.append(f"{f}: protobuf json_format cannot parse `planton load -o json` output: {e}")
            continue
        except protovalidate.CompilationError as e:
            diffs.append(f"{f}: protovalidate compilation error: {e}")
            continue

        ours_keys = collections.Counter()
        ours_msgs = {}
        for v in our_viols:
            if v.get("source") != "buf.validate":
                continue
            key = (v.get("field_path"), v.get("rule_id"))
            ours_keys[key] += 1
            ours_msgs.setdefault(key, v.get("message"))

        union = theirs_keys | ours_keys
        compared += sum(union.values())
        for key in sorted(union, key=lambda k: (str(k[0]), str(k[1]))):
            t, o = theirs_keys[key], ours_keys[key]
            path, rule = key
            if t > o:
                extra = f" (x{t - o})" if t - o > 1 else ""
                diffs.append(f"{f}: only protovalidate reports {path} [{rule}]{extra}")
            elif o > t:
                extra = f" (x{o - t})" if o - t > 1 else ""
                diffs.append(f"{f}: only planton reports {path} [{rule}]{extra}")
            elif theirs_msgs.get(key) != ours_msgs.get(key):
                msg_mismatch.append(
                    f"{f}: {path} [{rule}]: protovalidate {theirs_msgs.get(key)!r} / planton {ours_msgs.get(key)!r}"
                )

    expected_rc = 2 if any_error else 1 if any_violation else 0
    if rc != expected_rc:
        diffs.append(f"(corpus): `planton validate` exited {rc}, expected {expected_rc} by the contract")

    # --- report -------------------------------------------------------------
    for f in sorted(skipped):
        print(f"skip {f}: load failed: {skipped[f]}")
    for d in diffs:
        print(f"DIFF {d}")
    if msg_mismatch:
        print(f"info: {len(msg_mismatch)} matched violation(s) differ only in message text"
              + ("" if args.show_messages else " (--show-messages lists them)"))
        if args.show_messages:
            for m in msg_mismatch:
                print(f"  {m}")

    timing(args, repo, validator, msg_class, json_format, protovalidate, loaded)
    print(
        f"info: planton validate over the whole corpus ({len(files)} files, one process): "
        f"{batch_seconds * 1e3:.0f} ms wall"
    )

    n = len(files) - len(skipped)
    print(
        f"differential: {n} manifests, {compared} violations compared, {len(diffs)} differences"
        + (f" ({len(skipped)} skipped: load failed)" if skipped else "")
    )
    return 1 if diffs else 0


def timing(args, repo, validator, msg_class, json_format, protovalidate, loaded) -> None:
    text = loaded.get(TIMED_EXAMPLE)
    if text is None:
        proc = run([args.planton, "load", "-o", "json", TIMED_EXAMPLE], repo)
        if proc.returncode != 0:
            print(f"info: timing skipped, {TIMED_EXAMPLE} does not load")
            return
        text = proc.stdout

    msg = msg_class()
    json_format.Parse(text, msg)
    fresh = protovalidate.Validator()
    t0 = time.perf_counter()
    fresh.collect_violations(msg)  # first call compiles and caches the rules
    cold = time.perf_counter() - t0
    samples = []
    for _ in range(max(1, args.reps)):
        t0 = time.perf_counter()
        fresh.collect_violations(msg)
        samples.append(time.perf_counter() - t0)
    print(
        f"info: protovalidate (Python) {TIMED_EXAMPLE}: first call {cold * 1e3:.2f} ms (includes building the rule cache), "
        f"then median {statistics.median(samples) * 1e3:.3f} ms / min {min(samples) * 1e3:.3f} ms "
        f"over {len(samples)} in-process validations"
    )

    samples = []
    for _ in range(max(1, args.cli_reps)):
        t0 = time.perf_counter()
        run([args.planton, "validate", "--output", "json", TIMED_EXAMPLE], repo)
        samples.append(time.perf_counter() - t0)
    print(
        f"info: planton validate {TIMED_EXAMPLE}: median {statistics.median(samples) * 1e3:.2f} ms "
        f"wall per process (load + defaults + validate + startup) over {len(samples)} runs"
    )


if __name__ == "__main__":
    sys.exit(main())
