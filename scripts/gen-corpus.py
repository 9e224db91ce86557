#!/usr/bin/env python3
"""Generate a synthetic, deterministic Terraform monorepo for benchmarking safeguard.

Usage:
    scripts/gen-corpus.py --files N --out DIR [--seed S] [--lines-per-file L] [--force]

The corpus is laid out as DIR/modules/mod-0000/, DIR/modules/mod-0001/, ...
Each module holds 8-12 ``.tf`` files (variables.tf, locals.tf, main.tf,
outputs.tf, storage.tf, database.tf, network.tf, logging.tf, cache.tf,
compute.tf, iam.tf, backup.tf; the last module may hold fewer), and the
corpus holds exactly N ``.tf`` files with about N x L lines in total
(default L = 100).  Individual files vary around L (a file is made of whole
resources, and variables.tf must declare every input its module uses); a
running total keeps the corpus-wide count within a few lines of N x L.
Below about L = 40 files cannot shrink further and the total overshoots.

The content is HCL a Terraform user would write for a healthcare workload:
AWS resources that HIPAA rules care about (RDS instances and clusters, EBS,
EFS, ElastiCache, S3 buckets with separate server-side-encryption
configurations, load balancer listeners, CloudWatch log groups, CloudTrail,
security groups, KMS, backups), a sprinkling of azurerm_* and google_*
resources, variables with defaults, locals, outputs, count/for_each,
dynamic blocks, tags maps, comments and string interpolation.  Every
``var.`` and ``local.`` reference resolves inside its module, and every
resource reference points at a resource of the same module.

About 20% of the security-relevant resources are deliberately
non-compliant (encryption disabled or missing, short log retention, HTTP
listeners forwarding instead of redirecting, log file validation off,
backups disabled, ...).

Output is a pure function of (--files, --seed, --lines-per-file): one
random.Random(seed) drives everything, generation is sequential, and
nothing is iterated in hash order.  Files are padded to the line target
with extra resources and extra tags, never with blank lines.

Python 3.11+ standard library only.  A one-line summary is printed to
stderr at the end.
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import sys
import time
from pathlib import Path

NONCOMPLIANT_RATE = 0.2
MAX_FILL_PER_BLOCK = 8  # extra tag/list lines that may be added to one block
MAX_FILL_TOTAL = 30  # fill with extra lines only when this close to target

# File kinds in the order they are assigned to a module (a module with k
# files gets the first k).  variables/locals come first so that any module
# that references them also declares them.
FILE_ORDER = [
    "variables",
    "locals",
    "main",
    "outputs",
    "storage",
    "database",
    "network",
    "logging",
    "cache",
    "compute",
    "iam",
    "backup",
]
# Order in which the content of a module's files is generated: resources
# first, then outputs (which reference resources), then locals (which
# reference variables), then variables (which declare what was used).
GEN_ORDER = [
    "main",
    "storage",
    "database",
    "network",
    "logging",
    "cache",
    "compute",
    "iam",
    "backup",
    "outputs",
    "locals",
    "variables",
]

THEMES = [
    "patient-portal",
    "claims",
    "ehr-integration",
    "billing",
    "lab-results",
    "imaging",
    "pharmacy",
    "scheduling",
    "telehealth",
    "analytics",
    "care-management",
    "member-services",
    "provider-directory",
    "eligibility",
    "prior-auth",
    "clinical-notes",
    "hl7-gateway",
    "fhir-api",
    "data-lake",
    "identity",
]

NOUNS = [
    "patients",
    "claims",
    "billing",
    "encounters",
    "audit",
    "reporting",
    "scheduling",
    "pharmacy",
    "lab",
    "imaging",
    "records",
    "archive",
    "exports",
    "ingest",
    "documents",
    "analytics",
    "sessions",
    "members",
    "providers",
    "referrals",
    "notes",
    "consent",
    "events",
    "backups",
]

# Tag keys used only for padding; disjoint from keys the templates use.
EXTRA_TAG_VALUES = {
    "Application": ["ehr", "portal", "claims-engine", "fhir-server"],
    "BusinessUnit": ["clinical", "revenue-cycle", "member-experience"],
    "Compliance": ["hipaa", "hipaa-hitrust", "soc2"],
    "Contact": ["platform-team@example.org", "sre@example.org"],
    "Criticality": ["high", "medium", "low"],
    "DataOwner": ["clinical-ops", "finance", "data-platform"],
    "DataRetention": ["6y", "7y", "10y"],
    "DisasterRecovery": ["tier-1", "tier-2", "tier-3"],
    "Lifecycle": ["persistent", "ephemeral"],
    "MaintenanceWindow": ["sun-0300", "sat-0400", "wed-0200"],
    "PatchGroup": ["linux-prod", "linux-nonprod"],
    "Repository": ["infra-live", "platform-modules"],
    "Runbook": ["https://runbooks.example.org/storage", "https://runbooks.example.org/db"],
    "Schedule": ["24x7", "business-hours"],
    "SecurityZone": ["restricted", "internal", "dmz"],
    "Service": ["api", "worker", "batch", "etl"],
    "SupportTeam": ["platform", "data", "security"],
    "Tier": ["web", "app", "data"],
    "Workload": ["oltp", "analytics", "archive"],
    "Version": ["v1", "v2", "v3"],
    "Backup": ["daily", "hourly", "weekly"],
    "Department": ["cardiology", "radiology", "oncology", "pediatrics"],
}
EXTRA_TAG_KEYS = sorted(EXTRA_TAG_VALUES)
EXTRA_LABEL_KEYS = sorted(
    re.sub(r"(?<!^)([A-Z])", r"_\1", k).lower() for k in EXTRA_TAG_KEYS
)
EXTRA_LABEL_VALUES = ["clinical", "finance", "platform", "data", "tier-1", "tier-2", "daily", "weekly"]

# Variables a module may declare: name -> (type, default HCL lines, description).
VARIABLES = {
    "project": ("string", ['"{theme}"'], "Short project name used in resource names."),
    "environment": ("string", ['"{env}"'], "Deployment environment (dev, staging, prod)."),
    "region": ("string", ['"{region}"'], "AWS region."),
    "owner": ("string", ['"{team}"'], "Owning team, used for tagging."),
    "cost_center": ("string", ['"{cc}"'], "Cost center for chargeback."),
    "kms_key_arn": (
        "string",
        ['"arn:aws:kms:{region}:{account}:key/{uuid}"'],
        "Customer managed KMS key used for encryption at rest.",
    ),
    "vpc_id": ("string", ['"vpc-{hex8}"'], "VPC the service runs in."),
    "subnet_ids": (
        "list(string)",
        ["[", '  "subnet-{hex8}",', '  "subnet-{hex8b}",', '  "subnet-{hex8c}",', "]"],
        "Private subnets for data stores.",
    ),
    "public_subnet_ids": (
        "list(string)",
        ["[", '  "subnet-{hex8d}",', '  "subnet-{hex8e}",', "]"],
        "Public subnets for load balancers.",
    ),
    "availability_zones": (
        "list(string)",
        ['["{region}a", "{region}b"]'],
        "Availability zones to spread volumes across.",
    ),
    "allowed_cidrs": (
        "list(string)",
        ["[", '  "10.{o2}.0.0/16",', '  "10.{o3}.0.0/16",', "]"],
        "CIDR ranges allowed to reach the service.",
    ),
    "db_instance_class": ("string", ['"db.r6g.large"'], "RDS instance class."),
    "db_subnet_group_name": ('string', ['"{theme}-db"'], "Existing DB subnet group."),
    "security_group_ids": ("list(string)", ["[]"], "Extra security groups to attach."),
    "certificate_arn": (
        "string",
        ['"arn:aws:acm:{region}:{account}:certificate/{uuid}"'],
        "ACM certificate for HTTPS listeners.",
    ),
    "cloudtrail_bucket_name": ("string", ['"{theme}-cloudtrail-{account}"'], "Bucket receiving CloudTrail logs."),
    "cache_node_type": ("string", ['"cache.r6g.large"'], "ElastiCache node type."),
    "instance_type": ("string", ['"m6i.large"'], "EC2 instance type."),
    "ami_id": ("string", ['"ami-{hex8}{hex8b}"'], "AMI for application hosts."),
    "cluster_instance_count": ("number", ["2"], "Number of Aurora instances."),
    "alarm_topic_arn": ("string", ['"arn:aws:sns:{region}:{account}:{theme}-alarms"'], "SNS topic for alarms."),
    "lambda_role_arn": ("string", ['"arn:aws:iam::{account}:role/{theme}-lambda"'], "Execution role for functions."),
    "resource_group_name": ("string", ['"rg-{theme}-{env}"'], "Azure resource group."),
    "location": ("string", ['"eastus2"'], "Azure location."),
    "gcp_project": ("string", ['"{theme}-{env}-{hex4}"'], "GCP project id."),
    "gcp_region": ("string", ['"us-central1"'], "GCP region."),
    "gcp_kms_key": (
        "string",
        ['"projects/{theme}-kms/locations/us-central1/keyRings/phi/cryptoKeys/{theme}"'],
        "Cloud KMS key for CMEK.",
    ),
    "tenant_id": ("string", ['"{uuid}"'], "Azure AD tenant id."),
}
VARIABLE_ORDER = list(VARIABLES)  # declaration order (dicts keep insertion order)

# Padding variables (declared only to reach the line target).
PAD_VARIABLES = [
    ("backup_window", "string", '"03:00-04:00"', "Daily backup window (UTC)."),
    ("maintenance_window", "string", '"sun:05:00-sun:06:00"', "Weekly maintenance window (UTC)."),
    ("enable_monitoring", "bool", "true", "Enable enhanced monitoring."),
    ("alarm_evaluation_periods", "number", "3", "Evaluation periods for alarms."),
    ("log_level", "string", '"info"', "Application log level."),
    ("max_capacity", "number", "8", "Maximum autoscaling capacity."),
    ("min_capacity", "number", "2", "Minimum autoscaling capacity."),
    ("enable_deletion_protection", "bool", "true", "Protect stateful resources from deletion."),
    ("snapshot_retention_days", "number", "14", "Days to keep manual snapshots."),
    ("domain_name", "string", '"{theme}.example-health.org"', "Public DNS name."),
    ("health_check_path", "string", '"/healthz"', "Target group health check path."),
    ("container_port", "number", "8443", "Port the application listens on."),
    ("replica_count", "number", "2", "Read replicas to create."),
    ("enable_waf", "bool", "true", "Attach the regional WAF web ACL."),
    ("data_classification", "string", '"phi"', "Highest data classification handled."),
    ("retention_years", "number", "7", "Record retention requirement in years."),
]


def aligned(lines: list[str]) -> list[str]:
    """Align '=' in runs of single-line attributes at the same indent (like terraform fmt)."""
    attr = re.compile(r'^(\s*)([A-Za-z_][A-Za-z0-9_-]*|"[^"]+") +=(?!=) *(.*)$')
    out: list[str] = []
    group: list[tuple[str, str, str]] = []

    def flush() -> None:
        if group:
            width = max(len(k) for _, k, _ in group)
            for ind, k, v in group:
                out.append(f"{ind}{k.ljust(width)} = {v}")
            group.clear()

    for line in lines:
        m = attr.match(line)
        if m and not m.group(3).endswith(("{", "[", "(")):
            if group and group[0][0] != m.group(1):
                flush()
            group.append((m.group(1), m.group(2), m.group(3)))
        else:
            flush()
            out.append(line)
    flush()
    return out


class Block:
    """A top-level HCL block (or a comment + block) with an optional fill point."""

    MARK = "@@FILL@@"

    def __init__(self, lines: list[str], fill: str | None = None):
        self.fill_kind = fill
        self.fill_at = None
        self.fill_indent = ""
        self.filled = 0
        self.used: set[str] = set()
        clean = []
        for line in lines:
            if line.strip() == self.MARK:
                self.fill_at = len(clean)
                self.fill_indent = line[: line.index(self.MARK)]
            else:
                clean.append(line)
        self.lines = clean
        if self.fill_at is None:
            self.fill_kind = None

    def capacity(self) -> int:
        if self.fill_kind is None:
            return 0
        if self.fill_kind == "tags":
            room = len(EXTRA_TAG_KEYS) - len(self.used)
        elif self.fill_kind == "labels":
            room = len(EXTRA_LABEL_KEYS) - len(self.used)
        else:
            room = 200
        return max(0, min(MAX_FILL_PER_BLOCK - self.filled, room))

    def add_fill_line(self, rng: random.Random) -> None:
        if self.fill_kind == "tags":
            key = rng.choice([k for k in EXTRA_TAG_KEYS if k not in self.used])
            line = f'{key} = "{rng.choice(EXTRA_TAG_VALUES[key])}"'
        elif self.fill_kind == "labels":
            key = rng.choice([k for k in EXTRA_LABEL_KEYS if k not in self.used])
            line = f'{key} = "{rng.choice(EXTRA_LABEL_VALUES)}"'
        else:  # cidrs
            while True:
                key = f"10.{rng.randint(16, 250)}.{rng.randint(0, 255)}.0/24"
                if key not in self.used:
                    break
            line = f'"{key}",'
        self.used.add(key)
        self.lines.insert(self.fill_at, self.fill_indent + line)
        self.fill_at += 1
        self.filled += 1


def hexs(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def uuid(rng: random.Random) -> str:
    return f"{hexs(rng, 8)}-{hexs(rng, 4)}-4{hexs(rng, 3)}-a{hexs(rng, 3)}-{hexs(rng, 12)}"


def dash(name: str) -> str:
    return name.replace("_", "-")


class Module:
    """Per-module state: unique names, used variables/locals, registered resources."""

    def __init__(self, idx: int, rng: random.Random, stats: dict):
        self.idx = idx
        self.rng = rng
        self.stats = stats
        self.theme = THEMES[idx % len(THEMES)]
        self.env = rng.choice(["prod", "prod", "staging", "dev"])
        self.region = rng.choice(["us-east-1", "us-east-2", "us-west-2"])
        self.account = str(rng.randint(10**11, 10**12 - 1))
        self.vars_used: set[str] = set()
        self.locals_used: set[str] = set()
        self.names: dict[str, set[str]] = {}
        self.resources: list[tuple[str, str, str, str]] = []  # (type, name, attr, mode)
        self.flags: set[str] = set()
        self.pad_var_idx = 0
        self.var_block_lines: dict[str, int] = {}  # memo for variables_min_lines
        self.fmt = {
            "theme": self.theme,
            "env": self.env,
            "region": self.region,
            "account": self.account,
            "team": rng.choice(["platform", "data-eng", "clinical-apps", "sre"]),
            "cc": f"CC-{rng.randint(1000, 9999)}",
            "uuid": uuid(rng),
            "hex8": hexs(rng, 8),
            "hex8b": hexs(rng, 8),
            "hex8c": hexs(rng, 8),
            "hex8d": hexs(rng, 8),
            "hex8e": hexs(rng, 8),
            "hex4": hexs(rng, 4),
            "o2": str(rng.randint(16, 127)),
            "o3": str(rng.randint(128, 250)),
        }

    # references -------------------------------------------------------
    def var(self, name: str) -> str:
        assert name in VARIABLES, name
        self.vars_used.add(name)
        return f"var.{name}"

    def local(self, name: str) -> str:
        assert name in LOCALS, name
        self.locals_used.add(name)
        for v in LOCALS[name][1]:
            self.vars_used.add(v)
        return f"local.{name}"

    def prefix(self) -> str:
        return "${" + self.local("name_prefix") + "}"

    # names ------------------------------------------------------------
    def name(self, rtype: str, pool: list[str] | None = None) -> str:
        used = self.names.setdefault(rtype, set())
        pool = pool or NOUNS
        free = [n for n in pool if n not in used]
        if free:
            n = self.rng.choice(free)
        else:
            base = self.rng.choice(pool)
            i = 2
            while f"{base}_{i}" in used:
                i += 1
            n = f"{base}_{i}"
        used.add(n)
        return n

    def has(self, rtype: str) -> list[str]:
        return sorted(self.names.get(rtype, ()))

    def register(self, rtype: str, name: str, attr: str = "id", mode: str = "single") -> None:
        self.resources.append((rtype, name, attr, mode))

    def bad(self) -> bool:
        """Roll once per security-relevant resource: True means make it non-compliant."""
        self.stats["relevant"] += 1
        b = self.rng.random() < NONCOMPLIANT_RATE
        if b:
            self.stats["noncompliant"] += 1
        return b

    def tags(self, name: str, extra: list[str] | None = None, indent: str = "  ") -> list[str]:
        i2 = indent + "  "
        lines = [f"{indent}tags = merge({self.local('common_tags')}, {{"]
        lines.append(f'{i2}Name = "{self.prefix()}-{dash(name)}"')
        for e in extra or []:
            lines.append(i2 + e)
        lines.append(i2 + Block.MARK)
        lines.append(f"{indent}}})")
        return lines

    def labels(self, extra: list[str] | None = None, indent: str = "  ") -> list[str]:
        i2 = indent + "  "
        lines = [f"{indent}labels = merge({self.local('common_labels')}, {{"]
        for e in extra or []:
            lines.append(i2 + e)
        lines.append(i2 + Block.MARK)
        lines.append(f"{indent}}})")
        return lines


# Locals: name -> (HCL lines for "name = ...", variables referenced)
LOCALS = {
    "name_prefix": (['name_prefix = "${var.project}-${var.environment}"'], ["project", "environment"]),
    "common_tags": (
        [
            "common_tags = {",
            "  Project     = var.project",
            "  Environment = var.environment",
            "  Owner       = var.owner",
            "  CostCenter  = var.cost_center",
            '  ManagedBy   = "terraform"',
            "  @@FILL@@",
            "}",
        ],
        ["project", "environment", "owner", "cost_center"],
    ),
    "common_labels": (
        [
            "common_labels = {",
            "  project     = var.project",
            "  environment = var.environment",
            '  managed_by  = "terraform"',
            "}",
        ],
        ["project", "environment"],
    ),
    "is_production": (['is_production = var.environment == "prod"'], ["environment"]),
    "log_group_prefix": (['log_group_prefix = "/${var.project}/${var.environment}"'], ["project", "environment"]),
    "log_streams": (['log_streams = toset(["application", "access", "audit"])'], []),
    "service_ports": (
        [
            "service_ports = {",
            "  https    = 443",
            "  app      = 8443",
            "  postgres = 5432",
            "}",
        ],
        [],
    ),
    "db_backup_retention": (['db_backup_retention = var.environment == "prod" ? 35 : 7'], ["environment"]),
}
LOCAL_ORDER = list(LOCALS)

PAD_LOCALS = [
    ["alarm_thresholds = {", "  cpu_high    = 80", "  memory_high = 85", "  disk_low    = 15", "}"],
    ['dns_zone = "${var.environment}.${var.project}.internal"'],
    ["default_retention_days = 365"],
    ["availability_zone_count = length(var.availability_zones)"],
    ['bucket_suffix = "${var.region}-${var.environment}"'],
    ["health_check = {", '  path     = "/healthz"', "  interval = 30", "  timeout  = 5", '  matcher  = "200-299"', "}"],
    ["backup_tags = {", '  BackupPlan   = "daily-35d"', '  BackupVault  = "phi-vault"', "}"],
    ['compliance_scope = "hipaa"'],
    ["deployment_id = substr(sha1(var.project), 0, 8)"],
    ["enable_multi_az = var.environment == \"prod\""],
]
PAD_LOCAL_VARS = {1: ["environment", "project"], 3: ["availability_zones"], 4: ["region", "environment"], 8: ["project"], 9: ["environment"]}


# --------------------------------------------------------------------------
# Resource templates.  Each returns a list of Blocks (a group that is kept
# together, e.g. a bucket and its encryption configuration).
# --------------------------------------------------------------------------


def t_terraform_block(m: Module) -> list[Block]:
    m.flags.add("terraform")
    return [
        Block(
            [
                "terraform {",
                '  required_version = ">= 1.5.0"',
                "",
                "  required_providers {",
                "    aws = {",
                '      source  = "hashicorp/aws"',
                '      version = "~> 5.40"',
                "    }",
                "    azurerm = {",
                '      source  = "hashicorp/azurerm"',
                '      version = "~> 3.100"',
                "    }",
                "    google = {",
                '      source  = "hashicorp/google"',
                '      version = "~> 5.20"',
                "    }",
                "  }",
                "}",
            ]
        )
    ]


def t_caller_identity(m: Module) -> list[Block]:
    m.flags.add("caller_identity")
    return [Block(['data "aws_caller_identity" "current" {}']), Block(['data "aws_region" "current" {}'])]


def t_kms_key(m: Module) -> list[Block]:
    n = m.name("aws_kms_key")
    bad = m.bad()
    rotation = "false" if bad else "true"
    lines = [
        f'resource "aws_kms_key" "{n}" {{',
        f'  description             = "CMK for {m.theme} {n} data"',
        f"  deletion_window_in_days = {m.rng.choice([7, 14, 30])}",
        f"  enable_key_rotation     = {rotation}",
        "",
        *m.tags(n, ['Purpose = "encryption-at-rest"']),
        "}",
    ]
    m.register("aws_kms_key", n, "arn")
    out = [Block(lines, "tags")]
    if m.rng.random() < 0.7:
        out.append(
            Block(
                [
                    f'resource "aws_kms_alias" "{n}" {{',
                    f'  name          = "alias/{m.prefix()}-{dash(n)}"',
                    f"  target_key_id = aws_kms_key.{n}.key_id",
                    "}",
                ]
            )
        )
    return out


def t_iam_role(m: Module) -> list[Block]:
    n = m.name("aws_iam_role")
    svc = m.rng.choice(["ec2.amazonaws.com", "lambda.amazonaws.com", "ecs-tasks.amazonaws.com", "backup.amazonaws.com"])
    role = [
        f'resource "aws_iam_role" "{n}" {{',
        f'  name = "{m.prefix()}-{dash(n)}"',
        "",
        "  assume_role_policy = jsonencode({",
        '    Version = "2012-10-17"',
        "    Statement = [",
        "      {",
        '        Effect = "Allow"',
        '        Action = "sts:AssumeRole"',
        "        Principal = {",
        f'          Service = "{svc}"',
        "        }",
        "      }",
        "    ]",
        "  })",
        "",
        *m.tags(n),
        "}",
    ]
    m.register("aws_iam_role", n, "arn")
    out = [Block(role, "tags")]
    policy = m.rng.choice(
        [
            "arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy",
            "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
            "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
        ]
    )
    out.append(
        Block(
            [
                f'resource "aws_iam_role_policy_attachment" "{n}" {{',
                f"  role       = aws_iam_role.{n}.name",
                f'  policy_arn = "{policy}"',
                "}",
            ]
        )
    )
    return out


def t_iam_policy(m: Module) -> list[Block]:
    n = m.name("aws_iam_policy")
    return [
        Block(
            [
                f'resource "aws_iam_policy" "{n}_read" {{',
                f'  name        = "{m.prefix()}-{dash(n)}-read"',
                f'  description = "Read-only access to {n} data"',
                "",
                "  policy = jsonencode({",
                '    Version = "2012-10-17"',
                "    Statement = [",
                "      {",
                '        Sid      = "ReadObjects"',
                '        Effect   = "Allow"',
                '        Action   = ["s3:GetObject", "s3:ListBucket"]',
                f'        Resource = ["arn:aws:s3:::{m.theme}-{dash(n)}", "arn:aws:s3:::{m.theme}-{dash(n)}/*"]',
                "      },",
                "      {",
                '        Sid      = "DecryptWithCmk"',
                '        Effect   = "Allow"',
                '        Action   = ["kms:Decrypt", "kms:GenerateDataKey"]',
                f"        Resource = {m.var('kms_key_arn')}",
                "      }",
                "    ]",
                "  })",
                "",
                *m.tags(n),
                "}",
            ],
            "tags",
        )
    ]


def t_ssm_parameter(m: Module) -> list[Block]:
    n = m.name("aws_ssm_parameter")
    secure = m.rng.random() < 0.5
    lines = [
        f'resource "aws_ssm_parameter" "{n}_endpoint" {{',
        f'  name  = "/{m.theme}/${{{m.var("environment")}}}/{dash(n)}/endpoint"',
        f'  type  = "{"SecureString" if secure else "String"}"',
        f'  value = "https://{dash(n)}.{m.theme}.internal"',
    ]
    if secure:
        lines.append(f"  key_id = {m.var('kms_key_arn')}")
    lines += ["", *m.tags(n), "}"]
    return [Block(lines, "tags")]


def t_s3_bucket(m: Module) -> list[Block]:
    n = m.name("aws_s3_bucket")
    m.register("aws_s3_bucket", n, "arn")
    comment = m.rng.choice(
        [
            [f"# Bucket holding {n} documents (contains PHI)."],
            [f"# {n.capitalize()} exports, encrypted with the service CMK."],
            [],
        ]
    )
    out = [
        Block(
            [
                *comment,
                f'resource "aws_s3_bucket" "{n}" {{',
                f'  bucket        = "{m.prefix()}-{dash(n)}-${{{m.var("region")}}}"',
                "  force_destroy = false",
                "",
                *m.tags(n, ['DataClassification = "phi"']),
                "}",
            ],
            "tags",
        )
    ]
    if m.bad():
        pass  # non-compliant: no server-side encryption configuration at all
    elif m.rng.random() < 0.2:
        # SSE-S3 (AES256) is an acceptable explicit configuration too
        out.append(
            Block(
                [
                    f'resource "aws_s3_bucket_server_side_encryption_configuration" "{n}" {{',
                    f"  bucket = aws_s3_bucket.{n}.id",
                    "",
                    "  rule {",
                    "    apply_server_side_encryption_by_default {",
                    '      sse_algorithm = "AES256"',
                    "    }",
                    "  }",
                    "}",
                ]
            )
        )
    else:
        out.append(
            Block(
                [
                    f'resource "aws_s3_bucket_server_side_encryption_configuration" "{n}" {{',
                    f"  bucket = aws_s3_bucket.{n}.id",
                    "",
                    "  rule {",
                    "    apply_server_side_encryption_by_default {",
                    '      sse_algorithm     = "aws:kms"',
                    f"      kms_master_key_id = {m.var('kms_key_arn')}",
                    "    }",
                    "    bucket_key_enabled = true",
                    "  }",
                    "}",
                ]
            )
        )
    if m.rng.random() < 0.7:
        out.append(
            Block(
                [
                    f'resource "aws_s3_bucket_versioning" "{n}" {{',
                    f"  bucket = aws_s3_bucket.{n}.id",
                    "",
                    "  versioning_configuration {",
                    '    status = "Enabled"',
                    "  }",
                    "}",
                ]
            )
        )
    if m.rng.random() < 0.6:
        out.append(
            Block(
                [
                    f'resource "aws_s3_bucket_public_access_block" "{n}" {{',
                    f"  bucket = aws_s3_bucket.{n}.id",
                    "",
                    "  block_public_acls       = true",
                    "  block_public_policy     = true",
                    "  ignore_public_acls      = true",
                    "  restrict_public_buckets = true",
                    "}",
                ]
            )
        )
    return out


def t_efs(m: Module) -> list[Block]:
    n = m.name("aws_efs_file_system")
    m.register("aws_efs_file_system", n, "id")
    lines = [
        f'resource "aws_efs_file_system" "{n}" {{',
        f'  creation_token   = "{m.prefix()}-{dash(n)}"',
        '  performance_mode = "generalPurpose"',
        '  throughput_mode  = "elastic"',
    ]
    if m.bad():
        if m.rng.random() < 0.5:
            lines.append("  encrypted        = false")
    else:
        lines.append("  encrypted        = true")
        lines.append(f"  kms_key_id       = {m.var('kms_key_arn')}")
    lines += [
        "",
        "  lifecycle_policy {",
        f'    transition_to_ia = "{m.rng.choice(["AFTER_30_DAYS", "AFTER_60_DAYS", "AFTER_90_DAYS"])}"',
        "  }",
        "",
        *m.tags(n, ['DataClassification = "phi"']),
        "}",
    ]
    out = [Block(lines, "tags")]
    if m.rng.random() < 0.5:
        out.append(
            Block(
                [
                    f'resource "aws_efs_mount_target" "{n}" {{',
                    f"  count = length({m.var('subnet_ids')})",
                    "",
                    f"  file_system_id  = aws_efs_file_system.{n}.id",
                    f"  subnet_id       = {m.var('subnet_ids')}[count.index]",
                    f"  security_groups = {m.var('security_group_ids')}",
                    "}",
                ]
            )
        )
    return out


def t_ebs_volume(m: Module) -> list[Block]:
    n = m.name("aws_ebs_volume")
    each = m.rng.random() < 0.4
    lines = [f'resource "aws_ebs_volume" "{n}" {{']
    if each:
        lines += [f"  for_each = toset({m.var('availability_zones')})", "", "  availability_zone = each.value"]
        m.register("aws_ebs_volume", n, "id", "for_each")
    else:
        lines += [f"  availability_zone = {m.var('availability_zones')}[0]"]
        m.register("aws_ebs_volume", n, "id")
    lines += [f"  size              = {m.rng.choice([50, 100, 200, 500])}", '  type              = "gp3"']
    if m.bad():
        if m.rng.random() < 0.5:
            lines.append("  encrypted         = false")
    else:
        lines.append("  encrypted         = true")
        lines.append(f"  kms_key_id        = {m.var('kms_key_arn')}")
    lines += ["", *m.tags(n), "}"]
    return [Block(lines, "tags")]


def t_ebs_default(m: Module) -> list[Block]:
    if "ebs_default" in m.flags:
        return t_ebs_volume(m)
    m.flags.add("ebs_default")
    enabled = "false" if m.bad() else "true"
    return [
        Block(
            [
                "# Encrypt every new EBS volume in this account and region.",
                'resource "aws_ebs_encryption_by_default" "this" {',
                f"  enabled = {enabled}",
                "}",
            ]
        )
    ]


def t_azure_storage(m: Module) -> list[Block]:
    n = m.name("azurerm_storage_account")
    m.register("azurerm_storage_account", n, "id")
    acct = (m.theme.replace("-", "")[:12] + n.replace("_", "")[:8] + m.fmt["hex4"])[:24]
    bad = m.bad()
    lines = [
        f'resource "azurerm_storage_account" "{n}" {{',
        f'  name                     = "{acct}"',
        f"  resource_group_name      = {m.var('resource_group_name')}",
        f"  location                 = {m.var('location')}",
        '  account_tier             = "Standard"',
        '  account_replication_type = "GRS"',
        f'  min_tls_version          = "{"TLS1_0" if bad else "TLS1_2"}"',
        f"  enable_https_traffic_only = {'false' if bad and m.rng.random() < 0.5 else 'true'}",
        "",
        "  blob_properties {",
        "    versioning_enabled = true",
        "",
        "    delete_retention_policy {",
        "      days = 30",
        "    }",
        "  }",
        "",
        *m.tags(n, ['DataClassification = "phi"']),
        "}",
    ]
    return [Block(lines, "tags")]


def t_gcs_bucket(m: Module) -> list[Block]:
    n = m.name("google_storage_bucket")
    m.register("google_storage_bucket", n, "url")
    lines = [
        f'resource "google_storage_bucket" "{n}" {{',
        f'  name                        = "{m.prefix()}-{dash(n)}-gcs"',
        f"  project                     = {m.var('gcp_project')}",
        '  location                    = "US"',
        '  storage_class               = "STANDARD"',
        "  uniform_bucket_level_access = true",
        "",
        "  versioning {",
        "    enabled = true",
        "  }",
    ]
    if not m.bad():
        lines += ["", "  encryption {", f"    default_kms_key_name = {m.var('gcp_kms_key')}", "  }"]
    lines += [
        "",
        "  lifecycle_rule {",
        "    condition {",
        f"      age = {m.rng.choice([365, 730, 2555])}",
        "    }",
        "    action {",
        '      type          = "SetStorageClass"',
        '      storage_class = "ARCHIVE"',
        "    }",
        "  }",
        "",
        *m.labels(['data_classification = "phi"']),
        "}",
    ]
    return [Block(lines, "labels")]


def t_db_instance(m: Module) -> list[Block]:
    n = m.name("aws_db_instance")
    m.register("aws_db_instance", n, "arn")
    engine, version, logs = m.rng.choice(
        [
            ("postgres", "15.5", '["postgresql", "upgrade"]'),
            ("postgres", "16.2", '["postgresql", "upgrade"]'),
            ("mysql", "8.0.36", '["audit", "error", "slowquery"]'),
        ]
    )
    storage_enc: str | None = "true"
    retention = str(m.rng.choice([14, 30, 35]))
    public: str | None = m.rng.choice(["false", None])
    multi_az = m.rng.choice(["true", "true", "local"])
    if multi_az == "local":
        multi_az = m.local("is_production")
    if m.bad():
        v = m.rng.choice(["enc_false", "enc_missing", "backup0", "public"])
        if v == "enc_false":
            storage_enc = "false"
        elif v == "enc_missing":
            storage_enc = None
        elif v == "backup0":
            retention = "0"
        else:
            public = "true"
    elif m.rng.random() < 0.15:
        retention = m.local("db_backup_retention")
    lines = [
        f"# Primary {engine} database for {n}.",
        f'resource "aws_db_instance" "{n}" {{',
        f'  identifier            = "{m.prefix()}-{dash(n)}"',
        f'  engine                = "{engine}"',
        f'  engine_version        = "{version}"',
        f"  instance_class        = {m.var('db_instance_class')}",
        f"  allocated_storage     = {m.rng.choice([100, 200, 500])}",
        "  max_allocated_storage = 1000",
        '  storage_type          = "gp3"',
        f'  db_name               = "{n}"',
        '  username              = "dbadmin"',
        "",
        "  manage_master_user_password = true",
        f"  db_subnet_group_name        = {m.var('db_subnet_group_name')}",
        f"  vpc_security_group_ids      = {m.var('security_group_ids')}",
        f"  multi_az                    = {multi_az}",
    ]
    if public is not None:
        lines.append(f"  publicly_accessible         = {public}")
    if storage_enc is not None:
        lines.append(f"  storage_encrypted           = {storage_enc}")
        if storage_enc == "true":
            lines.append(f"  kms_key_id                  = {m.var('kms_key_arn')}")
    lines += [
        f"  backup_retention_period     = {retention}",
        '  backup_window               = "03:00-04:00"',
        '  maintenance_window          = "sun:05:00-sun:06:00"',
        "  deletion_protection         = true",
        "  skip_final_snapshot         = false",
        f'  final_snapshot_identifier   = "{m.prefix()}-{dash(n)}-final"',
        "  copy_tags_to_snapshot       = true",
        f"  enabled_cloudwatch_logs_exports = {logs}",
        "",
        *m.tags(n, ['DataClassification = "phi"', f'Engine             = "{engine}"']),
        "}",
    ]
    return [Block(lines, "tags")]


def t_rds_cluster(m: Module) -> list[Block]:
    n = m.name("aws_rds_cluster")
    m.register("aws_rds_cluster", n, "arn")
    enc: str | None = "true"
    retention = str(m.rng.choice([7, 14, 35]))
    if m.bad():
        enc = m.rng.choice(["false", None])
    lines = [
        f'resource "aws_rds_cluster" "{n}" {{',
        f'  cluster_identifier      = "{m.prefix()}-{dash(n)}"',
        '  engine                  = "aurora-postgresql"',
        '  engine_version          = "15.4"',
        f'  database_name           = "{n}"',
        '  master_username         = "dbadmin"',
        "  manage_master_user_password = true",
        f"  db_subnet_group_name    = {m.var('db_subnet_group_name')}",
        f"  vpc_security_group_ids  = {m.var('security_group_ids')}",
    ]
    if enc is not None:
        lines.append(f"  storage_encrypted       = {enc}")
        if enc == "true":
            lines.append(f"  kms_key_id              = {m.var('kms_key_arn')}")
    lines += [
        f"  backup_retention_period = {retention}",
        '  preferred_backup_window = "02:00-03:00"',
        "  deletion_protection     = true",
        "  copy_tags_to_snapshot   = true",
        f'  final_snapshot_identifier = "{m.prefix()}-{dash(n)}-final"',
        '  enabled_cloudwatch_logs_exports = ["postgresql"]',
        "",
        *m.tags(n, ['DataClassification = "phi"']),
        "}",
    ]
    out = [Block(lines, "tags")]
    out.append(
        Block(
            [
                f'resource "aws_rds_cluster_instance" "{n}" {{',
                f"  count = {m.var('cluster_instance_count')}",
                "",
                f'  identifier           = "{m.prefix()}-{dash(n)}-${{count.index}}"',
                f"  cluster_identifier   = aws_rds_cluster.{n}.id",
                f"  instance_class       = {m.var('db_instance_class')}",
                f"  engine               = aws_rds_cluster.{n}.engine",
                f"  engine_version       = aws_rds_cluster.{n}.engine_version",
                "  publicly_accessible  = false",
                "  performance_insights_enabled = true",
                "",
                *m.tags(f"{n}-instance"),
                "}",
            ],
            "tags",
        )
    )
    m.register("aws_rds_cluster_instance", n, "id", "count")
    return out


def t_dynamodb(m: Module) -> list[Block]:
    n = m.name("aws_dynamodb_table")
    m.register("aws_dynamodb_table", n, "arn")
    bad = m.bad()
    lines = [
        f'resource "aws_dynamodb_table" "{n}" {{',
        f'  name         = "{m.prefix()}-{dash(n)}"',
        '  billing_mode = "PAY_PER_REQUEST"',
        '  hash_key     = "pk"',
        '  range_key    = "sk"',
        "",
        "  attribute {",
        '    name = "pk"',
        '    type = "S"',
        "  }",
        "",
        "  attribute {",
        '    name = "sk"',
        '    type = "S"',
        "  }",
        "",
        "  server_side_encryption {",
        f"    enabled     = {'false' if bad else 'true'}",
    ]
    if not bad:
        lines.append(f"    kms_key_arn = {m.var('kms_key_arn')}")
    lines += [
        "  }",
        "",
        "  point_in_time_recovery {",
        "    enabled = true",
        "  }",
        "",
        *m.tags(n, ['DataClassification = "phi"']),
        "}",
    ]
    return [Block(lines, "tags")]


def t_azure_postgres(m: Module) -> list[Block]:
    n = m.name("azurerm_postgresql_flexible_server")
    m.register("azurerm_postgresql_flexible_server", n, "id")
    bad = m.bad()
    lines = [
        f'resource "azurerm_postgresql_flexible_server" "{n}" {{',
        f'  name                         = "{m.prefix()}-{dash(n)}-psql"',
        f"  resource_group_name          = {m.var('resource_group_name')}",
        f"  location                     = {m.var('location')}",
        '  version                      = "16"',
        '  sku_name                     = "GP_Standard_D4s_v3"',
        "  storage_mb                   = 131072",
        f"  backup_retention_days        = {7 if bad else 35}",
        f"  geo_redundant_backup_enabled = {'false' if bad else 'true'}",
        '  zone                         = "1"',
        "",
        "  authentication {",
        "    active_directory_auth_enabled = true",
        "    password_auth_enabled         = false",
        f"    tenant_id                     = {m.var('tenant_id')}",
        "  }",
        "",
        *m.tags(n, ['DataClassification = "phi"']),
        "}",
    ]
    return [Block(lines, "tags")]


def t_cloudsql(m: Module) -> list[Block]:
    n = m.name("google_sql_database_instance")
    m.register("google_sql_database_instance", n, "connection_name")
    bad = m.bad()
    lines = [
        f'resource "google_sql_database_instance" "{n}" {{',
        f'  name                = "{m.prefix()}-{dash(n)}"',
        f"  project             = {m.var('gcp_project')}",
        f"  region              = {m.var('gcp_region')}",
        '  database_version    = "POSTGRES_15"',
        "  deletion_protection = true",
    ]
    if not bad:
        lines.append(f"  encryption_key_name = {m.var('gcp_kms_key')}")
    lines += [
        "",
        "  settings {",
        '    tier              = "db-custom-4-16384"',
        '    availability_type = "REGIONAL"',
        '    disk_type         = "PD_SSD"',
        "",
        "    backup_configuration {",
        f"      enabled                        = {'false' if bad else 'true'}",
        "      point_in_time_recovery_enabled = true",
        '      start_time                     = "03:00"',
        "    }",
        "",
        "    ip_configuration {",
        "      ipv4_enabled = false",
        f'      ssl_mode     = "{"ALLOW_UNENCRYPTED_AND_ENCRYPTED" if bad else "ENCRYPTED_ONLY"}"',
        "    }",
        "",
        "    database_flags {",
        '      name  = "log_connections"',
        '      value = "on"',
        "    }",
        "",
        *m.labels(['data_classification = "phi"'], indent="    "),
        "  }",
        "}",
    ]
    # google_sql_database_instance puts labels under settings as user_labels
    lines = [ln.replace("    labels = merge(", "    user_labels = merge(") for ln in lines]
    return [Block(lines, "labels")]


def t_security_group(m: Module) -> list[Block]:
    n = m.name("aws_security_group", ["app", "db", "cache", "alb", "bastion", "efs", "workers", "api", "etl", "vpn"])
    m.register("aws_security_group", n, "id")
    bad = m.bad()
    cidrs = '["0.0.0.0/0"]' if bad else m.var("allowed_cidrs")
    if m.rng.random() < 0.3:
        # dynamic ingress over a map of ports
        lines = [
            f'resource "aws_security_group" "{n}" {{',
            f'  name        = "{m.prefix()}-{dash(n)}"',
            f'  description = "Ingress for the {n} tier"',
            f"  vpc_id      = {m.var('vpc_id')}",
            "",
            '  dynamic "ingress" {',
            f"    for_each = {m.local('service_ports')}",
            "    content {",
            '      description = "Allow ${ingress.key}"',
            "      from_port   = ingress.value",
            "      to_port     = ingress.value",
            '      protocol    = "tcp"',
            f"      cidr_blocks = {cidrs}",
            "    }",
            "  }",
        ]
    else:
        port = m.rng.choice([443, 5432, 6379, 2049, 8443, 22])
        lines = [
            f'resource "aws_security_group" "{n}" {{',
            f'  name        = "{m.prefix()}-{dash(n)}"',
            f'  description = "Security group for the {n} tier"',
            f"  vpc_id      = {m.var('vpc_id')}",
            "",
            "  ingress {",
            f'    description = "Service traffic on {port}"',
            f"    from_port   = {port}",
            f"    to_port     = {port}",
            '    protocol    = "tcp"',
            f"    cidr_blocks = {cidrs}",
            "  }",
        ]
        if m.rng.random() < 0.4:
            lines += [
                "",
                "  ingress {",
                '    description = "Health checks from the load balancer"',
                "    from_port   = 8443",
                "    to_port     = 8443",
                '    protocol    = "tcp"',
                "    self        = true",
                "  }",
            ]
    lines += [
        "",
        "  egress {",
        '    description = "All outbound"',
        "    from_port   = 0",
        "    to_port     = 0",
        '    protocol    = "-1"',
        '    cidr_blocks = ["0.0.0.0/0"]',
        "  }",
        "",
        *m.tags(n),
        "",
        "  lifecycle {",
        "    create_before_destroy = true",
        "  }",
        "}",
    ]
    return [Block(lines, "tags")]


def t_load_balancer(m: Module) -> list[Block]:
    n = m.name("aws_lb", ["public", "internal", "api", "portal", "partner", "admin"])
    m.register("aws_lb", n, "dns_name")
    out = [
        Block(
            [
                f'resource "aws_lb" "{n}" {{',
                f'  name               = "{m.prefix()}-{n}"',
                f"  internal           = {'true' if n in ('internal', 'admin') else 'false'}",
                '  load_balancer_type = "application"',
                f"  subnets            = {m.var('public_subnet_ids')}",
                f"  security_groups    = {m.var('security_group_ids')}",
                "  drop_invalid_header_fields = true",
                "",
                "  access_logs {",
                f"    bucket  = {m.var('cloudtrail_bucket_name')}",
                f'    prefix  = "alb/{n}"',
                "    enabled = true",
                "  }",
                "",
                *m.tags(n),
                "}",
            ],
            "tags",
        ),
        Block(
            [
                f'resource "aws_lb_target_group" "{n}" {{',
                f'  name        = "{m.prefix()}-{n}-tg"',
                "  port        = 8443",
                '  protocol    = "HTTPS"',
                '  target_type = "ip"',
                f"  vpc_id      = {m.var('vpc_id')}",
                "",
                "  health_check {",
                '    path                = "/healthz"',
                '    protocol            = "HTTPS"',
                '    matcher             = "200"',
                "    healthy_threshold   = 3",
                "    unhealthy_threshold = 3",
                "  }",
                "",
                *m.tags(f"{n}-tg"),
                "}",
            ],
            "tags",
        ),
    ]
    bad_https = m.bad()
    policy = "ELBSecurityPolicy-2016-08" if bad_https else m.rng.choice(
        ["ELBSecurityPolicy-TLS13-1-2-2021-06", "ELBSecurityPolicy-FS-1-2-Res-2020-10"]
    )
    out.append(
        Block(
            [
                f'resource "aws_lb_listener" "{n}_https" {{',
                f"  load_balancer_arn = aws_lb.{n}.arn",
                "  port              = 443",
                '  protocol          = "HTTPS"',
                f'  ssl_policy        = "{policy}"',
                f"  certificate_arn   = {m.var('certificate_arn')}",
                "",
                "  default_action {",
                '    type             = "forward"',
                f"    target_group_arn = aws_lb_target_group.{n}.arn",
                "  }",
                "}",
            ]
        )
    )
    if m.bad():
        http_action = [
            "  # TODO: switch to a redirect once the legacy kiosk clients are gone",
            "  default_action {",
            '    type             = "forward"',
            f"    target_group_arn = aws_lb_target_group.{n}.arn",
            "  }",
        ]
    else:
        http_action = [
            "  default_action {",
            '    type = "redirect"',
            "",
            "    redirect {",
            '      port        = "443"',
            '      protocol    = "HTTPS"',
            '      status_code = "HTTP_301"',
            "    }",
            "  }",
        ]
    out.append(
        Block(
            [
                f'resource "aws_lb_listener" "{n}_http" {{',
                f"  load_balancer_arn = aws_lb.{n}.arn",
                "  port              = 80",
                '  protocol          = "HTTP"',
                "",
                *http_action,
                "}",
            ]
        )
    )
    return out


def t_azure_nsg(m: Module) -> list[Block]:
    n = m.name("azurerm_network_security_group")
    m.register("azurerm_network_security_group", n, "id")
    bad = m.bad()
    return [
        Block(
            [
                f'resource "azurerm_network_security_group" "{n}" {{',
                f'  name                = "{m.prefix()}-{dash(n)}-nsg"',
                f"  location            = {m.var('location')}",
                f"  resource_group_name = {m.var('resource_group_name')}",
                "",
                "  security_rule {",
                '    name                       = "allow-https"',
                "    priority                   = 100",
                '    direction                  = "Inbound"',
                '    access                     = "Allow"',
                '    protocol                   = "Tcp"',
                '    source_port_range          = "*"',
                f'    destination_port_range     = "{"*" if bad else "443"}"',
                f'    source_address_prefix      = "{"*" if bad else "VirtualNetwork"}"',
                '    destination_address_prefix = "*"',
                "  }",
                "",
                *m.tags(n),
                "}",
            ],
            "tags",
        )
    ]


def t_gcp_firewall(m: Module) -> list[Block]:
    n = m.name("google_compute_firewall")
    bad = m.bad()
    return [
        Block(
            [
                f'resource "google_compute_firewall" "{n}" {{',
                f'  name    = "{m.prefix()}-{dash(n)}-allow"',
                f"  project = {m.var('gcp_project')}",
                '  network = "default"',
                "",
                "  allow {",
                '    protocol = "tcp"',
                f'    ports    = ["{"22" if bad else "443"}"]',
                "  }",
                "",
                f'  source_ranges = ["{"0.0.0.0/0" if bad else "10.0.0.0/8"}"]',
                f'  target_tags   = ["{dash(n)}"]',
                "}",
            ]
        )
    ]


def t_log_group(m: Module) -> list[Block]:
    n = m.name("aws_cloudwatch_log_group")
    bad = m.bad()
    each = m.rng.random() < 0.3
    # HIPAA wants six years: compliant is >= 2192 days or unset (never expire)
    if bad:
        retention: str | None = m.rng.choice(["30", "14", "90", "365", "731"])
    else:
        retention = m.rng.choice(["2192", "2192", "2557", "3653", None])
    lines = [f'resource "aws_cloudwatch_log_group" "{n}" {{']
    if each:
        lines += [
            f"  for_each = {m.local('log_streams')}",
            "",
            f'  name = "${{{m.local("log_group_prefix")}}}/{dash(n)}/${{each.key}}"',
        ]
        m.register("aws_cloudwatch_log_group", n, "arn", "for_each")
    else:
        lines += [f'  name = "${{{m.local("log_group_prefix")}}}/{dash(n)}"']
        m.register("aws_cloudwatch_log_group", n, "arn")
    if retention is not None:
        lines.append(f"  retention_in_days = {retention}")
    if not bad or m.rng.random() < 0.5:
        lines.append(f"  kms_key_id        = {m.var('kms_key_arn')}")
    lines += ["", *m.tags(n), "}"]
    return [Block(lines, "tags")]


def t_cloudtrail(m: Module) -> list[Block]:
    n = m.name("aws_cloudtrail", ["main", "org", "data_events", "management", "audit"])
    m.register("aws_cloudtrail", n, "arn")
    bad = m.bad()
    validation = "false" if bad else "true"
    lines = [
        f'resource "aws_cloudtrail" "{n}" {{',
        f'  name                          = "{m.prefix()}-{dash(n)}-trail"',
        f"  s3_bucket_name                = {m.var('cloudtrail_bucket_name')}",
        f'  s3_key_prefix                 = "cloudtrail/{dash(n)}"',
        "  include_global_service_events = true",
        "  is_multi_region_trail         = true",
        f"  enable_log_file_validation    = {validation}",
    ]
    if not bad or m.rng.random() < 0.5:
        lines.append(f"  kms_key_id                    = {m.var('kms_key_arn')}")
    lines += [
        "",
        "  event_selector {",
        '    read_write_type           = "All"',
        "    include_management_events = true",
        "",
        "    data_resource {",
        '      type   = "AWS::S3::Object"',
        '      values = ["arn:aws:s3"]',
        "    }",
        "  }",
        "",
        *m.tags(n),
        "}",
    ]
    return [Block(lines, "tags")]


def t_metric_alarm(m: Module) -> list[Block]:
    n = m.name("aws_cloudwatch_metric_alarm")
    metric, ns = m.rng.choice(
        [("CPUUtilization", "AWS/RDS"), ("FreeStorageSpace", "AWS/RDS"), ("HTTPCode_Target_5XX_Count", "AWS/ApplicationELB")]
    )
    return [
        Block(
            [
                f'resource "aws_cloudwatch_metric_alarm" "{n}" {{',
                f'  alarm_name          = "{m.prefix()}-{dash(n)}-{metric.lower()}"',
                f'  alarm_description   = "{metric} out of bounds for {n}"',
                '  comparison_operator = "GreaterThanThreshold"',
                "  evaluation_periods  = 3",
                f'  metric_name         = "{metric}"',
                f'  namespace           = "{ns}"',
                "  period              = 300",
                '  statistic           = "Average"',
                f"  threshold           = {m.rng.choice([80, 90, 10])}",
                f"  alarm_actions       = [{m.var('alarm_topic_arn')}]",
                f"  ok_actions          = [{m.var('alarm_topic_arn')}]",
                "",
                *m.tags(n),
                "}",
            ],
            "tags",
        )
    ]


def t_log_analytics(m: Module) -> list[Block]:
    n = m.name("azurerm_log_analytics_workspace")
    bad = m.bad()
    return [
        Block(
            [
                f'resource "azurerm_log_analytics_workspace" "{n}" {{',
                f'  name                = "{m.prefix()}-{dash(n)}-law"',
                f"  location            = {m.var('location')}",
                f"  resource_group_name = {m.var('resource_group_name')}",
                '  sku                 = "PerGB2018"',
                f"  retention_in_days   = {30 if bad else 730}",
                "",
                *m.tags(n),
                "}",
            ],
            "tags",
        )
    ]


def t_gcp_log_bucket(m: Module) -> list[Block]:
    n = m.name("google_logging_project_bucket_config")
    bad = m.bad()
    return [
        Block(
            [
                f'resource "google_logging_project_bucket_config" "{n}" {{',
                f"  project        = {m.var('gcp_project')}",
                '  location       = "global"',
                f'  bucket_id      = "{dash(n)}-logs"',
                f"  retention_days = {30 if bad else 400}",
                "}",
            ]
        )
    ]


def t_sns_topic(m: Module) -> list[Block]:
    n = m.name("aws_sns_topic")
    bad = m.bad()
    lines = [
        f'resource "aws_sns_topic" "{n}" {{',
        f'  name = "{m.prefix()}-{dash(n)}-events"',
    ]
    if not bad:
        lines.append(f"  kms_master_key_id = {m.var('kms_key_arn')}")
    lines += ["", *m.tags(n), "}"]
    m.register("aws_sns_topic", n, "arn")
    return [Block(lines, "tags")]


def t_sqs_queue(m: Module) -> list[Block]:
    n = m.name("aws_sqs_queue")
    bad = m.bad()
    lines = [
        f'resource "aws_sqs_queue" "{n}_dlq" {{',
        f'  name                      = "{m.prefix()}-{dash(n)}-dlq"',
        "  message_retention_seconds = 1209600",
        "  sqs_managed_sse_enabled   = true",
        "",
        *m.tags(f"{n}-dlq"),
        "}",
    ]
    main = [
        f'resource "aws_sqs_queue" "{n}" {{',
        f'  name                       = "{m.prefix()}-{dash(n)}"',
        "  visibility_timeout_seconds = 300",
        "  message_retention_seconds  = 345600",
    ]
    if bad:
        main.append("  sqs_managed_sse_enabled    = false")
    else:
        main.append(f"  kms_master_key_id          = {m.var('kms_key_arn')}")
        main.append("  kms_data_key_reuse_period_seconds = 300")
    main += [
        "",
        "  redrive_policy = jsonencode({",
        f"    deadLetterTargetArn = aws_sqs_queue.{n}_dlq.arn",
        "    maxReceiveCount     = 5",
        "  })",
        "",
        *m.tags(n),
        "}",
    ]
    m.register("aws_sqs_queue", n, "arn")
    return [Block(lines, "tags"), Block(main, "tags")]


def t_elasticache(m: Module) -> list[Block]:
    n = m.name("aws_elasticache_replication_group")
    m.register("aws_elasticache_replication_group", n, "primary_endpoint_address")
    at_rest, transit = "true", "true"
    if m.bad():
        v = m.rng.choice(["rest", "transit", "both"])
        if v in ("rest", "both"):
            at_rest = "false"
        if v in ("transit", "both"):
            transit = "false"
    lines = [
        f'resource "aws_elasticache_subnet_group" "{n}" {{',
        f'  name       = "{m.prefix()}-{dash(n)}"',
        f"  subnet_ids = {m.var('subnet_ids')}",
        "}",
    ]
    rg = [
        f'resource "aws_elasticache_replication_group" "{n}" {{',
        f'  replication_group_id       = "{m.prefix()}-{dash(n)}"',
        f'  description                = "Redis cache for {n} sessions"',
        '  engine                     = "redis"',
        '  engine_version             = "7.1"',
        f"  node_type                  = {m.var('cache_node_type')}",
        f"  num_cache_clusters         = {m.rng.choice([2, 3])}",
        "  port                       = 6379",
        '  parameter_group_name       = "default.redis7"',
        f"  subnet_group_name          = aws_elasticache_subnet_group.{n}.name",
        f"  security_group_ids         = {m.var('security_group_ids')}",
        "  automatic_failover_enabled = true",
        "  multi_az_enabled           = true",
        f"  at_rest_encryption_enabled = {at_rest}",
        f"  transit_encryption_enabled = {transit}",
    ]
    if at_rest == "true":
        rg.append(f"  kms_key_id                 = {m.var('kms_key_arn')}")
    rg += [
        "  snapshot_retention_limit   = 7",
        '  snapshot_window            = "04:00-05:00"',
        "",
        *m.tags(n),
        "}",
    ]
    return [Block(lines), Block(rg, "tags")]


def t_azure_redis(m: Module) -> list[Block]:
    n = m.name("azurerm_redis_cache")
    bad = m.bad()
    return [
        Block(
            [
                f'resource "azurerm_redis_cache" "{n}" {{',
                f'  name                = "{m.prefix()}-{dash(n)}-redis"',
                f"  location            = {m.var('location')}",
                f"  resource_group_name = {m.var('resource_group_name')}",
                "  capacity            = 1",
                '  family              = "P"',
                '  sku_name            = "Premium"',
                f"  enable_non_ssl_port = {'true' if bad else 'false'}",
                '  minimum_tls_version = "1.2"',
                "",
                "  redis_configuration {",
                '    maxmemory_policy = "allkeys-lru"',
                "  }",
                "",
                *m.tags(n),
                "}",
            ],
            "tags",
        )
    ]


def t_gcp_redis(m: Module) -> list[Block]:
    n = m.name("google_redis_instance")
    bad = m.bad()
    return [
        Block(
            [
                f'resource "google_redis_instance" "{n}" {{',
                f'  name                    = "{m.prefix()}-{dash(n)}"',
                f"  project                 = {m.var('gcp_project')}",
                f"  region                  = {m.var('gcp_region')}",
                '  tier                    = "STANDARD_HA"',
                "  memory_size_gb          = 4",
                f'  transit_encryption_mode = "{"DISABLED" if bad else "SERVER_AUTHENTICATION"}"',
                "  auth_enabled            = true",
                "",
                *m.labels(),
                "}",
            ],
            "labels",
        )
    ]


def t_instance(m: Module) -> list[Block]:
    n = m.name("aws_instance", ["app", "worker", "bastion", "batch", "interface_engine", "reporting"])
    m.register("aws_instance", n, "private_ip")
    bad = m.bad()
    lines = [
        f'resource "aws_instance" "{n}" {{',
        f"  ami                    = {m.var('ami_id')}",
        f"  instance_type          = {m.var('instance_type')}",
        f"  subnet_id              = {m.var('subnet_ids')}[0]",
        f"  vpc_security_group_ids = {m.var('security_group_ids')}",
        "  monitoring             = true",
        "",
        "  metadata_options {",
        '    http_endpoint = "enabled"',
        f'    http_tokens   = "{"optional" if bad and m.rng.random() < 0.5 else "required"}"',
        "  }",
        "",
        "  root_block_device {",
        '    volume_type = "gp3"',
        f"    volume_size = {m.rng.choice([30, 50, 100])}",
        f"    encrypted   = {'false' if bad else 'true'}",
        "  }",
        "",
        *m.tags(n, [f'Role = "{dash(n)}"']),
        "}",
    ]
    return [Block(lines, "tags")]


def t_launch_template(m: Module) -> list[Block]:
    n = m.name("aws_launch_template")
    bad = m.bad()
    lines = [
        f'resource "aws_launch_template" "{n}" {{',
        f'  name_prefix   = "{m.prefix()}-{dash(n)}-"',
        f"  image_id      = {m.var('ami_id')}",
        f"  instance_type = {m.var('instance_type')}",
        "",
        "  block_device_mappings {",
        '    device_name = "/dev/xvda"',
        "",
        "    ebs {",
        "      volume_size = 50",
        '      volume_type = "gp3"',
        f"      encrypted   = {'false' if bad else 'true'}",
    ]
    if not bad:
        lines.append(f"      kms_key_id  = {m.var('kms_key_arn')}")
    lines += [
        "    }",
        "  }",
        "",
        "  tag_specifications {",
        '    resource_type = "instance"',
        f"    tags          = {m.local('common_tags')}",
        "  }",
        "",
        *m.tags(n),
        "}",
    ]
    return [Block(lines, "tags")]


def t_lambda(m: Module) -> list[Block]:
    n = m.name("aws_lambda_function")
    m.register("aws_lambda_function", n, "arn")
    return [
        Block(
            [
                f'resource "aws_lambda_function" "{n}" {{',
                f'  function_name = "{m.prefix()}-{dash(n)}-handler"',
                f"  role          = {m.var('lambda_role_arn')}",
                '  runtime       = "python3.12"',
                '  handler       = "app.handler"',
                f'  filename      = "${{path.module}}/dist/{n}.zip"',
                "  timeout       = 60",
                "  memory_size   = 512",
                f"  kms_key_arn   = {m.var('kms_key_arn')}",
                "",
                "  environment {",
                "    variables = {",
                f"      ENVIRONMENT = {m.var('environment')}",
                '      LOG_LEVEL   = "INFO"',
                "    }",
                "  }",
                "",
                "  tracing_config {",
                '    mode = "Active"',
                "  }",
                "",
                *m.tags(n),
                "}",
            ],
            "tags",
        )
    ]


def t_gcp_disk(m: Module) -> list[Block]:
    n = m.name("google_compute_disk")
    bad = m.bad()
    lines = [
        f'resource "google_compute_disk" "{n}" {{',
        f'  name    = "{m.prefix()}-{dash(n)}-disk"',
        f"  project = {m.var('gcp_project')}",
        '  zone    = "us-central1-a"',
        '  type    = "pd-ssd"',
        f"  size    = {m.rng.choice([100, 250, 500])}",
    ]
    if not bad:
        lines += ["", "  disk_encryption_key {", f"    kms_key_self_link = {m.var('gcp_kms_key')}", "  }"]
    lines += ["", *m.labels(), "}"]
    return [Block(lines, "labels")]


def t_backup(m: Module) -> list[Block]:
    n = m.name("aws_backup_vault")
    m.register("aws_backup_vault", n, "arn")
    bad = m.bad()
    out = [
        Block(
            [
                f'resource "aws_backup_vault" "{n}" {{',
                f'  name        = "{m.prefix()}-{dash(n)}-vault"',
                f"  kms_key_arn = {m.var('kms_key_arn')}",
                "",
                *m.tags(n),
                "}",
            ],
            "tags",
        ),
        Block(
            [
                f'resource "aws_backup_plan" "{n}" {{',
                f'  name = "{m.prefix()}-{dash(n)}-plan"',
                "",
                "  rule {",
                '    rule_name         = "daily"',
                f"    target_vault_name = aws_backup_vault.{n}.name",
                '    schedule          = "cron(0 5 * * ? *)"',
                "",
                "    lifecycle {",
                "      cold_storage_after = 30",
                f"      delete_after       = {7 if bad else 2190}",
                "    }",
                "  }",
                "",
                *m.tags(f"{n}-plan"),
                "}",
            ],
            "tags",
        ),
    ]
    if m.rng.random() < 0.6:
        out.append(
            Block(
                [
                    f'resource "aws_backup_selection" "{n}" {{',
                    f'  name         = "{dash(n)}-tagged"',
                    f"  plan_id      = aws_backup_plan.{n}.id",
                    f'  iam_role_arn = "arn:aws:iam::{m.account}:role/service-role/AWSBackupDefaultServiceRole"',
                    "",
                    "  selection_tag {",
                    '    type  = "STRINGEQUALS"',
                    '    key   = "DataClassification"',
                    '    value = "phi"',
                    "  }",
                    "}",
                ]
            )
        )
    return out


# (weight, template) pools per file kind
POOLS = {
    "main": [(3, t_kms_key), (2, t_iam_role), (2, t_ssm_parameter), (2, t_s3_bucket), (1, t_log_group), (1, t_sns_topic)],
    "storage": [
        (12, t_s3_bucket),
        (4, t_efs),
        (4, t_ebs_volume),
        (2, t_ebs_default),
        (1, t_azure_storage),
        (1, t_gcs_bucket),
    ],
    "database": [(10, t_db_instance), (6, t_rds_cluster), (4, t_dynamodb), (1, t_azure_postgres), (1, t_cloudsql)],
    "network": [(10, t_security_group), (6, t_load_balancer), (1, t_azure_nsg), (1, t_gcp_firewall)],
    "logging": [
        (10, t_log_group),
        (4, t_cloudtrail),
        (3, t_metric_alarm),
        (2, t_sns_topic),
        (1, t_log_analytics),
        (1, t_gcp_log_bucket),
    ],
    "cache": [(10, t_elasticache), (4, t_sqs_queue), (1, t_azure_redis), (1, t_gcp_redis)],
    "compute": [(6, t_instance), (4, t_launch_template), (4, t_ebs_volume), (3, t_lambda), (1, t_gcp_disk)],
    "iam": [(3, t_iam_role), (2, t_iam_policy), (2, t_kms_key), (1, t_ssm_parameter)],
    "backup": [(3, t_backup), (1, t_kms_key), (1, t_metric_alarm)],
}

HEADERS = {
    "main": "Core wiring for the {theme} service: providers, keys and shared resources.",
    "storage": "Object, file and block storage for {theme}.",
    "database": "Relational and key-value data stores for {theme}. All of them hold PHI.",
    "network": "Security groups and load balancers for {theme}.",
    "logging": "Audit and application logging for {theme}.",
    "cache": "Caches and queues for {theme}.",
    "compute": "Compute for {theme}.",
    "iam": "IAM roles, policies and keys for {theme}.",
    "backup": "AWS Backup vaults and plans for {theme}.",
    "outputs": "Outputs of the {theme} module.",
    "locals": "Naming and tagging conventions for {theme}.",
    "variables": "Inputs of the {theme} module.",
}


def pick(rng: random.Random, pool: list[tuple[int, object]]):
    total = sum(w for w, _ in pool)
    r = rng.randrange(total)
    for w, fn in pool:
        if r < w:
            return fn
        r -= w
    raise AssertionError


# --------------------------------------------------------------------------
# Block generators for variables.tf, locals.tf and outputs.tf
# --------------------------------------------------------------------------


def variable_block(m: Module, name: str) -> Block:
    vtype, default, desc = VARIABLES[name]
    default = [d.format(**m.fmt) for d in default]
    lines = [f'variable "{name}" {{', f'  description = "{desc}"', f"  type        = {vtype}"]
    fill = None
    if len(default) == 1:
        lines.append(f"  default     = {default[0]}")
    else:
        lines.append(f"  default = {default[0]}")
        lines += ["  " + d for d in default[1:-1]]
        if name == "allowed_cidrs":
            lines.append("    " + Block.MARK)
            fill = "cidrs"
        lines.append("  " + default[-1])
    if name == "environment":
        lines += [
            "",
            "  validation {",
            '    condition     = contains(["dev", "staging", "prod"], var.environment)',
            '    error_message = "environment must be one of dev, staging, prod."',
            "  }",
        ]
    lines.append("}")
    return Block(lines, fill)


def pad_variable_block(m: Module) -> Block | None:
    i = m.pad_var_idx
    m.pad_var_idx += 1
    if i < len(PAD_VARIABLES):
        name, vtype, default, desc = PAD_VARIABLES[i]
        return Block(
            [
                f'variable "{name}" {{',
                f'  description = "{desc}"',
                f"  type        = {vtype}",
                f"  default     = {default.format(**m.fmt)}",
                "}",
            ]
        )
    j = i - len(PAD_VARIABLES)
    return Block(
        [
            f'variable "extra_tags_{j:02d}" {{',
            '  description = "Additional tags merged into a resource group."',
            "  type        = map(string)",
            "  default = {",
            f'    Team = "{m.fmt["team"]}"',
            "    " + Block.MARK,
            "  }",
            "}",
        ],
        "tags",
    )


def locals_block(m: Module, entries: list[list[str]], fill: bool) -> Block:
    lines = ["locals {"]
    for e in entries:
        lines += ["  " + ln for ln in e]
    lines.append("}")
    return Block(lines, "tags" if fill else None)


def output_block(m: Module, res: tuple[str, str, str, str]) -> Block:
    rtype, name, attr, mode = res
    if mode == "count":
        value = f"{rtype}.{name}[*].{attr}"
    elif mode == "for_each":
        value = f"{{ for k, v in {rtype}.{name} : k => v.{attr} }}"
    else:
        value = f"{rtype}.{name}.{attr}"
    short = rtype.split("_", 1)[1]
    lines = [
        f'output "{short}_{name}_{attr}" {{',
        f'  description = "{attr.replace("_", " ").capitalize()} of the {name} {short.replace("_", " ")}."',
        f"  value       = {value}",
    ]
    if rtype in ("aws_db_instance", "aws_rds_cluster", "google_sql_database_instance") and m.rng.random() < 0.5:
        lines.append("  sensitive   = true")
    lines.append("}")
    return Block(lines)


# --------------------------------------------------------------------------
# File assembly
# --------------------------------------------------------------------------


def count_lines(header: list[str], blocks: list[Block]) -> int:
    n = len(header)
    for b in blocks:
        n += 1 + len(b.lines)  # blank separator + block
    return n


def fill(rng: random.Random, blocks: list[Block], n: int) -> None:
    """Add n extra tag/list lines spread over the blocks that can take them."""
    while n > 0:
        cands = [b for b in blocks if b.capacity() > 0]
        if not cands:
            return
        # spread: prefer the least filled blocks
        least = min(b.filled for b in cands)
        cands = [b for b in cands if b.filled == least]
        rng.choice(cands).add_fill_line(rng)
        n -= 1


def build_resource_file(m: Module, kind: str, header: list[str], target: int) -> list[Block]:
    blocks: list[Block] = []
    if kind == "main":
        if "terraform" not in m.flags:
            blocks += t_terraform_block(m)
        if "caller_identity" not in m.flags and m.rng.random() < 0.5:
            blocks += t_caller_identity(m)
    pool = POOLS[kind]
    has_resource = False
    while True:
        remaining = target - count_lines(header, blocks)
        if has_resource and remaining <= 0:
            break
        if has_resource and remaining <= MAX_FILL_TOTAL:
            cap = sum(b.capacity() for b in blocks)
            if cap >= remaining:
                fill(m.rng, blocks, remaining)
                break
        blocks += pick(m.rng, pool)(m)
        has_resource = True
    return blocks


def build_outputs(m: Module, header: list[str], target: int) -> list[Block]:
    blocks: list[Block] = []
    # outputs for a deterministic sample of the module's resources
    res = list(m.resources)
    m.rng.shuffle(res)
    seen: set[str] = set()
    for r in res:
        b = output_block(m, r)
        key = b.lines[0]
        if key in seen:
            continue
        seen.add(key)
        if blocks and count_lines(header, blocks) + 1 + len(b.lines) > target:
            break
        blocks.append(b)
    # always export the effective tags; its map is the fill point
    blocks.append(
        Block(
            [
                'output "effective_tags" {',
                '  description = "Tags applied to every resource of this module."',
                f"  value = merge({m.local('common_tags')}, {{",
                '    Module = "' + m.theme + '"',
                "    " + Block.MARK,
                "  })",
                "}",
            ],
            "tags",
        )
    )
    pad_i = 0
    while True:
        remaining = target - count_lines(header, blocks)
        if remaining <= 0:
            break
        cap = sum(b.capacity() for b in blocks)
        if remaining <= cap:
            fill(m.rng, blocks, remaining)
            break
        # pad with outputs that re-export inputs
        name = VARIABLE_ORDER[pad_i % len(VARIABLE_ORDER)]
        suffix = "" if pad_i < len(VARIABLE_ORDER) else f"_{pad_i // len(VARIABLE_ORDER)}"
        pad_i += 1
        blocks.append(
            Block(
                [
                    f'output "input_{name}{suffix}" {{',
                    f'  description = "Echo of var.{name} for downstream stacks."',
                    f"  value       = {m.var(name)}",
                    "}",
                ]
            )
        )
    return blocks


def build_locals(m: Module, header: list[str], target: int) -> list[Block]:
    # always define the naming/tagging locals; add others that were used
    m.local("name_prefix")
    m.local("common_tags")
    entries: list[list[str]] = []
    for name in LOCAL_ORDER:
        if name in m.locals_used:
            entries.append(LOCALS[name][0])
    first = locals_block(m, entries, True)
    blocks = [first]
    pad_i = 0
    while True:
        remaining = target - count_lines(header, blocks)
        if remaining <= 0:
            break
        cap = sum(b.capacity() for b in blocks)
        if remaining <= cap:
            fill(m.rng, blocks, remaining)
            break
        if pad_i < len(PAD_LOCALS):
            entry = PAD_LOCALS[pad_i]
            for v in PAD_LOCAL_VARS.get(pad_i, []):
                m.var(v)
            pad_i += 1
            # grow the existing locals block (people do keep one big one)
            blk = blocks[-1]
            blk.lines[-1:-1] = [""] + ["  " + ln for ln in entry]
        else:
            j = pad_i - len(PAD_LOCALS)
            pad_i += 1
            blocks.append(
                Block(
                    [
                        "locals {",
                        f"  extra_tags_{j:02d} = merge({m.local('common_tags')}, {{",
                        f'    Shard = "{j:02d}"',
                        "    " + Block.MARK,
                        "  })",
                        "}",
                    ],
                    "tags",
                )
            )
    return blocks


def variables_min_lines(m: Module, used: set[str], header: list[str]) -> int:
    """Lines variables.tf needs to declare `used` (no padding)."""
    cache = m.var_block_lines
    total = len(header)
    for name in used:
        if name not in cache:
            cache[name] = 1 + len(variable_block(m, name).lines)
        total += cache[name]
    return total


def build_variables(m: Module, header: list[str], target: int) -> list[Block]:
    for v in ("project", "environment"):
        m.var(v)
    blocks = [variable_block(m, name) for name in VARIABLE_ORDER if name in m.vars_used]
    while True:
        remaining = target - count_lines(header, blocks)
        if remaining <= 0:
            break
        cap = sum(b.capacity() for b in blocks)
        if remaining <= cap:
            fill(m.rng, blocks, remaining)
            break
        blocks.append(pad_variable_block(m))
    return blocks


def render(header: list[str], blocks: list[Block]) -> str:
    lines = list(header)
    for b in blocks:
        lines.append("")
        lines.extend(b.lines)
    if lines and lines[0] == "":
        lines = lines[1:]
    return "\n".join(aligned(lines)) + "\n"


def module_sizes(rng: random.Random, n_files: int) -> list[int]:
    sizes = []
    left = n_files
    while left > 0:
        k = min(rng.randint(8, 12), left)
        sizes.append(k)
        left -= k
    return sizes


def generate(n_files: int, out: Path, seed: int, lpf: float) -> dict:
    rng = random.Random(seed)
    stats = {"files": 0, "lines": 0, "bytes": 0, "modules": 0, "relevant": 0, "noncompliant": 0}
    sizes = module_sizes(rng, n_files)
    produced = 0  # lines so far, for cumulative targeting
    file_no = 0
    modules_dir = out / "modules"
    modules_dir.mkdir(parents=True, exist_ok=True)
    for idx, k in enumerate(sizes):
        m = Module(idx, rng, stats)
        kinds = FILE_ORDER[:k]
        contents: dict[str, str] = {}
        gen_kinds = [kind for kind in GEN_ORDER if kind in kinds]
        for pos, kind in enumerate(gen_kinds):
            # Lines still owed (or, if negative, overshot) so far; spread the
            # debt over the module's remaining files so no file is starved.
            deficit = round(file_no * lpf) - produced
            left = len(gen_kinds) - pos
            file_no += 1
            header = [f"# {HEADERS[kind].format(theme=m.theme)}"]
            if kind == "variables" or "variables" not in gen_kinds:
                target = round(lpf + deficit / left)
            else:
                # variables.tf usually needs more than its share (it declares
                # every input the module uses); reserve that up front.
                used = m.vars_used | {"project", "environment", "owner", "cost_center"}
                est_var = max(variables_min_lines(m, used, header), lpf)
                target = round(lpf + (deficit - (est_var - lpf)) / (left - 1))
            if kind == "locals" and "variables" in gen_kinds:
                # locals.tf and variables.tf share what is left of the module's
                # budget; variables.tf must declare every variable used.
                joint = round(2 * lpf + deficit)
                used = m.vars_used | {"project", "environment", "owner", "cost_center"}
                target = min(target, joint - variables_min_lines(m, used, header))
            if kind == "variables":
                blocks = build_variables(m, header, target)
            elif kind == "locals":
                blocks = build_locals(m, header, target)
            elif kind == "outputs":
                blocks = build_outputs(m, header, target)
            else:
                blocks = build_resource_file(m, kind, header, target)
            text = render(header, blocks)
            contents[kind] = text
            produced += text.count("\n")
        mdir = modules_dir / f"mod-{idx:04d}"
        mdir.mkdir(exist_ok=True)
        for kind in kinds:
            data = contents[kind].encode()
            (mdir / f"{kind}.tf").write_bytes(data)
            stats["files"] += 1
            stats["bytes"] += len(data)
        stats["modules"] += 1
    stats["lines"] = produced
    return stats


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--files", type=int, required=True, metavar="N", help="number of .tf files to write (exact)")
    ap.add_argument("--out", type=Path, required=True, metavar="DIR", help="output directory (created)")
    ap.add_argument("--seed", type=int, default=42, metavar="S", help="random seed (default 42)")
    ap.add_argument("--lines-per-file", type=float, default=100, metavar="L", help="average lines per file (default 100)")
    ap.add_argument("--force", action="store_true", help="delete DIR first if it exists and is not empty")
    args = ap.parse_args()
    if args.files < 1:
        ap.error("--files must be at least 1")
    if args.lines_per_file < 1:
        ap.error("--lines-per-file must be at least 1")
    out: Path = args.out
    if out.exists() and any(out.iterdir()):
        if not args.force:
            ap.error(f"{out} exists and is not empty (use --force to replace it)")
        shutil.rmtree(out)
    t0 = time.monotonic()
    stats = generate(args.files, out, args.seed, args.lines_per_file)
    dt = time.monotonic() - t0
    print(
        f"gen-corpus: {stats['files']} files, {stats['lines']} lines, {stats['bytes']} bytes "
        f"in {stats['modules']} modules under {out} "
        f"({stats['noncompliant']}/{stats['relevant']} security-relevant resources non-compliant, "
        f"seed {args.seed}, {dt:.1f}s)",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
