"""Times the official protovalidate (Python) on the comparison corpus, in
process: each manifest (defaulted by planton, as JSON) is parsed once and
validated repeatedly. Prints per-manifest medians as JSON on stdout.

usage: compare_python.py --stubs DIR --planton BIN FILE...
"""
import argparse
import json
import statistics
import subprocess
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--stubs", required=True)
    ap.add_argument("--planton", required=True)
    ap.add_argument("--repeat", type=int, default=30)
    ap.add_argument("files", nargs="+")
    args = ap.parse_args()
    sys.path.insert(0, args.stubs)
    import protovalidate
    from google.protobuf import json_format
    from org.project_planton.provider.kubernetes.kubernetesjob.v1 import api_pb2

    validator = protovalidate.Validator()
    messages = []
    for f in args.files:
        out = subprocess.run([args.planton, "load", "-o", "json", f], capture_output=True, text=True)
        if out.returncode != 0:
            continue
        msg = api_pb2.KubernetesJob()
        json_format.Parse(out.stdout, msg)
        messages.append(msg)
        validator.collect_violations(msg)  # warm the rule cache
    per_manifest = []
    for msg in messages:
        times = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            validator.collect_violations(msg)
            times.append(time.perf_counter() - t)
        per_manifest.append(statistics.median(times))
    t = time.perf_counter()
    for msg in messages:
        validator.collect_violations(msg)
    one_pass = time.perf_counter() - t
    json.dump({
        "manifests": len(messages),
        "median_us": statistics.median(per_manifest) * 1e6,
        "mean_us": statistics.mean(per_manifest) * 1e6,
        "pass_us_per_manifest": one_pass / len(messages) * 1e6,
    }, sys.stdout)


if __name__ == "__main__":
    main()
