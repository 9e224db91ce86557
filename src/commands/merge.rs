//! `safeguard merge`: joins the JSON reports of the N jobs of a sharded
//! check (`check --shard I/N --format json`) into the report one job would
//! have written, byte for byte (SARIF reports: `merge_sarif.rs`).
//!
//! Findings and errors of different shards interleave in the single run's
//! order, so they are re-sorted with the same keys (file, position, rule,
//! object, status). A local module called from several shards is read by
//! each: its files are counted once (the shards list what they read), and
//! the findings about suppression comments in it are kept once, and only
//! when every shard that read the file reports them (a suppression one
//! shard used is not unused). Configuration and policy errors come from the
//! first shard, which alone reports them.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::{Context, Result, bail};
use serde_json::{Map, Value};

use super::print;
use crate::cli::MergeArgs;

/// A parsed shard report.
struct ShardReport {
    index: usize,
    json: Map<String, Value>,
    inputs: BTreeSet<String>,
    leading_errors: usize,
}

pub fn run(args: &MergeArgs) -> Result<u8> {
    let mut documents = Vec::new();
    for path in &args.files {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let value: Value = serde_json::from_str(&text)
            .with_context(|| format!("{} is not JSON", path.display()))?;
        documents.push((path.clone(), value));
    }
    // SARIF when the first is SARIF; mixing formats is refused by each reader.
    let text = if documents[0].1.get("runs").is_some() {
        super::merge_sarif::merge(documents)?
    } else {
        let mut shards = Vec::new();
        for (path, value) in documents {
            shards.push(read_shard(&path, value)?);
        }
        merge(shards)?
    };
    match &args.output {
        Some(path) => std::fs::write(path, text)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => print(&text)?,
    }
    Ok(0)
}

fn read_shard(path: &Path, value: Value) -> Result<(usize, ShardReport)> {
    let Value::Object(mut json) = value else {
        bail!("{} is not a safeguard JSON report", path.display());
    };
    let Some(Value::Object(shard)) = json.remove("shard") else {
        bail!(
            "{} is not the output of `check --shard I/N --format json`",
            path.display()
        );
    };
    let number = |key: &str| {
        shard
            .get(key)
            .and_then(Value::as_u64)
            .and_then(|n| usize::try_from(n).ok())
            .with_context(|| format!("{}: shard.{key} is missing", path.display()))
    };
    let (index, count, leading_errors) = (
        number("index")?,
        number("count")?,
        number("leading-errors")?,
    );
    let inputs = shard
        .get("inputs")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    if json["summary"].get("baseline").is_some() {
        bail!(
            "{}: a report filtered by a baseline cannot be merged",
            path.display()
        );
    }
    Ok((
        count,
        ShardReport {
            index,
            json,
            inputs,
            leading_errors,
        },
    ))
}

