//! `check --fix` and `--diff`: the safe fixes of failed findings, as the
//! language server's code actions compute them, written to the files or
//! shown as a unified diff.

use std::collections::BTreeMap;
use std::path::PathBuf;

use safeguard_engine::Status;
use safeguard_server::fix::{TextEdit, apply, fix_edits};
use safeguard_source::SourceEncoding;
use safeguard_workspace::CheckReport;

/// One file's fixed text.
pub struct FixedFile {
    pub path: PathBuf,
    pub before: String,
    pub after: String,
    pub edits: Vec<TextEdit>,
    pub fixes: usize,
}

/// The files the safe fixes change. Only failures of policies whose fix is
/// marked `safe` count; files read from UTF-16 or with a BOM are left alone
/// (rewriting them would change more than the setting).
pub fn safe_fixes(report: &CheckReport) -> Vec<FixedFile> {
    let mut by_file: BTreeMap<PathBuf, (String, Vec<TextEdit>, usize)> = BTreeMap::new();
    for finding in &report.findings {
        if finding.status != Status::Fail
            || !finding.policy.fix.as_ref().is_some_and(|f| f.safe)
            || finding.file.encoding() != SourceEncoding::Utf8
        {
            continue;
        }
        let Some(edits) = fix_edits(finding) else {
            continue;
        };
        let entry = by_file
            .entry(finding.file.path().to_path_buf())
            .or_insert_with(|| (finding.file.text().to_owned(), Vec::new(), 0));
        // `count` instances share one block: the same edit comes once.
        // Edits overlapping another fix's are left for the next run.
        let fresh: Vec<TextEdit> = edits.into_iter().filter(|e| !entry.1.contains(e)).collect();
        let overlaps = fresh.iter().any(|e| {
            entry.1.iter().any(|o| {
                e.range.start < o.range.end.max(o.range.start + 1)
                    && o.range.start < e.range.end.max(e.range.start + 1)
            })
        });
        if !overlaps && !fresh.is_empty() {
            entry.1.extend(fresh);
            entry.2 += 1;
        }
    }
    by_file
        .into_iter()
        .filter_map(|(path, (before, edits, fixes))| {
            let after = apply(&before, &edits);
            (after != before).then_some(FixedFile {
                path,
                before,
                after,
                edits,
                fixes,
            })
        })
        .collect()
}

/// One changed stretch: old lines `start..start + old.len()` become `new`.
struct Change<'a> {
    start: usize,
    old: Vec<&'a str>,
    new: Vec<String>,
}

/// The changed line stretches of a fixed file, from its edits.
fn changes<'a>(before: &'a str, edits: &[TextEdit]) -> Vec<Change<'a>> {
    let mut sorted: Vec<&TextEdit> = edits.iter().collect();
    sorted.sort_by_key(|e| e.range.start);
    let line_of = |offset: usize| before[..offset].matches('\n').count();
    let mut out: Vec<Change<'a>> = Vec::new();
    for edit in sorted {
        let line_start = before[..edit.range.start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = if edit.range.end == edit.range.start && edit.range.start == line_start {
            line_start
        } else {
            before[edit.range.end..]
                .find('\n')
                .map_or(before.len(), |i| edit.range.end + i + 1)
        };
        let replaced = format!(
            "{}{}{}",
            &before[line_start..edit.range.start],
            edit.new_text,
            &before[edit.range.end..line_end]
        );
        out.push(Change {
            start: line_of(line_start),
            old: before[line_start..line_end].split_inclusive('\n').collect(),
            new: replaced.split_inclusive('\n').map(str::to_owned).collect(),
        });
    }
    out
}

/// A unified diff of one file, hunks with three lines of context.
pub fn unified_diff(file: &FixedFile) -> String {
    const CONTEXT: usize = 3;
    let lines: Vec<&str> = file.before.split_inclusive('\n').collect();
    let changes = changes(&file.before, &file.edits);
    let path = file.path.display();
    let mut out = format!("--- a/{path}\n+++ b/{path}\n");
    let push = |out: &mut String, mark: char, text: &str| {
        out.push(mark);
        out.push_str(text);
        if !text.ends_with('\n') {
            out.push_str("\n\\ No newline at end of file\n");
        }
    };
    let mut delta: isize = 0;
    let mut i = 0;
    while i < changes.len() {
        // Changes closer than twice the context share a hunk.
        let mut j = i;
        while j + 1 < changes.len()
            && changes[j + 1].start <= changes[j].start + changes[j].old.len() + 2 * CONTEXT
        {
            j += 1;
        }
        let first = changes[i].start.saturating_sub(CONTEXT);
        let last = (changes[j].start + changes[j].old.len() + CONTEXT).min(lines.len());
        let mut body = String::new();
        let (mut old_count, mut new_count) = (0, 0);
        let mut line = first;
        for change in &changes[i..=j] {
            for text in &lines[line..change.start] {
                push(&mut body, ' ', text);
                old_count += 1;
                new_count += 1;
            }
            for text in &change.old {
                push(&mut body, '-', text);
            }
            for text in &change.new {
                push(&mut body, '+', text);
            }
            old_count += change.old.len();
            new_count += change.new.len();
            line = change.start + change.old.len();
        }
        for text in &lines[line..last] {
            push(&mut body, ' ', text);
            old_count += 1;
            new_count += 1;
        }
        let new_first = first.cast_signed() + delta;
        out.push_str(&format!(
            "@@ -{},{old_count} +{},{new_count} @@\n",
            first + 1,
            new_first + 1
        ));
        out.push_str(&body);
        delta += new_count.cast_signed() - old_count.cast_signed();
        i = j + 1;
    }
    out
}
