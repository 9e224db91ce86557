#!/usr/bin/env python3
"""Latency of `safeguard server`: time from sending textDocument/didChange to
receiving the publishDiagnostics for that version.

Usage: scripts/bench-lsp.py [--bin PATH] [--edits N] [--debounce-ms MS] [--dir DIR]

Generates (deterministically) a 50-file Terraform module in DIR (default
.bench/lsp-module): main.tf of 5,000 lines (500 resources of 10 lines) and
49 other files of about 40 lines each. Starts the server on stdio with the
given debounce (default: the server's default), opens main.tf, then makes N
edits (default 200) one after another, each flipping one attribute so the
findings change, and waits for each edit's diagnostics before the next.
Prints the median, p95 and maximum in milliseconds as Markdown.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

RESOURCE = """resource "aws_kms_key" "key_{i}" {{
  description             = "key {i} for the PHI store"
  enable_key_rotation     = {rotate}
  deletion_window_in_days = 30
  tags = {{
    team  = "team-{team}"
    index = "{i}"
  }}
}}

"""


def main_tf(flip=None):
    parts = []
    for i in range(500):
        rotate = "true" if i % 7 else "false"
        if flip is not None and i == 250:
            rotate = flip
        parts.append(RESOURCE.format(i=i, team=i % 5, rotate=rotate))
    return "".join(parts)


def other_tf(n):
    lines = [f'variable "v{n}_{k}" {{\n  type    = string\n  default = "x{k}"\n}}\n' for k in range(6)]
    lines.append(
        f'resource "aws_sqs_queue" "q{n}" {{\n  name                    = var.v{n}_0\n'
        f'  sqs_managed_sse_enabled = {"true" if n % 3 else "false"}\n}}\n'
    )
    lines.append(f'output "o{n}" {{\n  value = aws_sqs_queue.q{n}.arn\n}}\n')
    return "\n".join(lines)


def generate(directory):
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "main.tf"), "w") as f:
        f.write(main_tf())
    for n in range(49):
        with open(os.path.join(directory, f"file_{n:02}.tf"), "w") as f:
            f.write(other_tf(n))


class Server:
    def __init__(self, binary, args):
        self.proc = subprocess.Popen([binary, "server", *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.next_id = 1

    def send(self, message):
        body = json.dumps(message).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def recv(self):
        length = None
        while True:
            line = self.proc.stdout.readline()
            if not line:
                sys.exit("bench-lsp: the server closed its output")
            line = line.strip()
            if not line:
                break
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        return json.loads(self.proc.stdout.read(length))

    def request(self, method, params):
        rid = self.next_id
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params})
        while True:
            message = self.recv()
            if message.get("id") == rid and "method" not in message:
                return message.get("result")
            self.answer(message)

    def answer(self, message):
        if "method" in message and "id" in message:
            self.send({"jsonrpc": "2.0", "id": message["id"], "result": None})

    def wait_version(self, uri, version):
        while True:
            message = self.recv()
            self.answer(message)
            params = message.get("params") or {}
            if (message.get("method") == "textDocument/publishDiagnostics"
                    and params.get("uri") == uri and params.get("version") == version):
                return params


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", default="target/release/safeguard")
    parser.add_argument("--edits", type=int, default=200)
    parser.add_argument("--debounce-ms", type=int, default=None)
    parser.add_argument("--dir", default=".bench/lsp-module")
    args = parser.parse_args()

    directory = os.path.abspath(args.dir)
    generate(directory)
    main_path = os.path.join(directory, "main.tf")
    uri = "file://" + main_path
    extra = [] if args.debounce_ms is None else ["--debounce-ms", str(args.debounce_ms)]
    server = Server(args.bin, extra)
    server.request("initialize", {"processId": None, "rootUri": "file://" + directory,
                                  "capabilities": {"general": {"positionEncodings": ["utf-8", "utf-16"]}}})
    server.send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
    texts = [main_tf("true"), main_tf("false")]
    server.send({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
        "uri": uri, "languageId": "terraform", "version": 1, "text": texts[1]}}})
    first = time.perf_counter()
    opened = server.wait_version(uri, 1)
    open_ms = (time.perf_counter() - first) * 1000

    samples = []
    for n in range(args.edits):
        version = n + 2
        text = texts[n % 2]
        start = time.perf_counter()
        server.send({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
            "textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]}})
        server.wait_version(uri, version)
        samples.append((time.perf_counter() - start) * 1000)
    server.request("shutdown", None)
    server.send({"jsonrpc": "2.0", "method": "exit", "params": None})
    server.proc.wait(timeout=10)

    samples.sort()
    p95 = samples[min(len(samples) - 1, int(round(0.95 * len(samples))) - 1)]
    lines = sum(t.count("\n") for t in [texts[0]])
    print(f"| main.tf lines | module files | diagnostics | debounce | edits | first check (ms) | median (ms) | p95 (ms) | max (ms) |")
    print("|--:|--:|--:|---|--:|--:|--:|--:|--:|")
    debounce = "default" if args.debounce_ms is None else f"{args.debounce_ms} ms"
    print(f"| {lines} | 50 | {len(opened['diagnostics'])} | {debounce} | {len(samples)} | {open_ms:.1f} | "
          f"{statistics.median(samples):.1f} | {p95:.1f} | {samples[-1]:.1f} |")


if __name__ == "__main__":
    main()
