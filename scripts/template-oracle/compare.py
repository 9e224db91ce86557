#!/usr/bin/env python3
"""Compares the two evaluators' results for scripts/template-oracle.

Usage: compare.py CASES HCL_RESULTS SAFEGUARD_RESULTS [--show N]

A case agrees when both refuse it or both give the same value. Prints the
first N differing cases (default 5) and a summary; exits 1 on any difference.
"""
import json
import sys


def main():
    cases_path, theirs_path, ours_path = sys.argv[1:4]
    show = int(sys.argv[5]) if len(sys.argv) > 5 and sys.argv[4] == "--show" else 5
    cases = [c for c in open(cases_path, encoding="utf-8").read().split("\n\x1e\n") if c.strip()]
    theirs = [json.loads(line) for line in open(theirs_path, encoding="utf-8")]
    ours = [json.loads(line) for line in open(ours_path, encoding="utf-8")]
    if not len(cases) == len(theirs) == len(ours):
        sys.exit(f"compare: {len(cases)} cases, {len(theirs)} HCL results, {len(ours)} safeguard results")
    refused = differ = 0
    for case, hcl, safeguard in zip(cases, theirs, ours):
        if "error" in hcl and "error" in safeguard:
            refused += 1
            continue
        if "value" in hcl and hcl.get("value") == safeguard.get("value"):
            continue
        differ += 1
        if differ <= show:
            print(f"differs: {case!r}\n  HCL:       {hcl}\n  safeguard: {safeguard}")
    print(f"{len(cases)} templates: {len(cases) - refused - differ} same value, "
          f"{refused} refused by both, {differ} different")
    sys.exit(1 if differ else 0)


main()
