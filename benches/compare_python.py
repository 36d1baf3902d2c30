"""Times the official protovalidate (Python) on the comparison corpus, in
process, two ways:

- validate only: each manifest (defaulted by planton, as JSON) is parsed once
  and validated repeatedly;
- load + defaults + validate: the YAML text read with PyYAML's C loader
  (CSafeLoader, YAML 1.1 like kubectl), turned into the message by
  json_format.ParseDict, given the defaults the protos declare (the scalar
  `(org.project_planton.shared.options.default)` and the message
  `default_container_resources` options, applied by reflection from a plan
  built once per message type, as planton does), then validated. Texts that
  this route cannot read (YAML 1.1 values of the wrong JSON type, unknown
  fields: the error cases of the corpus) are left out, and listed, so that
  the Rust side times the same texts.

Prints both as JSON on stdout.

usage: compare_python.py --stubs DIR --planton BIN FILE...
"""
import argparse
import json
import statistics
import subprocess
import sys
import time


class Defaults:
    """The defaults the protos declare, applied by reflection from a plan
    built once per message type (like planton's `Defaults`)."""

    def __init__(self, scalar_ext, message_ext):
        self.scalar_ext = scalar_ext
        self.message_ext = message_ext
        self.plans = {}

    @staticmethod
    def convert(field, text):
        t = field.type
        if t == field.TYPE_BOOL:
            return text == "true"
        if t == field.TYPE_ENUM:
            return field.enum_type.values_by_name[text].number
        if t in (field.TYPE_FLOAT, field.TYPE_DOUBLE):
            return float(text)
        if t in (field.TYPE_STRING,):
            return text
        return int(text)

    def plan(self, desc):
        if desc.full_name in self.plans:
            return self.plans[desc.full_name] or []
        self.plans[desc.full_name] = None  # a cycle has no defaults
        steps = []
        for f in desc.fields:
            if f.is_repeated:
                continue
            opts = f.GetOptions()
            if f.message_type is not None:
                if opts.HasExtension(self.message_ext) and f.message_type == self.message_ext.message_type:
                    steps.append(("message", f, opts.Extensions[self.message_ext]))
                    continue
                sub = self.plan(f.message_type)
                if sub:
                    steps.append(("nested", f, sub))
            elif opts.HasExtension(self.scalar_ext):
                steps.append(("scalar", f, self.convert(f, opts.Extensions[self.scalar_ext])))
        self.plans[desc.full_name] = steps
        return steps

    def apply(self, msg, steps=None):
        for kind, f, value in self.plan(msg.DESCRIPTOR) if steps is None else steps:
            if kind == "scalar":
                if f.has_presence:
                    if not msg.HasField(f.name):
                        setattr(msg, f.name, value)
                elif not getattr(msg, f.name):
                    setattr(msg, f.name, value)
            elif kind == "nested":
                self.apply(getattr(msg, f.name), value)
            elif not msg.HasField(f.name):
                getattr(msg, f.name).CopyFrom(value)
            else:
                self.fill(getattr(msg, f.name), value)

    def fill(self, dst, src):
        """The leaves of `src` that `dst` lacks."""
        for f, value in src.ListFields():
            if f.message_type is not None and not f.is_repeated:
                self.fill(getattr(dst, f.name), value)
            elif f.has_presence and not dst.HasField(f.name):
                setattr(dst, f.name, value)
            elif not f.has_presence and not getattr(dst, f.name):
                setattr(dst, f.name, value)


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

    import yaml
    from org.project_planton.shared.options import options_pb2 as shared_options
    from org.project_planton.provider.kubernetes import options_pb2 as k8s_options

    validator = protovalidate.Validator()
    defaults = Defaults(shared_options.default, k8s_options.default_container_resources)
    messages = []
    by_file = {}
    for f in args.files:
        out = subprocess.run([args.planton, "load", "-o", "json", f], capture_output=True, text=True)
        if out.returncode != 0:
            continue
        msg = api_pb2.KubernetesJob()
        json_format.Parse(out.stdout, msg)
        messages.append(msg)
        by_file[f] = msg
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
    # Load + defaults + validate, from the text.
    def load(text):
        msg = api_pb2.KubernetesJob()
        json_format.ParseDict(yaml.load(text, Loader=yaml.CSafeLoader), msg)
        defaults.apply(msg)
        return msg

    def load_check(text):
        return validator.collect_violations(load(text))

    texts, load_files, differs = [], [], []
    for f in args.files:
        if not f.endswith((".yaml", ".yml")):
            continue
        with open(f) as fh:
            text = fh.read()
        try:
            load_check(text)
        except Exception:
            continue
        texts.append(text)
        load_files.append(f)
        # The same message as planton's load and defaults, or counted.
        if by_file.get(f) != load(text):
            differs.append(f)
    load_per_manifest = []
    for text in texts:
        times = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            load_check(text)
            times.append(time.perf_counter() - t)
        load_per_manifest.append(statistics.median(times))
    t = time.perf_counter()
    for text in texts:
        load_check(text)
    load_pass = time.perf_counter() - t
    json.dump({
        "load_manifests": len(texts),
        "load_files": load_files,
        "load_differs_from_planton": differs,
        "load_median_us": statistics.median(load_per_manifest) * 1e6,
        "load_pass_us_per_manifest": load_pass / len(texts) * 1e6,
        "manifests": len(messages),
        "median_us": statistics.median(per_manifest) * 1e6,
        "mean_us": statistics.mean(per_manifest) * 1e6,
        "pass_us_per_manifest": one_pass / len(messages) * 1e6,
    }, sys.stdout)


if __name__ == "__main__":
    main()
