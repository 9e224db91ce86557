#!/usr/bin/env python3
"""Random HCL templates for scripts/hcl-oracle/run, deterministic from a seed.

Usage: gen_templates.py SEED COUNT > cases

Each case is an expression: a quoted string, a `<<EOT` or a `<<-EOT` heredoc
built from text, whitespace (tabs, no-break and em spaces, line ends),
interpolations (some holding a quoted template of their own), `if`/`else`
and `for` directives nested two deep, `$${`/`%%{` escapes and lone `$`/`%`,
with `~` strip markers placed at random; a fifth of the heredocs use CRLF
line ends. Cases are separated by a line holding only U+001E.

Not generated: in a heredoc, a lone `$` or `%` with only whitespace after
it up to the line end. HCL's scanner cuts that line into odd tokens (its
`TemplateNotInterp` rule holds back the character after the `$`), so a `~`
on the next line trims less than the whitespace: `$ ` and `$\r` survive.
safeguard trims the whole run. No Terraform file is known to rely on it.
"""
import random
import re
import sys

LONE_SIGN_AT_LINE_END = re.compile("([$%])([ \t\u00a0\u2003]*\n)")


def main():
    rng = random.Random(int(sys.argv[1]))
    count = int(sys.argv[2])

    def tilde():
        return rng.choice(["", "", "~"])

    def space(heredoc):
        options = [" ", "  ", "\t", "", "\u00a0", "\u2003"]
        if heredoc:
            options += ["\n", "  \n", "\n    ", "\n  ", "    "]
        return "".join(rng.choice(options) for _ in range(rng.randint(0, 3)))

    def word():
        return rng.choice(["a", "bb", "c d", "x", "é"])

    def body(heredoc, depth):
        parts = []
        for _ in range(rng.randint(1, 5)):
            kind = rng.randint(0, 9)
            if kind <= 3:
                parts.append(space(heredoc) + word() + space(heredoc))
            elif kind <= 5:
                if rng.random() < 0.2:
                    parts.append('${%s "in %s${%s local.x %s} %s" %s}' % (
                        tilde(), space(False), tilde(), tilde(), space(False), tilde()))
                else:
                    parts.append("${%s local.x %s}" % (tilde(), tilde()))
            elif kind == 6 and depth < 2:
                text = "%%{%s if local.%s %s}" % (tilde(), rng.choice("tf"), tilde())
                text += body(heredoc, depth + 1)
                if rng.random() < 0.5:
                    text += "%%{%s else %s}" % (tilde(), tilde()) + body(heredoc, depth + 1)
                text += "%%{%s endif %s}" % (tilde(), tilde())
                parts.append(text)
            elif kind == 7 and depth < 2:
                text = "%%{%s for v in local.l %s}" % (tilde(), tilde())
                text += body(heredoc, depth + 1) + "${v}"
                text += "%%{%s endfor %s}" % (tilde(), tilde())
                parts.append(text)
            elif kind == 8:
                parts.append(space(heredoc))
            elif not heredoc or rng.random() < 0.5:
                parts.append(rng.choice(["$${x}", "%%{y}", "$", "%"]))
            else:
                parts.append("\n")
        return "".join(parts)

    cases = []
    for _ in range(count):
        kind = rng.choice(["quoted", "heredoc", "indented", "indented"])
        if kind == "quoted":
            cases.append('"' + body(False, 0) + '"')
            continue
        indent = rng.choice(["", "  ", "    "])
        lines = body(True, 0).split("\n")
        text = "\n".join(indent + line if line else line for line in lines)
        opener = "<<-EOT" if kind == "indented" else "<<EOT"
        closer = rng.choice(["", "  "]) if kind == "indented" else ""
        case = opener + "\n" + text + "\n" + closer + "EOT"
        case = LONE_SIGN_AT_LINE_END.sub(lambda m: m.group(1) + "x" + m.group(2), case)
        if rng.random() < 0.2:
            case = case.replace("\n", "\r\n")
        cases.append(case)
    sys.stdout.write("\n\x1e\n".join(cases) + "\n\x1e\n")


main()
