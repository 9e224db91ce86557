use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// HIPAA compliance-as-code linter: finds configuration that would expose
/// patient data in Terraform, tenant exports and mail-server configs.
#[derive(Debug, Parser)]
#[command(name = "safeguard", version, about, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check files or directories against the HIPAA policies.
    Check(Box<CheckArgs>),
    /// List the policies: id, safeguard, citation, severity, formats.
    Rules(RulesArgs),
    /// Explain one policy: rationale, remediation, citation, examples.
    Explain(ExplainArgs),
    /// Run every policy's pass and fail examples.
    Test(TestArgs),
    /// Print the JSON Schema for policy files (policies/schema.json).
    Schema,
    /// Evidence for auditors: per safeguard, what was checked, what failed and what was accepted.
    Report(Box<ReportArgs>),
    /// Run the language server on stdin/stdout (for editors).
    Server(ServerArgs),
    /// Join the JSON or SARIF outputs of `check --shard I/N` jobs into the report of a single run.
    Merge(MergeArgs),
    /// Delete the result cache (`.safeguard-cache/`) that checks of these paths use.
    Clean(CleanArgs),
}

#[derive(Debug, Args)]
pub struct CleanArgs {
    /// Paths as given to `check`: each one's cache is found as `check` finds it.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// The cache directory `check --cache-dir` used (default: $SAFEGUARD_CACHE_DIR
    /// when set); the paths are then not looked at.
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The shards' `check --shard I/N --format json` (or `sarif`) outputs, all N of them.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Write the merged report to FILE instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// One self-contained page (inline CSS and SVG chart, no external references).
    Html,
    Markdown,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Files or directories to check.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = ReportFormat::Html)]
    pub format: ReportFormat,
    /// Write the report to FILE instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub policies: PolicyArgs,
    /// Run only these rule ids or safeguards (comma-separated, repeatable).
    #[arg(long, value_delimiter = ',', value_name = "RULE|SAFEGUARD")]
    pub select: Option<Vec<String>>,
    /// Skip these rule ids or safeguards (comma-separated, repeatable).
    #[arg(long, value_delimiter = ',', value_name = "RULE|SAFEGUARD")]
    pub ignore: Vec<String>,
    /// Set a Terraform variable, as `terraform plan -var` does (repeatable).
    #[arg(long = "var", value_name = "NAME=VALUE", value_parser = parse_var)]
    pub vars: Vec<(String, String)>,
    /// Read Terraform variables from a .tfvars or .tfvars.json file (repeatable).
    #[arg(long = "var-file", value_name = "FILE")]
    pub var_files: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ServerArgs {
    /// Kept for editors that pass it; stdio is the only transport.
    #[arg(long)]
    pub stdio: bool,
    #[command(flatten)]
    pub policies: PolicyArgs,
    /// Milliseconds an edit waits for the next one before it is checked [default: 0: at once, with edits made during a check coalesced into one check after it].
    #[arg(long, value_name = "MS")]
    pub debounce_ms: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Snippets with the citation and remediation, then a summary.
    Human,
    /// The stable JSON contract (docs/json-output.md).
    Json,
    /// SARIF 2.1.0, for code scanning (GitHub, Azure DevOps, …).
    Sarif,
    /// JUnit XML: one test case per object and policy.
    Junit,
    /// GitHub Actions workflow commands (pull request annotations).
    Github,
    /// GitLab Code Quality JSON.
    Gitlab,
    /// Checkstyle XML.
    Checkstyle,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RulesFormat {
    Human,
    Json,
    /// The policy catalogue, as in docs/policies.md.
    Markdown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SeverityArg {
    Critical,
    High,
    Medium,
    Low,
    Info,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum UnknownArg {
    /// List unknown results; they do not fail the run.
    Report,
    /// Unknown results fail the run like failures.
    Fail,
    /// Do not list unknown results.
    Ignore,
}

#[derive(Debug, Args)]
pub struct PolicyArgs {
    /// An extra policy folder, added to the bundled packs (repeatable).
    #[arg(long = "policies", value_name = "DIR")]
    pub policy_dirs: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Files or directories to check.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Output format; repeat it, each followed by its own --output, to write several [default: human].
    #[arg(long, value_enum)]
    pub format: Vec<OutputFormat>,
    /// Write the preceding --format to FILE instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub output: Vec<PathBuf>,
    /// List suppressed findings too, with their reasons.
    #[arg(long)]
    pub show_suppressed: bool,
    /// Report only findings not recorded in this baseline file, and how many of its entries are fixed.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Check only the files changed since this git revision (added to any PATHs given).
    #[arg(long, value_name = "REV")]
    pub since: Option<String>,
    /// Record today's findings in FILE as the baseline (they then do not fail this run).
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    #[command(flatten)]
    pub policies: PolicyArgs,
    /// Run only these rule ids or safeguards (comma-separated, repeatable).
    #[arg(long, value_delimiter = ',', value_name = "RULE|SAFEGUARD")]
    pub select: Option<Vec<String>>,
    /// Skip these rule ids or safeguards (comma-separated, repeatable).
    #[arg(long, value_delimiter = ',', value_name = "RULE|SAFEGUARD")]
    pub ignore: Vec<String>,
    /// Exit 1 when a finding at or above this severity fails [default: info, or safeguard.toml's].
    #[arg(long, value_enum)]
    pub fail_on: Option<SeverityArg>,
    /// What unknown results do.
    #[arg(long, value_enum, default_value_t = UnknownArg::Report)]
    pub unknown: UnknownArg,
    /// Set a Terraform variable, as `terraform plan -var` does (repeatable).
    #[arg(long = "var", value_name = "NAME=VALUE", value_parser = parse_var)]
    pub vars: Vec<(String, String)>,
    /// Read Terraform variables from a .tfvars or .tfvars.json file (repeatable).
    #[arg(long = "var-file", value_name = "FILE")]
    pub var_files: Vec<PathBuf>,
    /// Worker threads [default: one per core].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: Option<u16>,
    /// Apply the policies' safe fixes to the files, then report what remains.
    #[arg(long)]
    pub fix: bool,
    /// Print the safe fixes as a unified diff instead of writing them (exit 1 if any).
    #[arg(long)]
    pub diff: bool,
    /// Neither read nor write the result cache (.safeguard-cache/ at the project root).
    #[arg(long)]
    pub no_cache: bool,
    /// Keep the result cache in DIR instead of .safeguard-cache/ at the project root
    /// (default: $SAFEGUARD_CACHE_DIR when set).
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Benchmarks only: read and build every document, judge none.
    #[arg(long, hide = true)]
    pub parse_only: bool,
    /// Check only shard I of N (modules split by a hash of their path); join with `safeguard merge`.
    #[arg(long, value_name = "I/N", value_parser = safeguard_workspace::Shard::parse)]
    pub shard: Option<safeguard_workspace::Shard>,
    /// Exit 2 when any file found was skipped or could not be read or parsed (full coverage gates).
    #[arg(long)]
    pub strict: bool,
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// Resource limits; each overrides safeguard.toml's `[limits]` (docs in SECURITY.md).
#[derive(Debug, Args)]
pub struct LimitArgs {
    /// Largest file read, in bytes [default: 67108864 (64 MiB)].
    #[arg(long, value_name = "BYTES", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_file_size: Option<u64>,
    /// Most instances one Terraform count/for_each may expand to [default: 10000].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_instances: Option<u64>,
    /// Deepest nesting of local Terraform module calls [default: 16].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_module_depth: Option<u64>,
}

impl LimitArgs {
    pub fn overrides(&self) -> safeguard_workspace::LimitOverrides {
        let size = |n: Option<u64>| n.map(|n| usize::try_from(n).unwrap_or(usize::MAX));
        safeguard_workspace::LimitOverrides {
            max_file_size: self.max_file_size,
            max_instances: size(self.max_instances),
            max_module_depth: size(self.max_module_depth),
        }
    }
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    #[arg(long, value_enum, default_value_t = RulesFormat::Human)]
    pub format: RulesFormat,
    #[command(flatten)]
    pub policies: PolicyArgs,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The policy id, e.g. aws-rds-storage-encrypted.
    pub id: String,
    #[command(flatten)]
    pub policies: PolicyArgs,
}

#[derive(Debug, Args)]
pub struct TestArgs {
    /// A policy folder to test [default: the bundled packs].
    pub dir: Option<PathBuf>,
}

/// `NAME=VALUE`, split at the first `=`.
fn parse_var(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, value)) if !name.trim().is_empty() => {
            Ok((name.trim().to_owned(), value.to_owned()))
        }
        _ => Err(format!("expected NAME=VALUE, got `{text}`")),
    }
}
