//! `--shard I/N`: one of N CI jobs checks a deterministic share of the work
//! units (Terraform modules, plans, mail configurations), and
//! `safeguard merge` joins the jobs' JSON into the single run's report.
//!
//! A unit's shard is a hash of its path, so it does not depend on which
//! other units exist, the machine, or the walk order. A module that another
//! module calls as a local module is judged with its caller, not on its own;
//! the caller may be in another shard, so a sharded run first finds every
//! local module call by a lexical scan of the `.tf` files (no parse), and
//! every shard leaves out the same called modules the single run does.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::walk::{TerraformUnit, clean};

/// The `I` of `N` (1-based) of a sharded run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl Shard {
    /// Parses `I/N` with `1 <= I <= N`.
    ///
    /// # Errors
    /// A message saying what is wrong with the text.
    pub fn parse(text: &str) -> Result<Shard, String> {
        let (index, count) = text
            .split_once('/')
            .ok_or_else(|| format!("expected I/N (e.g. 2/4), got `{text}`"))?;
        let number = |part: &str| {
            part.trim()
                .parse::<usize>()
                .map_err(|_| format!("expected I/N with whole numbers, got `{text}`"))
        };
        let (index, count) = (number(index)?, number(count)?);
        if count == 0 || index == 0 || index > count {
            return Err(format!("expected 1 <= I <= N in I/N, got `{text}`"));
        }
        Ok(Shard { index, count })
    }

    /// Whether the unit at `path` belongs to this shard.
    #[must_use]
    pub fn owns(&self, path: &Path) -> bool {
        // FNV-1a: stable across Rust releases and platforms, unlike the
        // standard library's randomly seeded hasher.
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in clean(path).as_os_str().as_encoded_bytes() {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        usize::try_from(hash % self.count as u64).unwrap_or(0) == self.index - 1
    }

    /// The first shard also reports what every shard sees alike (the
    /// configuration's and policies' errors, walk errors).
    #[must_use]
    pub fn is_first(&self) -> bool {
        self.index == 1
    }
}

/// The directories units call as local modules (`source = "./…"` or
/// `"../…"` inside a `module` block), resolved as the module loader
/// resolves them, and left out of the report as the single run leaves them
/// out: a module in a cycle with its caller (A calls B, B reaches A again)
/// is not the caller's, so it is kept. Found lexically: a `source` literal
/// is all Terraform accepts there, so no parse is needed. Files over
/// `max_bytes` are left out: they are reported, not read.
pub(crate) fn local_module_dirs(units: &[TerraformUnit], max_bytes: u64) -> HashSet<PathBuf> {
    let mut calls: HashMap<PathBuf, HashSet<PathBuf>> = HashMap::new();
    for unit in units {
        for file in &unit.files {
            let small = std::fs::metadata(file).is_ok_and(|m| m.len() <= max_bytes);
            let Some(text) = small.then(|| std::fs::read_to_string(file).ok()).flatten() else {
                continue;
            };
            for source in module_sources(&text) {
                calls
                    .entry(clean(&unit.dir))
                    .or_default()
                    .insert(clean(&unit.dir.join(source)));
            }
        }
    }
    let mut dirs = HashSet::new();
    for (caller, callees) in &calls {
        for callee in callees {
            if callee != caller && !reaches(&calls, callee, caller) {
                dirs.insert(callee.clone());
            }
        }
    }
    dirs
}

/// Whether `to` is reachable from `from` along module calls.
fn reaches(calls: &HashMap<PathBuf, HashSet<PathBuf>>, from: &Path, to: &Path) -> bool {
    let mut seen: HashSet<&Path> = HashSet::new();
    let mut stack = vec![from];
    while let Some(dir) = stack.pop() {
        if dir == to {
            return true;
        }
        if seen.insert(dir)
            && let Some(next) = calls.get(dir)
        {
            stack.extend(next.iter().map(PathBuf::as_path));
        }
    }
    false
}

/// Whether a file the walk found belongs to `shard`'s share of the
/// coverage count: a Terraform or Postfix file goes with its directory's
/// unit, any other input with itself.
pub(crate) fn owns_file(shard: Shard, path: &Path) -> bool {
    let by_directory = crate::walk::is_terraform_file(path) || crate::walk::is_postfix_file(path);
    match path.parent() {
        Some(dir) if by_directory => shard.owns(if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        }),
        _ => shard.owns(path),
    }
}

/// The local `source` strings of the `module` blocks in `text`.
fn module_sources(text: &str) -> Vec<&str> {
    let mut sources = Vec::new();
    let mut depth = 0usize;
    let mut in_module = false;
    for line in text.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with('#') || trimmed.starts_with("//") {
            continue;
        }
        if depth == 0
            && trimmed
                .strip_prefix("module")
                .is_some_and(|rest| rest.starts_with([' ', '\t', '"']))
        {
            in_module = true;
            // `module "x" { source = "./x" }` on one line.
            if let Some((_, body)) = trimmed.split_once('{') {
                sources.extend(local_source(body.trim_start()));
            }
        } else if in_module && depth == 1 {
            sources.extend(local_source(trimmed));
        }
        // Interpolations (`${…}`) are balanced, so counting braces holds.
        for ch in line.chars() {
            match ch {
                '{' => depth += 1,
                '}' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
        if depth == 0 {
            in_module = false;
        }
    }
    sources
}

/// The value of a `source = "./x"` attribute starting `line`, when local.
fn local_source(line: &str) -> Option<&str> {
    let rest = line.strip_prefix("source")?;
    let rest = rest.trim_start().strip_prefix('=')?;
    let rest = rest.trim_start().strip_prefix('"')?;
    let value = &rest[..rest.find('"')?];
    (value.starts_with("./") || value.starts_with("../")).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rejects() {
        assert_eq!(Shard::parse("2/4"), Ok(Shard { index: 2, count: 4 }));
        assert!(Shard::parse("0/4").is_err());
        assert!(Shard::parse("5/4").is_err());
        assert!(Shard::parse("1/0").is_err());
        assert!(Shard::parse("x").is_err());
    }

    #[test]
    fn every_path_has_exactly_one_shard() {
        for n in 1..6 {
            for i in 0..50 {
                let path = PathBuf::from(format!("modules/mod-{i:04}"));
                let owners = (1..=n)
                    .filter(|index| {
                        Shard {
                            index: *index,
                            count: n,
                        }
                        .owns(&path)
                    })
                    .count();
                assert_eq!(owners, 1);
            }
        }
    }

    #[test]
    fn finds_local_module_sources_only_in_module_blocks() {
        let text = r#"
resource "aws_s3_object" "o" {
  source = "./files/a.txt"
}
module "net" {
  source = "../shared/net"
  cidr   = "10.0.0.0/16"
  tags = {
    source = "./not-this"
  }
}
module "remote" {
  source = "terraform-aws-modules/vpc/aws"
}
module "inline" { source = "./inline" }
"#;
        assert_eq!(module_sources(text), vec!["../shared/net", "./inline"]);
    }
}
