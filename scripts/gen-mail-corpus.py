#!/usr/bin/env python3
"""Generate deterministic Postfix and Dovecot configuration trees for benchmarking safeguard.

Usage:
    scripts/gen-mail-corpus.py --trees N --out DIR [--seed S]

Writes DIR/host-0000/ ... DIR/host-(N-1)/, each a mail server's /etc as an
administrator would keep it in a repository:

    host-XXXX/postfix/main.cf      30-60 parameters, comments, continuation lines
    host-XXXX/postfix/master.cf    the stock services plus submission/smtps
                                   with -o overrides on some hosts
    host-XXXX/dovecot/dovecot.conf `!include conf.d/*.conf`
    host-XXXX/dovecot/conf.d/10-auth.conf, 10-ssl.conf, 10-master.conf

About 20% of the security-relevant settings are non-compliant (TLS not
enforced to the relay, TLS 1.0 allowed, cleartext authentication, anonymous
SASL, open mynetworks, low TLS log levels, ...), so checks have failures to
report. Output is a pure function of (--trees, --seed): one random.Random(seed)
drives everything, sequentially. Python 3 standard library only; a one-line
summary goes to stderr.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import time
from pathlib import Path

BAD = 0.2

RELAYS = [
    "[smtp.sendgrid.net]:587",
    "[email-smtp.us-east-1.amazonaws.com]:587",
    "[smtp.office365.com]:587",
    "[relay.internal.example.org]:25",
    "",
]


def pick(rng: random.Random, good: str, bad: str) -> str:
    return bad if rng.random() < BAD else good


def main_cf(rng: random.Random, host: int) -> str:
    lines = [
        f"# main.cf for mail{host:04d}.clinic.example.org (generated)",
        "compatibility_level = 3.6",
        f"myhostname = mail{host:04d}.clinic.example.org",
        "mydomain = clinic.example.org",
        "myorigin = $mydomain",
        "inet_interfaces = all",
        "inet_protocols = ipv4",
        "mydestination = $myhostname, localhost.$mydomain, localhost",
        "mynetworks = " + pick(rng, "127.0.0.0/8 [::1]/128 10.20.0.0/16", "0.0.0.0/0"),
        "",
        "# --- inbound TLS",
        "smtpd_tls_cert_file = /etc/ssl/certs/mail.pem",
        "smtpd_tls_key_file = /etc/ssl/private/mail.key",
        "smtpd_tls_security_level = may",
        "smtpd_tls_protocols = " + pick(rng, ">=TLSv1.2", "!SSLv2, !SSLv3"),
        "smtpd_tls_mandatory_protocols = " + pick(rng, ">=TLSv1.2", "!SSLv2"),
        "smtpd_tls_loglevel = " + pick(rng, "1", "0"),
        "smtpd_tls_ciphers = " + pick(rng, "high", "export"),
        "smtpd_tls_auth_only = " + pick(rng, "yes", "no"),
        "",
        "# --- outbound TLS",
        "smtp_tls_security_level = " + pick(rng, "encrypt", "may"),
        "smtp_tls_protocols = " + pick(rng, ">=TLSv1.2", "!SSLv2"),
        "smtp_tls_mandatory_protocols = >=TLSv1.2",
        "smtp_tls_loglevel = " + pick(rng, "1", "0"),
        "smtp_tls_ciphers = " + pick(rng, "high", "low"),
        "",
        "# --- SASL",
        "smtpd_sasl_auth_enable = yes",
        "smtpd_sasl_type = dovecot",
        "smtpd_sasl_path = private/auth",
        "smtpd_sasl_security_options = " + pick(rng, "noanonymous, noplaintext", "noplaintext"),
        "smtpd_sasl_tls_security_options = noanonymous",
        "",
        "smtpd_relay_restrictions = "
        + pick(
            rng,
            "permit_mynetworks,\n    permit_sasl_authenticated,\n    reject_unauth_destination",
            "permit_mynetworks, permit_sasl_authenticated, permit",
        ),
        "smtpd_recipient_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination",
    ]
    relay = rng.choice(RELAYS)
    if relay:
        lines += [
            "",
            "# --- relay",
            f"relayhost = {relay}",
            "smtp_sasl_auth_enable = yes",
            "smtp_sasl_password_maps = hash:/etc/postfix/sasl_passwd",
            "smtp_sasl_security_options = noanonymous",
        ]
    # some padding parameters a real main.cf carries
    extra = [
        "message_size_limit = 52428800",
        "mailbox_size_limit = 0",
        "recipient_delimiter = +",
        "biff = no",
        "append_dot_mydomain = no",
        "readme_directory = no",
        "smtpd_banner = $myhostname ESMTP",
        "alias_maps = hash:/etc/aliases",
        "alias_database = hash:/etc/aliases",
        "disable_vrfy_command = yes",
        "smtpd_helo_required = yes",
        "maillog_file = /var/log/postfix.log",
    ]
    rng.shuffle(extra)
    lines += [""] + extra[: rng.randint(4, len(extra))]
    return "\n".join(lines) + "\n"


def master_cf(rng: random.Random) -> str:
    lines = [
        "# service type  private unpriv  chroot  wakeup  maxproc command + args",
        "smtp      inet  n       -       y       -       -       smtpd",
        "pickup    unix  n       -       y       60      1       pickup",
        "cleanup   unix  n       -       y       -       0       cleanup",
        "qmgr      unix  n       -       n       300     1       qmgr",
        "tlsmgr    unix  -       -       y       1000?   1       tlsmgr",
        "rewrite   unix  -       -       y       -       -       trivial-rewrite",
        "bounce    unix  -       -       y       -       0       bounce",
        "defer     unix  -       -       y       -       0       bounce",
        "trace     unix  -       -       y       -       0       bounce",
        "verify    unix  -       -       y       -       1       verify",
        "flush     unix  n       -       y       1000?   0       flush",
        "proxymap  unix  -       -       n       -       -       proxymap",
        "smtp      unix  -       -       y       -       -       smtp",
        "relay     unix  -       -       y       -       -       smtp",
        "showq     unix  n       -       y       -       -       showq",
        "error     unix  -       -       y       -       -       error",
        "retry     unix  -       -       y       -       -       error",
        "discard   unix  -       -       y       -       -       discard",
        "local     unix  -       n       n       -       -       local",
        "lmtp      unix  -       -       y       -       -       lmtp",
        "anvil     unix  -       -       y       -       1       anvil",
        "scache    unix  -       -       y       -       1       scache",
        "postlog   unix-dgram n  -       n       -       1       postlogd",
    ]
    if rng.random() < 0.7:
        lines += [
            "submission inet n       -       y       -       -       smtpd",
            "  -o syslog_name=postfix/submission",
            "  -o smtpd_tls_security_level=" + pick(rng, "encrypt", "may"),
            "  -o smtpd_sasl_auth_enable=yes",
            "  -o smtpd_client_restrictions=permit_sasl_authenticated,reject",
        ]
    if rng.random() < 0.3:
        lines += [
            "smtps     inet  n       -       y       -       -       smtpd",
            "  -o syslog_name=postfix/smtps",
            "  -o smtpd_tls_wrappermode=yes",
            "  -o smtpd_sasl_auth_enable=yes",
        ]
    return "\n".join(lines) + "\n"


def dovecot_files(rng: random.Random) -> dict[str, str]:
    return {
        "dovecot.conf": "\n".join(
            [
                "# dovecot.conf (generated)",
                "protocols = imap " + pick(rng, "lmtp", "pop3 lmtp"),
                "listen = *, ::",
                "!include conf.d/*.conf",
            ]
        )
        + "\n",
        "conf.d/10-auth.conf": "\n".join(
            [
                "disable_plaintext_auth = " + pick(rng, "yes", "no"),
                "auth_mechanisms = plain login",
                "!include_try auth-system.conf.ext",
            ]
        )
        + "\n",
        "conf.d/10-ssl.conf": "\n".join(
            [
                "ssl = " + pick(rng, "required", "yes"),
                "ssl_cert = </etc/dovecot/private/dovecot.pem",
                "ssl_key = </etc/dovecot/private/dovecot.key",
                "ssl_min_protocol = " + pick(rng, "TLSv1.2", "TLSv1"),
                "ssl_prefer_server_ciphers = yes",
            ]
        )
        + "\n",
        "conf.d/10-master.conf": "\n".join(
            [
                "service imap-login {",
                "  inet_listener imap {",
                "    port = 143",
                "  }",
                "  inet_listener imaps {",
                "    port = 993",
                "    ssl = yes",
                "  }",
                "}",
                "service auth {",
                "  unix_listener /var/spool/postfix/private/auth {",
                "    mode = 0660",
                "    user = postfix",
                "    group = postfix",
                "  }",
                "}",
            ]
        )
        + "\n",
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--trees", type=int, required=True, metavar="N", help="number of hosts to write")
    ap.add_argument("--out", type=Path, required=True, metavar="DIR", help="output directory (created)")
    ap.add_argument("--seed", type=int, default=42, metavar="S", help="random seed (default 42)")
    ap.add_argument("--force", action="store_true", help="delete DIR first if it exists")
    args = ap.parse_args()
    if args.trees < 1:
        ap.error("--trees must be at least 1")
    if args.out.exists() and any(args.out.iterdir()):
        if not args.force:
            ap.error(f"{args.out} exists and is not empty (use --force)")
        shutil.rmtree(args.out)
    start = time.monotonic()
    rng = random.Random(args.seed)
    files = 0
    for host in range(args.trees):
        base = args.out / f"host-{host:04d}"
        (base / "postfix").mkdir(parents=True, exist_ok=True)
        (base / "postfix" / "main.cf").write_text(main_cf(rng, host))
        (base / "postfix" / "master.cf").write_text(master_cf(rng))
        files += 2
        for name, text in dovecot_files(rng).items():
            path = base / "dovecot" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            files += 1
    print(
        f"gen-mail-corpus: {args.trees} hosts, {files} files under {args.out} "
        f"(seed {args.seed}, {time.monotonic() - start:.1f}s)",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
