#!/usr/bin/env python3
"""Random HCL expressions for scripts/hcl-oracle/run, deterministic from a seed.

Usage: gen_expressions.py SEED COUNT > cases

Operators (arithmetic, comparison, logic, unary), conditionals, `for`
expressions over tuples and objects (with `if` and grouping `...`), splats,
indexing and attribute access, templates interpolating numbers and bools,
and literals of every type, nested three deep over the locals the two
evaluators share (`l`, `x`, `t`, `f`, `n`, `m`, `objs`). Functions are left
in: those that come from cty's standard library as Terraform uses them,
and the few Terraform writes itself as main.go rebuilds them (cidrsubnet is
left out). Cases are separated by a
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
        kind = rng.randint(0, 12)
        sub = lambda: expr(depth - 1)
        if kind == 12:
            return call(depth - 1)
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

    # No combining characters: Terraform's length, substr and split("")
    # count grapheme clusters, we count characters (see compare.py).
    strings = ['"a"', '"Hello World"', '""', '"a,b,,c"', '"é"', '"  padded\\n "', '"10"',
               '"x-1.5-y"', "local.x", '"true"', '"ab%sc"', '"straße"', '"İx"']
    lists = ["local.l", "[1, 2, 3]", '["b", "a", "b"]', "[]", "[[1, 2], [3, [4]]]",
             "local.objs", '["a", 1, true]', "[null, 1]"]
    maps = ["local.m", "{}", '{ z = 1, a = "2" }', "{ a = null }"]
    # The conversions make one element type of mixed ones, which we leave
    # as they are (see compare.py); they get collections of one type.
    same_type_lists = ["local.l", "[1, 2, 3]", '["b", "a", "b"]', "[]", "[[1], [2, 3]]"]
    # Sets of strings only: cty orders a set of numbers by value, `toset`
    # here keeps them as written.
    string_lists = ["local.l", '["b", "a", "b"]', "[]", '["a", "", "c"]', '["", null, "x"]']
    same_type_maps = ['{ a = "x", b = "y" }', "{}", "{ z = 1, a = 2 }"]

    def pick(pool, depth):
        return rng.choice(pool) if depth <= 0 or rng.random() < 0.7 else expr(depth)

    formats = ['"%s-%d"', '"%v"', '"%q"', '"%.2f"', '"%5s|"']
    json_texts = ['"{\\"a\\": [1, 2.5]}"', '"[true, null]"', '"1e2"']
    patterns = ['"[a-z]+"', '"(\\\\d+)"', '"(?P<x>b)"']
    olds = ['"a"', '"/[a-c]/"', '"/"']
    bool_texts = ["true", '"false"', '"1"']

    def call(depth):
        """One of the functions both sides evaluate, with arguments mostly
        of the types it takes."""
        s = lambda: pick(strings, depth)
        l = lambda: pick(lists, depth)
        m = lambda: pick(maps, depth)
        n = lambda: pick(numbers, depth)
        any_of = lambda *kinds: rng.choice(kinds)()
        forms = [
            lambda: "upper(%s)" % s(), lambda: "lower(%s)" % s(), lambda: "trimspace(%s)" % s(),
            lambda: "length(%s)" % any_of(s, l, m),
            lambda: "join(%s, %s)" % (s(), l()), lambda: "split(%s, %s)" % (s(), s()),
            lambda: "format(%s, %s, %s)" % (rng.choice(formats), s(), n()),
            lambda: "concat(%s, %s)" % (l(), l()), lambda: "contains(%s, %s)" % (l(), any_of(s, n)),
            lambda: "element(%s, %s)" % (l(), n()), lambda: "flatten(%s)" % l(),
            lambda: "keys(%s)" % m(), lambda: "values(%s)" % m(), lambda: "merge(%s, %s)" % (m(), m()),
            lambda: "min(%s, %s)" % (n(), n()), lambda: "max(%s, %s, %s)" % (n(), n(), n()),
            lambda: "jsonencode(%s)" % any_of(s, l, m, n),
            lambda: "jsondecode(%s)" % rng.choice(json_texts + [s()]),
            lambda: "regex(%s, %s)" % (rng.choice(patterns), s()),
            lambda: "substr(%s, %s, %s)" % (s(), n(), n()),
            lambda: "startswith(%s, %s)" % (s(), s()), lambda: "endswith(%s, %s)" % (s(), s()),
            lambda: "replace(%s, %s, %s)" % (s(), rng.choice(olds + [s()]), s()),
            lambda: "tostring(%s)" % any_of(s, n), lambda: "tonumber(%s)" % any_of(s, n),
            lambda: "tobool(%s)" % rng.choice(bool_texts + [s()]),
            lambda: "tolist(%s)" % rng.choice(same_type_lists),
            lambda: "toset(%s)" % rng.choice(same_type_lists),
            lambda: "tomap(%s)" % rng.choice(same_type_maps),
            lambda: "coalesce(%s, %s)" % (any_of(s, n), any_of(s, n)),
            lambda: "try(%s, %s)" % (expr(depth), s()), lambda: "can(%s)" % expr(depth),
            lambda: "compact(%s)" % rng.choice(string_lists + ['["a", 1, true]']),
            lambda: "distinct(%s)" % rng.choice(string_lists),
            lambda: "sort(%s)" % rng.choice(string_lists + ["[10, 9, 1]"]),
            lambda: "reverse(%s)" % rng.choice(same_type_lists),
            lambda: "zipmap(%s, %s)" % (rng.choice(string_lists), rng.choice(same_type_lists)),
            lambda: "slice(%s, %s, %s)" % (rng.choice(same_type_lists), n(), n()),
            lambda: "coalescelist(%s, %s)" % (rng.choice(same_type_lists), rng.choice(same_type_lists)),
            lambda: "%s(%s, %s)" % (rng.choice(["setunion", "setintersection", "setsubtract"]),
                                    rng.choice(string_lists), rng.choice(string_lists)),
            lambda: "chomp(%s)" % rng.choice(['"a\\n"', '"a\\r\\n\\n"', '"\\na"'] + [s()]),
            lambda: "%s(%s, %s)" % (rng.choice(["trimprefix", "trimsuffix"]), s(), s()),
            lambda: "%s(%s)" % (rng.choice(["abs", "ceil", "floor"]), n()),
        ]
        return rng.choice(forms)()

    cases = [expr(rng.randint(1, 3)) for _ in range(count)]
    sys.stdout.write("\n\x1e\n".join(cases) + "\n\x1e\n")


main()
