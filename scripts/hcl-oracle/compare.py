#!/usr/bin/env python3
"""Compares the two evaluators' results for scripts/hcl-oracle/run.

Usage: compare.py CASES HCL_RESULTS SAFEGUARD_RESULTS [--show N]

Each case falls in one class:
- same: both give the same value (numbers equal to 1e-9 relative; HCL's
  numbers are arbitrary-precision, ours are doubles);
- refused by both: neither parses it;
- HCL error, ours unknown: Terraform would reject the expression; an
  evaluation error is an unknown value for us, never a guess;
- HCL panics: Debian's cty 1.12 crashes on `(1 / 0) % 2`;
- newer cty: Debian's cty 1.12 refuses `element(l, -1)`; the cty Terraform
  uses now wraps a negative index from the end, and so do we;
- deliberate: the two differences below;
- different: anything else, which fails the comparison.

Deliberate differences:
- Numbers are doubles here and arbitrary-precision floats in Terraform, so
  a quotient that does not terminate turns into text with 17 significant
  digits here and about 155 there (`"${10 / 3}"`).
- Terraform converts both results of a conditional (`c ? a : b`) to one
  type before it picks one
  (`true ? 1 : "x"` is "1"), and the provider converts the attribute's value
  to its schema's type afterwards anyway; we keep the chosen result as
  written, so a policy sees the value the provider will store.
- Not compared, because the generator leaves them out: Terraform's
  `length`, `substr` and `split("", s)` count grapheme clusters, we count
  characters (a letter with a combining accent is 2 here, 1 there);
  Terraform's `upper` of the few Greek letters with iota subscript; and
  `tolist`, `toset`, `tomap` of mixed element types, which Terraform
  converts to one type and we leave as they are.
- Where a conditional's results have no common type (`true ? 1 : []`),
  Terraform refuses
  the configuration; we still evaluate the chosen result.
"""
import json
import re
import sys

DECIMAL = re.compile(r"[-+]?[0-9]+\.[0-9]+(?:e[-+]?[0-9]+)?")


def digits15(text):
    """Text with every decimal number in it rounded to 15 significant digits."""
    return DECIMAL.sub(lambda m: f"{float(m.group(0)):.15g}", text)


def same(a, b):
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def as_text(value):
    """A scalar as Terraform converts it to a string, for unified results."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return ("-" if str(value).startswith("-") else "") + str(abs(int(value)))
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return [as_text(v) for v in value]
    if isinstance(value, dict):
        return {k: as_text(v) for k, v in value.items()}
    return value


def unified(hcl, ours):
    """HCL's value is ours with some scalars converted to strings (see above)."""
    if same(hcl, ours):
        return True
    if isinstance(hcl, str) and not isinstance(ours, (list, dict)):
        return hcl == as_text(ours)
    if isinstance(hcl, list) and isinstance(ours, list):
        return len(hcl) == len(ours) and all(unified(h, o) for h, o in zip(hcl, ours))
    if isinstance(hcl, dict) and isinstance(ours, dict):
        return hcl.keys() == ours.keys() and all(unified(hcl[k], ours[k]) for k in hcl)
    return False


def classify(case, hcl, ours):
    if "error" in hcl and "error" in ours:
        return "refused by both"
    if "value" in hcl and "value" in ours:
        if same(hcl["value"], ours["value"]):
            return "same"
        h, o = hcl["value"], ours["value"]
        if isinstance(h, str) and isinstance(o, str) and digits15(h) == digits15(o):
            return "deliberate: numbers as doubles in text"
        if "?" in case and unified(h, o):
            return "deliberate: conditional results not converted to one type"
        return "different"
    if "error" in hcl and "panic in function implementation" in hcl["error"]:
        # cty 1.12 (Debian's) panics on an infinity's modulo; later cty
        # returns the product, as we do.
        return "HCL panics"
    if "error" in hcl and "unknown" in ours:
        return "HCL error, ours unknown"
    if "error" in hcl and "value" in ours and "element function with a negative index" in hcl["error"]:
        return "newer cty: a negative element index wraps"
    if "error" in hcl and "value" in ours and (
            "Inconsistent conditional result types" in hcl["error"]
            # Inside try, Terraform's error picks the fallback instead.
            or ("?" in case and "try(" in case)):
        return "deliberate: conditional results of no common type evaluated"
    if ("value" in hcl and "unknown" in ours and "?" in case
            and "cannot convert" in ours["unknown"]):
        # The first difference, one step on: Terraform's converted result
        # (`"1"`) converts again where ours (`1`) does not.
        return "deliberate: conditional results not converted to one type"
    return "different"


def main():
    cases_path, theirs_path, ours_path = sys.argv[1:4]
    show = int(sys.argv[5]) if len(sys.argv) > 5 and sys.argv[4] == "--show" else 5
    with open(cases_path, encoding="utf-8", newline="") as f:
        cases = [c for c in f.read().split("\n\x1e\n") if c.strip()]
    theirs = [json.loads(line) for line in open(theirs_path, encoding="utf-8")]
    ours = [json.loads(line) for line in open(ours_path, encoding="utf-8")]
    if not len(cases) == len(theirs) == len(ours):
        sys.exit(f"compare: {len(cases)} cases, {len(theirs)} HCL results, {len(ours)} safeguard results")
    counts = {}
    shown = 0
    for case, hcl, safeguard in zip(cases, theirs, ours):
        kind = classify(case, hcl, safeguard)
        counts[kind] = counts.get(kind, 0) + 1
        if kind == "different" and shown < show:
            shown += 1
            print(f"differs: {case!r}\n  HCL:       {hcl}\n  safeguard: {safeguard}")
    summary = ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items(), key=lambda kv: -kv[1]))
    print(f"{len(cases)} cases: {summary}")
    sys.exit(1 if counts.get("different") else 0)


main()
