#!/usr/bin/env python3
"""Draws the precision-audit sample: a seeded random sample of error and warning
findings of `apiwatch diff --format json` over every consecutive corpus pair.

usage: sample.py APIWATCH_BINARY CORPUS_DIR [--seed N] [--errors N] [--warnings N]
Prints the sample as JSON (the fields an auditor needs to find the change in both
specs). Verdicts are added by hand, by reading both specs: would a client written
against the base spec fail against the revision?
"""
import argparse, json, random, subprocess, sys

ap = argparse.ArgumentParser()
ap.add_argument("binary"); ap.add_argument("corpus")
ap.add_argument("--seed", type=int, default=20261130)
ap.add_argument("--errors", type=int, default=60)
ap.add_argument("--warnings", type=int, default=20)
a = ap.parse_args()

manifest = json.load(open(f"{a.corpus}/MANIFEST.json"))
groups = {}
for s in manifest["specs"]:
    groups.setdefault((s["vendor"], s["api"]), []).append(s["file"])
pairs = [(x, y) for files in groups.values() for x, y in zip(files, files[1:])]

pool = {"error": [], "warning": []}
for base, rev in pairs:
    out = subprocess.run([a.binary, "diff", f"{a.corpus}/{base}", f"{a.corpus}/{rev}",
                          "--format", "json"], capture_output=True, check=True).stdout
    for f in json.loads(out)["findings"]:
        if f["severity"] in pool:
            pool[f["severity"]].append({
                "base": base, "revision": rev, "rule": f["rule"], "severity": f["severity"],
                "method": f.get("method"), "path": f.get("path"), "location": f["location"],
                "base_pointer": f.get("base_pointer"), "revision_pointer": f.get("revision_pointer"),
                "subject": f["subject"], "message": f["message"],
                "before": f.get("before"), "after": f.get("after"),
                "fingerprint": f["fingerprint"],
            })
rng = random.Random(a.seed)
sample = rng.sample(pool["error"], a.errors) + rng.sample(pool["warning"], a.warnings)
json.dump({"seed": a.seed, "population": {k: len(v) for k, v in pool.items()},
           "findings": sample}, sys.stdout, indent=1)
print()
