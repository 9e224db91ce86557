#!/usr/bin/env python3
"""Speed-up of `--threads 2` over `--threads 1`, beside the machine's own.

Usage: scripts/bench-threads.py [--bin PATH] [--corpus DIR] [--rounds N]

On a shared VM the second vCPU is not always a whole core: two independent
processes may run anywhere from 1.5x to 2x faster side by side than one
after the other, from one minute to the next. So each round first times
the machine's ceiling (`sha256sum` of the same 100 MB file twice in a row,
then twice at once: perfectly parallel work with nothing shared), then
`safeguard check CORPUS --format json --no-cache` with one thread and with
two. Prints each round and the medians of the per-round ratios as Markdown.
The corpus defaults to .bench/corpus-10000 (`scripts/bench --files 10000`
generates it); the binary to target/release/safeguard.
"""
import argparse
import os
import statistics
import subprocess
import sys
import time


def timed(commands):
    """Wall seconds for the commands started together."""
    start = time.perf_counter()
    procs = [
        subprocess.Popen(c, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for c in commands
    ]
    for proc in procs:
        if proc.wait() not in (0, 1):
            sys.exit(f"bench-threads: {' '.join(commands[0])} failed")
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", default="target/release/safeguard")
    parser.add_argument("--corpus", default=".bench/corpus-10000")
    parser.add_argument("--rounds", type=int, default=12)
    args = parser.parse_args()
    if not os.path.isdir(args.corpus):
        sys.exit(f"bench-threads: no corpus at {args.corpus} (run scripts/bench --files 10000)")
    blob = os.path.join(".bench", "sha-100mb.bin")
    if not os.path.exists(blob):
        os.makedirs(".bench", exist_ok=True)
        # Deterministic content; only its size matters.
        with open(blob, "wb") as out:
            block = bytes(range(256)) * 4096
            for _ in range(100):
                out.write(block)
    sha = ["sha256sum", blob]
    check = [args.bin, "check", args.corpus, "--format", "json", "--no-cache", "--threads"]
    timed([check + ["2"]])  # warm-up: page cache and binary
    print("| Round | machine: serial / parallel (s) | machine | safeguard: 1 / 2 threads (s) | safeguard |")
    print("|--:|--|--:|--|--:|")
    machine, ours = [], []
    for round_ in range(1, args.rounds + 1):
        serial = timed([sha]) + timed([sha])
        parallel = timed([sha, sha])
        one = timed([check + ["1"]])
        two = timed([check + ["2"]])
        machine.append(serial / parallel)
        ours.append(one / two)
        print(
            f"| {round_} | {serial:.2f} / {parallel:.2f} | {serial / parallel:.2f}x "
            f"| {one:.3f} / {two:.3f} | {one / two:.2f}x |"
        )
    print()
    print(
        f"Median of the per-round ratios: machine **{statistics.median(machine):.2f}x**, "
        f"safeguard **{statistics.median(ours):.2f}x** ({args.rounds} rounds)."
    )


if __name__ == "__main__":
    main()
