//! One unit's cached result, as bytes: the replay log (see `record`), then
//! the result itself (findings, errors, notes, files, object count, local
//! module directories). Findings name their policy by its index in the
//! run's policy list and point into files by index into a file table. The
//! passes follow the other findings in a section of their own, which a hit
//! that only counts passes skips (see `Passes`). A
//! file that one of the log's answers carried is stored by path, with its
//! encoding and line index: a hit takes it from the replay (the freshly
//! read text) or, when its stamp vouched for it unread, makes a deferred
//! file of it. Any other file (text a frontend made up) is stored whole.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use safeguard_engine::{Finding, Status, Suppression, SuppressionKind};
use safeguard_model::{InputError, InputErrorLocation};
use safeguard_policy::Policy;
use safeguard_source::SourceFile;

use super::codec::{Reader, Writer, encoding_from_tag, encoding_tag};
use super::record::{Answer, Log, Replayed, read_answers, write_answers};
use crate::check::{Passes, UnitResult};
use crate::frontends::text_loader;

/// The files a result points into, each written once.
struct FileTable<'a> {
    files: Vec<&'a SourceFile>,
    by_path: HashMap<&'a Path, Vec<u32>>,
}

impl<'a> FileTable<'a> {
    fn index(&mut self, file: &'a SourceFile) -> Option<u32> {
        let same = self.by_path.entry(file.path()).or_default();
        if let Some(index) = same.iter().find(|i| {
            let known = self.files[**i as usize];
            known.ptr_eq(file) || known.text() == file.text()
        }) {
            return Some(*index);
        }
        let index = u32::try_from(self.files.len()).ok()?;
        self.files.push(file);
        same.push(index);
        Some(index)
    }
}

/// The entry payload: `None` when something in the result cannot be
/// stored (a path that is not UTF-8, a count over `u32`).
pub(crate) fn encode(
    log: &Log,
    result: Option<&UnitResult>,
    policy_index: &HashMap<String, u32>,
) -> Option<Vec<u8>> {
    let mut w = Writer::default();
    write_answers(&mut w, &log.answers)?;
    let Some(result) = result else {
        w.u8(0);
        return Some(w.bytes);
    };
    w.u8(1);
    let mut table = FileTable {
        files: Vec::new(),
        by_path: HashMap::new(),
    };
    // Indices first, so the table is complete before it is written.
    let mut body = Writer::default();
    body.path(&result.dir)?;
    body.bool(result.named);
    // Failures and unknowns, then the passes in a section of their own
    // that a run which only counts passes skips unread. Each pass carries
    // its place in the unit's order, so a run that keeps them gets the
    // order the check made.
    let passes = result
        .findings
        .iter()
        .filter(|f| f.status == Status::Pass)
        .count();
    body.len(result.findings.len() - passes)?;
    let mut section = Writer::default();
    for (place, finding) in result.findings.iter().enumerate() {
        if finding.status == Status::Pass {
            section.varint(u32::try_from(place).ok()?);
            write_finding(&mut section, finding, &mut table, policy_index)?;
        } else {
            write_finding(&mut body, finding, &mut table, policy_index)?;
        }
    }
    body.len(passes)?;
    body.bytes(&section.bytes)?;
    for errors in [&result.errors, &result.notes] {
        body.len(errors.len())?;
        for error in errors {
            body.path(&error.path)?;
            body.str(&error.message)?;
            match &error.location {
                InputErrorLocation::None => body.u8(0),
                InputErrorLocation::Span { file, span } => {
                    body.u8(1);
                    body.u32(table.index(file)?);
                    body.span(*span);
                }
                InputErrorLocation::Position { line, column } => {
                    body.u8(2);
                    body.u32(*line);
                    body.u32(*column);
                }
            }
        }
    }
    body.len(result.files.len())?;
    for path in &result.files {
        body.path(path)?;
    }
    body.len(result.sources.len())?;
    for source in &result.sources {
        body.u32(table.index(source)?);
    }
    body.u64(result.objects as u64);
    body.len(result.included_dirs.len())?;
    for dir in &result.included_dirs {
        body.path(dir)?;
    }

    w.len(table.files.len())?;
    for file in &table.files {
        w.path(file.path())?;
        let read = log
            .files
            .iter()
            .any(|f| f.path() == file.path() && (f.ptr_eq(file) || f.text() == file.text()));
        if read {
            // By path, with what a hit that does not read the file needs to
            // place findings in it.
            w.u8(0);
            w.u8(encoding_tag(file.encoding()));
            w.line_index(file.line_index())?;
        } else {
            w.u8(1);
            w.u8(encoding_tag(file.encoding()));
            w.str(file.text())?;
        }
    }
    w.bytes.extend_from_slice(&body.bytes);
    Some(w.bytes)
}