fn merge(shards: Vec<(usize, ShardReport)>) -> Result<String> {
    let count = shards[0].0;
    if shards.iter().any(|(n, _)| *n != count) {
        bail!("the reports come from runs with different shard counts");
    }
    let mut shards: Vec<ShardReport> = shards.into_iter().map(|(_, s)| s).collect();
    shards.sort_by_key(|s| s.index);
    let indexes: Vec<usize> = shards.iter().map(|s| s.index).collect();
    if indexes != (1..=count).collect::<Vec<_>>() {
        bail!("expected shards 1 to {count} once each, got {indexes:?}");
    }
    let meta: BTreeSet<String> = safeguard_workspace::meta_policies()
        .iter()
        .map(|p| p.id.clone())
        .collect();

    // Findings: the ordinary ones all; those about suppressions once, when
    // every shard that read their file reports them.
    let mut findings = Vec::new();
    let mut meta_seen: BTreeMap<String, (Value, BTreeSet<usize>)> = BTreeMap::new();
    let mut meta_order = Vec::new();
    // fail/unknown counts each shard's summary includes for its meta findings
    let mut meta_counted = (0usize, 0usize);
    for shard in &shards {
        for finding in array(&shard.json, "findings") {
            let rule = finding["rule"].as_str().unwrap_or_default();
            if !meta.contains(rule) {
                findings.push(finding.clone());
                continue;
            }
            match finding["status"].as_str() {
                Some("fail") if finding["suppressed"].is_null() => meta_counted.0 += 1,
                Some("unknown") if finding["suppressed"].is_null() => meta_counted.1 += 1,
                _ => {}
            }
            let key = finding.to_string();
            let entry = meta_seen.entry(key.clone()).or_insert_with(|| {
                meta_order.push(key);
                (finding.clone(), BTreeSet::new())
            });
            entry.1.insert(shard.index);
        }
    }
    let mut meta_kept = (0usize, 0usize);
    for key in meta_order {
        let (finding, reporters) = &meta_seen[&key];
        let file = finding["file"].as_str().unwrap_or_default();
        let readers: BTreeSet<usize> = shards
            .iter()
            .filter(|s| s.inputs.contains(file))
            .map(|s| s.index)
            .collect();
        // A file no shard lists (safeguard.toml) is seen by every shard.
        let readers = if readers.is_empty() {
            shards.iter().map(|s| s.index).collect()
        } else {
            readers
        };
        if readers.is_subset(reporters) {
            match finding["status"].as_str() {
                Some("fail") if finding["suppressed"].is_null() => meta_kept.0 += 1,
                Some("unknown") if finding["suppressed"].is_null() => meta_kept.1 += 1,
                _ => {}
            }
            findings.push(finding.clone());
        }
    }
    // Stable: ties keep shard order, as the single run keeps evaluation order.
    findings.sort_by_cached_key(finding_key);

    let mut errors: Vec<Value> = array(&shards[0].json, "errors")
        .iter()
        .take(shards[0].leading_errors)
        .cloned()
        .collect();
    let mut input_errors: Vec<Value> = shards
        .iter()
        .flat_map(|s| {
            array(&s.json, "errors")
                .iter()
                .skip(s.leading_errors)
                .cloned()
        })
        .collect();
    input_errors.sort_by_cached_key(error_key);
    errors.extend(input_errors);
    let mut notes: Vec<Value> = shards
        .iter()
        .flat_map(|s| array(&s.json, "notes").iter().cloned())
        .collect();
    notes.sort_by_cached_key(error_key);

    let sum = |key: &str| -> u64 {
        shards
            .iter()
            .map(|s| s.json["summary"][key].as_u64().unwrap_or(0))
            .sum()
    };
    let files = shards
        .iter()
        .flat_map(|s| &s.inputs)
        .collect::<BTreeSet<&String>>()
        .len();
    let fail = sum("fail") - meta_counted.0 as u64 + meta_kept.0 as u64;
    let unknown = sum("unknown") - meta_counted.1 as u64 + meta_kept.1 as u64;
    let (objects, suppressed, pass) = (sum("objects"), sum("suppressed"), sum("pass"));

    // Coverage as the single run counts it: every shard lists the files of
    // its own share that it skipped; a failed file is one an input error
    // names (a `--strict` skip is an error but not a failure); found is
    // every file checked, skipped or failed.
    let mut skipped: Vec<Value> = shards
        .iter()
        .flat_map(|s| array(&s.json, "skipped").iter().cloned())
        .collect();
    // The single run lists them in path order (by component, as `PathBuf`
    // compares: `a/b` before `a-b`).
    skipped
        .sort_by_cached_key(|s| std::path::PathBuf::from(s["file"].as_str().unwrap_or_default()));
    skipped.dedup();
    let failed: BTreeSet<String> = errors
        .iter()
        .skip(shards[0].leading_errors)
        .filter(|e| {
            !e["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("skipped: "))
        })
        .filter_map(|e| e["file"].as_str().map(str::to_owned))
        .collect();
    // A file one shard found but left to its caller's module is checked
    // in the caller's shard, as in the single run.
    skipped.retain(|s| {
        let file = s["file"].as_str().unwrap_or_default();
        !failed.contains(file) && !shards.iter().any(|shard| shard.inputs.contains(file))
    });
    let found = shards
        .iter()
        .flat_map(|s| s.inputs.iter().map(String::as_str))
        .chain(skipped.iter().filter_map(|s| s["file"].as_str()))
        .chain(failed.iter().map(String::as_str))
        .collect::<BTreeSet<&str>>()
        .len();
    let failed = failed.len();

    // The first shard's report, with its contents replaced, keeps the key order.
    let mut merged = shards.swap_remove(0).json;
    merged.insert("findings".into(), Value::Array(findings));
    if let Some(Value::Object(summary)) = merged.get_mut("summary") {
        summary.insert("files".into(), files.into());
        summary.insert("found".into(), found.into());
        summary.insert("skipped".into(), skipped.len().into());
        summary.insert("failed".into(), failed.into());
        summary.insert("objects".into(), objects.into());
        summary.insert("fail".into(), fail.into());
        summary.insert("unknown".into(), unknown.into());
        summary.insert("suppressed".into(), suppressed.into());
        summary.insert("pass".into(), pass.into());
        summary.insert("errors".into(), errors.len().into());
        summary.insert("notes".into(), notes.len().into());
    }
    merged.insert("skipped".into(), Value::Array(skipped));
    merged.insert("errors".into(), Value::Array(errors));
    merged.insert("notes".into(), Value::Array(notes));
    let mut text = serde_json::to_string_pretty(&Value::Object(merged))?;
    text.push('\n');
    Ok(text)
}

fn array<'a>(json: &'a Map<String, Value>, key: &str) -> &'a [Value] {
    json.get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

fn position(range: &Value, end: &str) -> (u64, u64) {
    let at = &range[end];
    (
        at["line"].as_u64().unwrap_or(0),
        at["column"].as_u64().unwrap_or(0),
    )
}

/// The single run's order (`sort_findings`): file, start, rule, object,
/// status, end. Lines and columns order as the byte offsets it compares.
fn finding_key(f: &Value) -> (String, (u64, u64), String, String, u8, (u64, u64)) {
    let text = |key: &str| f[key].as_str().unwrap_or_default().to_owned();
    let status = match f["status"].as_str() {
        Some("pass") => 0,
        Some("fail") => 1,
        _ => 2,
    };
    (
        text("file"),
        position(&f["range"], "start"),
        text("rule"),
        text("object"),
        status,
        position(&f["range"], "end"),
    )
}

/// The single run's order for errors and notes: path (by component, as
/// `PathBuf` compares), line, column.
fn error_key(e: &Value) -> (std::path::PathBuf, (u64, u64)) {
    (
        std::path::PathBuf::from(e["file"].as_str().unwrap_or_default()),
        position(&e["range"], "start"),
    )
}
