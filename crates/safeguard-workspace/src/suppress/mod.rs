//! Audited suppressions: inline `safeguard:ignore` comments and
//! `[[exceptions]]` in safeguard.toml accept a finding only with a reason
//! and until their expiry. Everything else about a suppression is itself a
//! finding, so an auditor sees every accepted risk and every stale or
//! unjustified attempt to hide one (docs/suppressions.md).

mod directive;
mod meta;

pub(crate) use directive::may_hold_directive;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use safeguard_engine::{Finding, Status, Suppression, SuppressionKind};
use safeguard_model::InputError;
use safeguard_policy::Policy;
use safeguard_source::{ColumnUnit, SourceFile, Span};

use crate::config::{Config, Exception};
pub use meta::{
    SUPPRESSION_EXPIRED, SUPPRESSION_WITHOUT_REASON, UNUSED_SUPPRESSION, meta_policies,
};

/// What the suppression pass needs besides the findings.
pub(crate) struct Context<'a> {
    pub config: &'a Config,
    /// The meta-policies the selection kept (`--ignore unused-suppression`
    /// drops one).
    pub meta: &'a [Arc<Policy>],
    /// Ids of every loaded policy, to tell a typo from a deselected rule.
    pub loaded: &'a BTreeSet<String>,
    /// Ids of the policies that ran.
    pub selected: &'a BTreeSet<String>,
    /// `YYYY-MM-DD`; a suppression whose `until` is earlier has expired.
    pub today: &'a str,
}

/// Marks the findings that suppressions accept and returns the findings
/// about the suppressions themselves. `sources` are the scanned files whose
/// findings are in `findings` (each once).
pub(crate) fn apply(
    findings: &mut [Finding],
    sources: &[SourceFile],
    context: &Context<'_>,
    errors: &mut Vec<InputError>,
) -> Vec<Finding> {
    // Every scanned file's text is searched: in parallel (on the caller's
    // pool), merged in order.
    let scanned: Vec<(Vec<directive::Directive>, Vec<InputError>)> = {
        use rayon::prelude::*;
        sources
            .par_iter()
            .map(|file| {
                let mut found = Vec::new();
                let directives = directive::scan(file, &mut found);
                (directives, found)
            })
            .collect()
    };
    let mut directives: Vec<directive::Directive> = Vec::new();
    for (found, found_errors) in scanned {
        directives.extend(found);
        errors.extend(found_errors);
    }
    // (path, covered line) → directives, to look each finding up once.
    let mut by_line: BTreeMap<(&Path, u32), Vec<usize>> = BTreeMap::new();
    for (index, d) in directives.iter().enumerate() {
        by_line
            .entry((d.file.path(), d.target))
            .or_default()
            .push(index);
    }
    let mut used_directives: BTreeSet<(usize, &str)> = BTreeSet::new();
    let mut used_exceptions: BTreeSet<usize> = BTreeSet::new();
    let usable = |reason: &str, until: Option<&str>| {
        !reason.is_empty() && until.is_none_or(|until| until >= context.today)
    };
    // Nothing can accept a finding: skip the per-finding lookups (most
    // trees have no suppression at all).
    let none_to_apply = directives.is_empty() && context.config.exceptions.is_empty();
    for finding in findings.iter_mut() {
        if finding.status == Status::Pass || none_to_apply {
            continue;
        }
        let lines = [
            (finding.file.path(), line_of(&finding.file, finding.span)),
            (
                finding.object_file.path(),
                line_of(&finding.object_file, finding.object_span),
            ),
        ];
        let rule = finding.policy.id.clone();
        for key in lines {
            for &index in by_line.get(&key).into_iter().flatten() {
                let d = &directives[index];
                let Some(named) = d.rules.iter().find(|r| **r == rule) else {
                    continue;
                };
                used_directives.insert((index, named.as_str()));
                if finding.suppression.is_none() && usable(&d.reason, d.until.as_deref()) {
                    finding.suppression = Some(Box::new(Suppression {
                        kind: SuppressionKind::InSource,
                        justification: d.reason.clone(),
                        until: d.until.clone(),
                        approved_by: None,
                        file: d.file.path().to_path_buf(),
                        line: d.line,
                    }));
                }
            }
        }
        for (index, exception) in context.config.exceptions.iter().enumerate() {
            if !exception_matches(exception, finding, &context.config.root) {
                continue;
            }
            used_exceptions.insert(index);
            if finding.suppression.is_none()
                && usable(&exception.reason, exception.until.as_deref())
                && let Some(source) = &context.config.source
            {
                finding.suppression = Some(Box::new(Suppression {
                    kind: SuppressionKind::External,
                    justification: exception.reason.clone(),
                    until: exception.until.clone(),
                    approved_by: exception.approved_by.clone(),
                    file: source.path().to_path_buf(),
                    line: line_of(source, exception.span),
                }));
            }
        }
    }

    let mut meta_findings = Vec::new();
    let mut emit = |id: &str, file: &SourceFile, span: Span, object: String, message: String| {
        if let Some(policy) = context.meta.iter().find(|p| p.id == id) {
            meta_findings.push(meta::finding(policy, file, span, object, message));
        }
    };
    for (index, d) in directives.iter().enumerate() {
        let object = format!("safeguard:ignore {}", d.rules.join(","));
        let rules = d.rules.join(", ");
        if d.reason.is_empty() {
            emit(
                SUPPRESSION_WITHOUT_REASON,
                &d.file,
                d.span,
                object,
                format!(
                    "the suppression of {rules} on line {} gives no reason, so it suppresses nothing",
                    d.line
                ),
            );
            continue;
        }
        if let Some(until) = d.until.as_deref().filter(|u| *u < context.today) {
            emit(
                SUPPRESSION_EXPIRED,
                &d.file,
                d.span,
                object,
                format!(
                    "the suppression of {rules} expired on {until}; its findings are reported again"
                ),
            );
            continue;
        }
        for rule in &d.rules {
            if used_directives.contains(&(index, rule.as_str())) {
                continue;
            }
            if let Some(message) = unused_message(rule, context, &format!("on line {}", d.target)) {
                emit(
                    UNUSED_SUPPRESSION,
                    &d.file,
                    d.span,
                    format!("safeguard:ignore {rule}"),
                    message,
                );
            }
        }
    }
    if let Some(source) = &context.config.source {
        for (index, exception) in context.config.exceptions.iter().enumerate() {
            let object = format!("exceptions[{index}] {}", exception.rule);
            if exception.reason.is_empty() {
                emit(
                    SUPPRESSION_WITHOUT_REASON,
                    source,
                    exception.span,
                    object,
                    format!(
                        "the exception for {} gives no reason, so it suppresses nothing",
                        exception.rule
                    ),
                );
            } else if let Some(until) = exception.until.as_deref().filter(|u| *u < context.today) {
                emit(
                    SUPPRESSION_EXPIRED,
                    source,
                    exception.span,
                    object,
                    format!(
                        "the exception for {} expired on {until}; its findings are reported again",
                        exception.rule
                    ),
                );
            } else if !used_exceptions.contains(&index)
                && let Some(message) = unused_message(
                    &exception.rule,
                    context,
                    "in the files and objects it names",
                )
            {
                emit(UNUSED_SUPPRESSION, source, exception.span, object, message);
            }
        }
    }
    meta_findings
}