/// Reads the replay log at the start of a payload.
pub(crate) fn decode_answers<'a>(payload: &'a [u8]) -> Option<(Vec<Answer>, Reader<'a>)> {
    let mut r = Reader::new(payload);
    let answers = read_answers(&mut r)?;
    Some((answers, r))
}

/// The result after the log; `replayed` holds the files the replay read
/// or found unchanged by their stamps (those become deferred files).
/// `None` when anything is malformed or names a policy not loaded now.
pub(crate) fn decode_result(
    mut r: Reader<'_>,
    replayed: &Replayed,
    policies: &[Arc<Policy>],
    keep: Passes,
) -> Option<Option<UnitResult>> {
    match r.u8()? {
        0 => return r.is_empty().then_some(None),
        1 => {}
        _ => return None,
    }
    let count = r.len()?;
    let mut table = Vec::with_capacity(count);
    for _ in 0..count {
        let path = r.path()?;
        let file = match r.u8()? {
            0 => {
                let encoding = encoding_from_tag(r.u8()?)?;
                let index = r.line_index()?;
                match replayed.read.get(&path) {
                    Some(file) => file.clone(),
                    None => {
                        let max = *replayed.unread.get(&path)?;
                        SourceFile::deferred(path, encoding, index, text_loader(max))
                    }
                }
            }
            1 => {
                let encoding = encoding_from_tag(r.u8()?)?;
                SourceFile::with_encoding(path, r.str()?, encoding)
            }
            _ => return None,
        };
        table.push(file);
    }
    let dir = r.path()?;
    let named = r.bool()?;
    let count = r.len()?;
    let mut findings = Vec::with_capacity(count);
    for _ in 0..count {
        let finding = read_finding(&mut r, &table, policies)?;
        if finding.status == Status::Pass {
            return None;
        }
        findings.push(finding);
    }
    let passes = r.len()?;
    let section = r.bytes()?;
    let counted_passes = match keep {
        Passes::Counted => passes,
        Passes::Kept => {
            findings = with_passes(findings, passes, section, &table, policies)?;
            0
        }
    };
    let mut lists = [Vec::new(), Vec::new()];
    for list in &mut lists {
        let count = r.len()?;
        for _ in 0..count {
            let path = r.path()?;
            let message = r.string()?;
            let location = match r.u8()? {
                0 => InputErrorLocation::None,
                1 => InputErrorLocation::Span {
                    file: file(&mut r, &table)?,
                    span: r.span()?,
                },
                2 => InputErrorLocation::Position {
                    line: r.u32()?,
                    column: r.u32()?,
                },
                _ => return None,
            };
            list.push(InputError::new(path, message, location));
        }
    }
    let [errors, notes] = lists;
    let count = r.len()?;
    let files = (0..count).map(|_| r.path()).collect::<Option<Vec<_>>>()?;
    let count = r.len()?;
    let sources = (0..count)
        .map(|_| file(&mut r, &table))
        .collect::<Option<Vec<_>>>()?;
    let objects = usize::try_from(r.u64()?).ok()?;
    let count = r.len()?;
    let included_dirs = (0..count).map(|_| r.path()).collect::<Option<Vec<_>>>()?;
    if !r.is_empty() {
        return None;
    }
    Some(Some(UnitResult {
        dir,
        named,
        findings,
        errors,
        notes,
        files,
        sources,
        objects,
        included_dirs,
        counted_passes,
    }))
}

