#!/usr/bin/env python3
"""Random HCL expressions for scripts/hcl-oracle/run, deterministic from a seed.

Usage: gen_expressions.py SEED COUNT > cases

Operators (arithmetic, comparison, logic, unary), conditionals, `for`
expressions over tuples and objects (with `if` and grouping `...`), splats,
indexing and attribute access, templates interpolating numbers and bools,
and literals of every type, nested three deep over the locals the two
evaluators share (`l`, `x`, `t`, `f`, `n`, `m`, `objs`). Functions are left
out: Terraform's own live outside hashicorp/hcl. Cases are separated by a
line holding only U+001E.
"""
import random
import sys


def main():
    rng = random.Random(int(sys.argv[1]))
    count = int(sys.argv[2])

    def literal():
        return rng.choice([
            "0", "1", "2", "-3", "10", "0.5", "1.25", "1e3", "3.0", "100000000",
            '"a"', '"10"', '"1.5"', '"true"', '""', '"X"',
            "true", "false", "null",
            "local.x", "local.t", "local.f", "local.n", "local.l", "local.m",
            "local.objs", "local.l[0]", "local.m.a", 'local.m["b"]',
            "local.objs[1].name", "[]", "{}", "[1, 2]", '{ a = 1 }',
        ])

    numbers = ["0", "1", "2", "-3", "10", "0.5", "1.25", "1e3", "3.0", "local.n", "local.m.a",
               '"10"', '"1.5"', "local.objs[1].v"]
    bools = ["true", "false", "local.t", "local.f", '"true"', '"false"']

    def typed(depth, pool, ops):
        """An expression most likely of one type, so that most cases evaluate."""
        if depth <= 0 or rng.random() < 0.3:
            return rng.choice(pool)
        if rng.random() < 0.2:
            return expr(depth - 1)
        return f"{typed(depth - 1, pool, ops)} {rng.choice(ops)} {typed(depth - 1, pool, ops)}"

    def expr(depth):
        if depth <= 0:
            return literal()
        if rng.random() < 0.35:
            if rng.random() < 0.5:
                return typed(depth, numbers, ["+", "-", "*", "/", "%", "<", ">=", "=="])
            return typed(depth, bools, ["&&", "||", "==", "!="])
        kind = rng.randint(0, 11)
        sub = lambda: expr(depth - 1)
        if kind <= 2:
            op = rng.choice(["+", "-", "*", "/", "%", "==", "!=", "<", ">", "<=", ">=", "&&", "||"])
            return f"{sub()} {op} {sub()}"
        if kind == 3:
            return rng.choice(["!", "-"]) + sub()
        if kind == 4:
            return f"{sub()} ? {sub()} : {sub()}"
        if kind == 5:
            return f"({sub()})"
        if kind == 6:
            coll = rng.choice(["local.l", "local.objs", "local.m", "[1, 2, 3]", '["b", "a", "b"]'])
            body = rng.choice(["v", "k", '"${k}-${v}"', "v == \"a\"", sub()])
            cond = rng.choice(["", "", " if v != \"a\"", f" if {sub()}"])
            if rng.random() < 0.5:
                return f"[for k, v in {coll} : {body}{cond}]"
            group = rng.choice(["", "..."])
            return f"{{for k, v in {coll} : k => {body}{group}{cond}}}"
        if kind == 7:
            return rng.choice(["local.objs[*].name", "local.objs.*.v", "local.objs[*].v[0]",
                               "local.l[*]", "local.x[*]", "null[*]", "local.m[*].a"])
        if kind == 8:
            index = rng.choice(["0", "1", "2", "-1", '"0"', "1.0"])
            return f"[{sub()}, {sub()}][{index}]"
        if kind == 9:
            return f'"pre ${{{sub()}}} post"'
        if kind == 10:
            return f"{{ k1 = {sub()}, \"k2\" = {sub()} }}.{rng.choice(['k1', 'k2', 'k3'])}"
        return f"[{sub()}, {sub()}]"

    cases = [expr(rng.randint(1, 3)) for _ in range(count)]
    sys.stdout.write("\n\x1e\n".join(cases) + "\n\x1e\n")


main()
