#!/usr/bin/env python3
"""Generate a deterministic Terraform tree that stresses evaluation: many root
modules (environments), each calling shared local modules with `for_each`,
whose resources use `for_each` and `count` again, with variables, locals,
tfvars, string templates and functions on every value.

Usage:
    scripts/gen-modules-corpus.py --roots N --out DIR [--seed S] [--instances K]

Layout: DIR/modules/{storage,database,logging}/ (shared) and
DIR/envs/env-NNNN/{main.tf,variables.tf,terraform.tfvars}. Each root calls
every shared module once per team (K teams, `for_each`), and each module
instance creates K resources per type (`for_each` over a map built with
`for` expressions), so a root expands to about 3*K*K*3 objects. About 20% of
the instances are non-compliant. Output is a pure function of the
arguments (one random.Random(seed), no hash-order iteration).
Python 3.11+ standard library only.
"""

from __future__ import annotations

import argparse
import random
import shutil
from pathlib import Path

STORAGE = '''variable "team" {}
variable "encrypted" {
  type    = bool
  default = true
}
variable "buckets" {
  type = list(string)
}
variable "tags" {
  type    = map(string)
  default = {}
}

locals {
  names = { for b in var.buckets : b => format("%s-%s-%s", var.tags["env"], var.team, b) }
}

resource "aws_s3_bucket" "this" {
  for_each = local.names
  bucket   = each.value
  tags     = merge(var.tags, { Name = each.value, "data-classification" = "phi" })
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  for_each = var.encrypted ? local.names : {}
  bucket   = aws_s3_bucket.this[each.key].id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "aws:kms"
    }
  }
}

resource "aws_s3_bucket_versioning" "this" {
  for_each = local.names
  bucket   = aws_s3_bucket.this[each.key].id
  versioning_configuration {
    status = "Enabled"
  }
}

output "names" {
  value = values(local.names)
}
'''

DATABASE = '''variable "team" {}
variable "encrypted" {
  type    = bool
  default = true
}
variable "databases" {
  type = map(number)
}
variable "tags" {
  type    = map(string)
  default = {}
}

resource "aws_db_instance" "this" {
  for_each                = var.databases
  identifier              = lower("${var.team}-${each.key}")
  engine                  = "postgres"
  instance_class          = each.value > 100 ? "db.r6g.large" : "db.t4g.medium"
  allocated_storage       = each.value
  storage_encrypted       = var.encrypted
  backup_retention_period = max(7, each.value / 10)
  publicly_accessible     = false
  deletion_protection     = true
  tags                    = var.tags
}

resource "aws_db_instance" "replica" {
  count               = length(keys(var.databases)) > 1 ? 1 : 0
  identifier          = "${var.team}-replica-${count.index}"
  replicate_source_db = aws_db_instance.this[keys(var.databases)[0]].identifier
  tags                = var.tags
}
'''

LOGGING = '''variable "team" {}
variable "retention_days" {
  type    = number
  default = 2192
}
variable "streams" {
  type = set(string)
}

resource "aws_cloudwatch_log_group" "this" {
  for_each          = var.streams
  name              = "/clinic/${var.team}/${each.value}"
  retention_in_days = var.retention_days
  kms_key_id        = "arn:aws:kms:us-east-1:123456789012:key/${var.team}"
}
'''


def root(rng: random.Random, index: int, instances: int) -> dict[str, str]:
    teams = [f"team{t}" for t in range(instances)]
    items = [f"item{i}" for i in range(instances)]
    env = f"env{index:04d}"
    bad = lambda: rng.random() < 0.2  # noqa: E731
    calls = []
    for kind in ("storage", "database", "logging"):
        args = []
        if kind == "storage":
            args.append(f'  buckets   = {items!r}'.replace("'", '"'))
            args.append(f"  encrypted = {'false' if bad() else 'true'}")
            args.append('  tags      = local.tags')
        elif kind == "database":
            sizes = ", ".join(f'{i} = {rng.choice([20, 50, 200, 500])}' for i in items)
            args.append(f"  databases = {{ {sizes} }}")
            args.append(f"  encrypted = {'false' if bad() else 'var.encrypt_databases'}")
            args.append('  tags      = local.tags')
        else:
            args.append(f'  streams        = toset({items!r})'.replace("'", '"'))
            args.append(f"  retention_days = {rng.choice([30, 365]) if bad() else 'var.log_retention'}")
        calls.append(
            f'module "{kind}" {{\n  for_each = toset(local.teams)\n  source   = "../../modules/{kind}"\n'
            f"  team     = each.key\n" + "\n".join(args) + "\n}\n"
        )
    main = (
        f'locals {{\n  teams = {teams!r}\n  tags  = {{ env = "{env}", owner = "platform" }}\n}}\n\n'.replace("'", '"')
        + "\n".join(calls)
    )
    variables = (
        'variable "encrypt_databases" {\n  type    = bool\n  default = true\n}\n\n'
        'variable "log_retention" {\n  type = number\n}\n'
    )
    tfvars = f"log_retention = {rng.choice([2192, 2557, 3653])}\n"
    return {"main.tf": main, "variables.tf": variables, "terraform.tfvars": tfvars}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--roots", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--instances", type=int, default=4)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    if args.out.exists():
        shutil.rmtree(args.out)
    for name, text in (("storage", STORAGE), ("database", DATABASE), ("logging", LOGGING)):
        path = args.out / "modules" / name / "main.tf"
        path.parent.mkdir(parents=True)
        path.write_text(text)
    lines = files = 0
    for index in range(args.roots):
        for name, text in root(rng, index, args.instances).items():
            path = args.out / "envs" / f"env-{index:04d}" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            files += 1
            lines += text.count("\n")
    print(f"gen-modules-corpus: {args.roots} roots, {files} files, {lines} lines (+3 shared modules) under {args.out}")


if __name__ == "__main__":
    main()