fn write_finding<'a>(
    w: &mut Writer,
    finding: &'a Finding,
    table: &mut FileTable<'a>,
    policy_index: &HashMap<String, u32>,
) -> Option<()> {
    w.u32(*policy_index.get(&finding.policy.id)?);
    w.u8(match finding.status {
        Status::Pass => 0,
        Status::Fail => 1,
        Status::Unknown => 2,
    });
    w.str(&finding.message)?;
    w.opt_str(finding.reason.as_deref())?;
    w.u32(table.index(&finding.file)?);
    w.span(finding.span);
    w.span(finding.label_span);
    w.str(&finding.object)?;
    w.u32(table.index(&finding.object_file)?);
    w.span(finding.object_span);
    match &finding.suppression {
        None => w.u8(0),
        Some(s) => {
            w.u8(match s.kind {
                SuppressionKind::InSource => 1,
                SuppressionKind::External => 2,
            });
            w.str(&s.justification)?;
            w.opt_str(s.until.as_deref())?;
            w.opt_str(s.approved_by.as_deref())?;
            w.path(&s.file)?;
            w.u32(s.line);
        }
    }
    Some(())
}

fn read_finding(
    r: &mut Reader<'_>,
    table: &[SourceFile],
    policies: &[Arc<Policy>],
) -> Option<Finding> {
    let policy = Arc::clone(policies.get(usize::try_from(r.u32()?).ok()?)?);
    let status = match r.u8()? {
        0 => Status::Pass,
        1 => Status::Fail,
        2 => Status::Unknown,
        _ => return None,
    };
    let message = r.string()?;
    let reason = r.opt_string()?;
    let file_of = file(r, table)?;
    let span = r.span()?;
    let label_span = r.span()?;
    let object = r.string()?;
    let object_file = file(r, table)?;
    let object_span = r.span()?;
    let suppression = match r.u8()? {
        0 => None,
        kind @ (1 | 2) => Some(Box::new(Suppression {
            kind: if kind == 1 {
                SuppressionKind::InSource
            } else {
                SuppressionKind::External
            },
            justification: r.string()?,
            until: r.opt_string()?,
            approved_by: r.opt_string()?,
            file: r.path()?,
            line: r.u32()?,
        })),
        _ => return None,
    };
    Some(Finding {
        policy,
        status,
        message,
        reason,
        file: file_of,
        span,
        label_span,
        object,
        object_file,
        object_span,
        suppression,
    })
}

/// The unit's failures and unknowns with its passes put back in place.
fn with_passes(
    others: Vec<Finding>,
    passes: usize,
    section: &[u8],
    table: &[SourceFile],
    policies: &[Arc<Policy>],
) -> Option<Vec<Finding>> {
    let mut r = Reader::new(section);
    let mut all = Vec::with_capacity(others.len() + passes);
    let mut others = others.into_iter();
    for _ in 0..passes {
        let place = usize::try_from(r.varint()?).ok()?;
        if place < all.len() {
            return None;
        }
        while all.len() < place {
            all.push(others.next()?);
        }
        let pass = read_finding(&mut r, table, policies)?;
        if pass.status != Status::Pass {
            return None;
        }
        all.push(pass);
    }
    all.extend(others);
    r.is_empty().then_some(all)
}

fn file(r: &mut Reader<'_>, table: &[SourceFile]) -> Option<SourceFile> {
    table.get(usize::try_from(r.u32()?).ok()?).cloned()
}
