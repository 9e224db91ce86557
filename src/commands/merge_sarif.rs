//! `safeguard merge` for SARIF: joins the `check --shard I/N --format
//! sarif` outputs into the SARIF one job would have written, byte for byte.
//! Each shard's run carries a `safeguard/shard` property bag (its index and
//! count, the files it read, how many of its notifications are the leading
//! configuration and policy errors and how many are input errors); merging
//! removes it. Results, notifications and file counts are joined as the
//! JSON merge joins findings, errors and coverage (see `merge.rs`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use safeguard_report::SHARD_PROPERTY;
use serde_json::{Map, Value, json};

/// One shard's SARIF, taken apart.
struct Shard {
    index: usize,
    run: Map<String, Value>,
    inputs: BTreeSet<String>,
    leading: usize,
    errors: usize,
}

fn read_shard(path: &Path, mut sarif: Value) -> Result<(usize, Value, Shard)> {
    let not_shard = || {
        format!(
            "{} is not the output of `check --shard I/N --format sarif`",
            path.display()
        )
    };
    let Some(Value::Object(mut run)) = sarif
        .get_mut("runs")
        .and_then(Value::as_array_mut)
        .filter(|runs| runs.len() == 1)
        .map(|runs| runs.remove(0))
    else {
        bail!(not_shard());
    };
    let Some(Value::Object(mut properties)) = run.remove("properties") else {
        bail!(not_shard());
    };
    let Some(Value::Object(shard)) = properties.remove(SHARD_PROPERTY) else {
        bail!(not_shard());
    };
    if !properties.is_empty() {
        run.insert("properties".into(), Value::Object(properties));
    }
    let number = |key: &str| {
        shard
            .get(key)
            .and_then(Value::as_u64)
            .and_then(|n| usize::try_from(n).ok())
            .with_context(|| format!("{}: {SHARD_PROPERTY}.{key} is missing", path.display()))
    };
    let (index, count) = (number("index")?, number("count")?);
    let (leading, errors) = (
        number("leadingNotifications")?,
        number("errorNotifications")?,
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
    Ok((
        count,
        sarif,
        Shard {
            index,
            run,
            inputs,
            leading,
            errors,
        },
    ))
}

/// Merges parsed SARIF documents (with the paths they came from).
pub fn merge(documents: Vec<(PathBuf, Value)>) -> Result<String> {
    let mut shards = Vec::new();
    for (path, sarif) in documents {
        shards.push(read_shard(&path, sarif)?);
    }
    let count = shards[0].0;
    if shards.iter().any(|(n, _, _)| *n != count) {
        bail!("the reports come from runs with different shard counts");
    }
    shards.sort_by_key(|(_, _, s)| s.index);
    let indexes: Vec<usize> = shards.iter().map(|(_, _, s)| s.index).collect();
    if indexes != (1..=count).collect::<Vec<_>>() {
        bail!("expected shards 1 to {count} once each, got {indexes:?}");
    }
    let (mut document, shards): (Vec<Value>, Vec<Shard>) = shards
        .into_iter()
        .map(|(_, doc, shard)| (doc, shard))
        .unzip();
    let meta: BTreeSet<String> = safeguard_workspace::meta_policies()
        .iter()
        .map(|p| p.id.clone())
        .collect();

    let results = results(&shards, &meta);
    let (notifications, counts) = notifications(&shards);
    let successful = !notifications.iter().any(|n| n["level"] == "error");

    let mut run = shards.into_iter().next().map(|s| s.run).unwrap_or_default();
    run.insert("results".into(), Value::Array(results));
    if let Some(invocation) = run
        .get_mut("invocations")
        .and_then(|i| i.get_mut(0))
        .and_then(Value::as_object_mut)
    {
        invocation.insert("executionSuccessful".into(), successful.into());
        invocation.insert("toolExecutionNotifications".into(), notifications.into());
        invocation.insert(
            "properties".into(),
            json!({
                "filesFound": counts.found,
                "filesChecked": counts.checked,
                "filesSkipped": counts.skipped,
                "filesFailed": counts.failed,
            }),
        );
    }
    document[0]["runs"] = json!([run]);
    let mut text = serde_json::to_string_pretty(&document[0])?;
    text.push('\n');
    Ok(text)
}

/// Every shard's results; those of the suppression checks once, when every
/// shard that read their file reports them; in the single run's order.
fn results(shards: &[Shard], meta: &BTreeSet<String>) -> Vec<Value> {
    let mut results = Vec::new();
    let mut meta_seen: BTreeMap<String, (Value, BTreeSet<usize>)> = BTreeMap::new();
    let mut meta_order = Vec::new();
    for shard in shards {
        for result in array(shard.run.get("results")) {
            if !meta.contains(result["ruleId"].as_str().unwrap_or_default()) {
                results.push(result.clone());
                continue;
            }
            let key = result.to_string();
            let entry = meta_seen.entry(key.clone()).or_insert_with(|| {
                meta_order.push(key);
                (result.clone(), BTreeSet::new())
            });
            entry.1.insert(shard.index);
        }
    }
    for key in meta_order {
        let (result, reporters) = &meta_seen[&key];
        let file = artifact_path(&result["locations"][0]["physicalLocation"]);
        let mut readers: BTreeSet<usize> = shards
            .iter()
            .filter(|s| s.inputs.contains(&file))
            .map(|s| s.index)
            .collect();
        if readers.is_empty() {
            // A file no shard lists (safeguard.toml) is seen by every shard.
            readers = shards.iter().map(|s| s.index).collect();
        }
        if readers.is_subset(reporters) {
            results.push(result.clone());
        }
    }
    // Stable: ties keep shard order, as the single run keeps evaluation order.
    results.sort_by_cached_key(result_key);
    results
}

struct Counts {
    found: usize,
    checked: usize,
    skipped: usize,
    failed: usize,
}

/// The leading errors of the first shard, every shard's input errors in
/// the single run's order, then the skipped files no shard read; and the
/// file counts of the invocation.
fn notifications(shards: &[Shard]) -> (Vec<Value>, Counts) {
    fn all(s: &Shard) -> &[Value] {
        array(
            s.run
                .get("invocations")
                .and_then(|i| i.get(0))
                .and_then(|i| i.get("toolExecutionNotifications")),
        )
    }
    let mut out: Vec<Value> = all(&shards[0])
        .iter()
        .take(shards[0].leading)
        .cloned()
        .collect();
    let mut errors: Vec<Value> = shards
        .iter()
        .flat_map(|s| all(s).iter().skip(s.leading).take(s.errors).cloned())
        .collect();
    errors.sort_by_cached_key(|n| {
        let physical = &n["locations"][0]["physicalLocation"];
        let region = &physical["region"];
        (
            PathBuf::from(artifact_path(physical)),
            region["startLine"].as_u64().unwrap_or(0),
            region["startColumn"].as_u64().unwrap_or(0),
        )
    });
    let failed: BTreeSet<String> = errors
        .iter()
        .filter(|n| {
            !n["message"]["text"]
                .as_str()
                .is_some_and(|m| m.starts_with("skipped: "))
        })
        .map(|n| artifact_path(&n["locations"][0]["physicalLocation"]))
        .collect();
    let mut skipped: Vec<(PathBuf, Value)> = shards
        .iter()
        .flat_map(|s| all(s).iter().skip(s.leading + s.errors))
        .map(|n| {
            let file = artifact_path(&n["locations"][0]["physicalLocation"]);
            (PathBuf::from(file), n.clone())
        })
        .collect();
    // The single run lists them in path order (by component).
    skipped.sort_by(|a, b| a.0.cmp(&b.0));
    skipped.dedup();
    // A file one shard found but left to its caller's module is checked in
    // the caller's shard, as in the single run.
    skipped.retain(|(file, _)| {
        let file = file.to_string_lossy();
        !failed.contains(file.as_ref()) && !shards.iter().any(|s| s.inputs.contains(file.as_ref()))
    });
    let inputs: BTreeSet<&str> = shards
        .iter()
        .flat_map(|s| s.inputs.iter().map(String::as_str))
        .collect();
    let skipped_files: Vec<String> = skipped
        .iter()
        .map(|(file, _)| file.to_string_lossy().into_owned())
        .collect();
    let found = inputs
        .iter()
        .copied()
        .chain(skipped_files.iter().map(String::as_str))
        .chain(failed.iter().map(String::as_str))
        .collect::<BTreeSet<&str>>()
        .len();
    let counts = Counts {
        found,
        checked: inputs.len(),
        skipped: skipped.len(),
        failed: failed.len(),
    };
    out.extend(errors);
    out.extend(skipped.into_iter().map(|(_, n)| n));
    (out, counts)
}

/// The path a location shows, as the JSON report and `inputs` show it.
fn artifact_path(physical: &Value) -> String {
    let uri = physical["artifactLocation"]["uri"]
        .as_str()
        .unwrap_or_default();
    uri.strip_prefix("file://").unwrap_or(uri).to_owned()
}

fn array(value: Option<&Value>) -> &[Value] {
    value.and_then(Value::as_array).map_or(&[], Vec::as_slice)
}

/// The single run's order (`sort_findings`): file, start, rule, object,
/// status, end.
fn result_key(r: &Value) -> (String, (u64, u64), String, String, u8, (u64, u64)) {
    let physical = &r["locations"][0]["physicalLocation"];
    let region = &physical["region"];
    let at = |line: &str, column: &str| {
        (
            region[line].as_u64().unwrap_or(0),
            region[column].as_u64().unwrap_or(0),
        )
    };
    let status = match r["properties"]["status"].as_str() {
        Some("pass") => 0,
        Some("fail") => 1,
        _ => 2,
    };
    (
        artifact_path(physical),
        at("startLine", "startColumn"),
        r["ruleId"].as_str().unwrap_or_default().to_owned(),
        r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        status,
        at("endLine", "endColumn"),
    )
}