/// Why a suppression of `rule` matched nothing, or `None` when that is
/// expected: a rule deselected with `--select`/`--ignore` did not run.
fn unused_message(rule: &str, context: &Context<'_>, place: &str) -> Option<String> {
    if context.selected.contains(rule) {
        return Some(format!(
            "the suppression of {rule} matches no failing or unknown finding {place}; remove it"
        ));
    }
    if context.loaded.contains(rule) {
        return None;
    }
    let ids: Vec<&str> = context.loaded.iter().map(String::as_str).collect();
    let hint = safeguard_policy::did_you_mean(rule, &ids)
        .map(|id| format!(" (did you mean `{id}`?)"))
        .unwrap_or_default();
    Some(format!(
        "the suppression names `{rule}`, which is no policy{hint}"
    ))
}

fn exception_matches(exception: &Exception, finding: &Finding, root: &Path) -> bool {
    if exception.rule != finding.policy.id {
        return false;
    }
    if let Some(object) = &exception.object
        && !wildcard_match(object, &finding.object)
    {
        return false;
    }
    match &exception.path {
        None => true,
        Some(glob) => {
            glob.is_match(relative_to(finding.file.path(), root))
                || glob.is_match(relative_to(finding.object_file.path(), root))
        }
    }
}

/// `*` matches any run of characters, `?` one; everything else is literal.
fn wildcard_match(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    // Iterative matching with backtracking to the last `*`: linear in
    // practice, never exponential.
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((star_p, star_t)) = star {
            pi = star_p + 1;
            ti = star_t + 1;
            star = Some((star_p, star_t + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

fn relative_to(path: &Path, root: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let root = std::path::absolute(root).unwrap_or_else(|_| root.to_path_buf());
    absolute
        .strip_prefix(&root)
        .map_or(absolute.clone(), Path::to_path_buf)
}

fn line_of(file: &SourceFile, span: Span) -> u32 {
    file.line_column(span.start, ColumnUnit::Chars).line
}

#[cfg(test)]
mod tests {
    use super::wildcard_match;

    #[test]
    fn wildcards_keep_brackets_literal() {
        assert!(wildcard_match(
            "aws_db_instance.db[*]",
            "aws_db_instance.db[0]"
        ));
        assert!(wildcard_match(
            "aws_db_instance.db[0]",
            "aws_db_instance.db[0]"
        ));
        assert!(!wildcard_match(
            "aws_db_instance.db[0]",
            "aws_db_instance.db0"
        ));
        assert!(wildcard_match("*.logs", "module.a.aws_s3_bucket.logs"));
        assert!(wildcard_match("a?c", "abc"));
        assert!(!wildcard_match("a*d", "abc"));
        assert!(wildcard_match("*", ""));
    }
}
