//! `safeguard test`: every policy's examples, run through the real frontend
//! and engine. A pass example must hold an object the policy applies to and
//! produce no failure or unknown (an object its `when` excludes passes); a
//! fail example must produce at least one failure.

use std::sync::Arc;

use rayon::prelude::*;
use safeguard_engine::{Engine, PhiScope, Status};
use safeguard_model::InputErrorLocation;
use safeguard_policy::{BaaContext, Example, Policy};
use safeguard_source::ColumnUnit;

use crate::parse_snippet;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExampleKind {
    Pass,
    Fail,
}

impl ExampleKind {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ExampleKind::Pass => "pass",
            ExampleKind::Fail => "fail",
        }
    }
}

/// The outcome of one example.
#[derive(Debug, Clone)]
pub struct ExampleResult {
    pub policy: Arc<Policy>,
    pub kind: ExampleKind,
    /// 1-based position among the policy's examples of this kind.
    pub number: usize,
    /// Where the example is written: 1-based line and column in the policy file.
    pub position: (u32, u32),
    pub ok: bool,
    /// What the example should produce.
    pub expected: String,
    /// What it produced, one line per verdict or error.
    pub actual: Vec<String>,
}

#[derive(Debug, Default)]
pub struct PolicyTestReport {
    pub results: Vec<ExampleResult>,
}

impl PolicyTestReport {
    #[must_use]
    pub fn failures(&self) -> Vec<&ExampleResult> {
        self.results.iter().filter(|r| !r.ok).collect()
    }
}

/// Runs every example of every policy, in parallel; results keep policy
/// order. `baa` holds the catalogues from the policy folders, with an empty
/// register: examples see every available BAA as not yet signed.
#[must_use]
pub fn test_policies(policies: &[Arc<Policy>], baa: &Arc<BaaContext>) -> PolicyTestReport {
    let results = policies
        .par_iter()
        .flat_map_iter(|policy| {
            let pass = policy
                .examples
                .pass
                .iter()
                .enumerate()
                .map(|(i, e)| run_example(policy, baa, ExampleKind::Pass, i + 1, e));
            let fail = policy
                .examples
                .fail
                .iter()
                .enumerate()
                .map(|(i, e)| run_example(policy, baa, ExampleKind::Fail, i + 1, e));
            pass.chain(fail).collect::<Vec<_>>()
        })
        .collect();
    PolicyTestReport { results }
}

fn run_example(
    policy: &Arc<Policy>,
    baa: &Arc<BaaContext>,
    kind: ExampleKind,
    number: usize,
    example: &Example,
) -> ExampleResult {
    let source = &policy.source;
    let lc = source
        .line_index()
        .line_column(example.span.start, source.text(), ColumnUnit::Chars);
    let expected = match kind {
        ExampleKind::Pass => "an object the policy applies to, and no fail or unknown".to_owned(),
        ExampleKind::Fail => "at least one fail".to_owned(),
    };
    let mut result = ExampleResult {
        policy: Arc::clone(policy),
        kind,
        number,
        position: (lc.line, lc.column),
        ok: false,
        expected,
        actual: Vec::new(),
    };
    let document = match parse_snippet(policy.applies_to.format, &example.text) {
        Ok(document) => document,
        Err(message) => {
            result.actual.push(format!("error: {message}"));
            return result;
        }
    };
    for error in &document.errors {
        let at = match &error.location {
            InputErrorLocation::Span { file, span } => {
                let lc = file
                    .line_index()
                    .line_column(span.start, file.text(), ColumnUnit::Chars);
                format!("{}:{}: ", lc.line, lc.column)
            }
            _ => String::new(),
        };
        result.actual.push(format!("error: {at}{}", error.message));
    }
    // Examples of `phi-only: tagged` policies mark PHI with the tag the
    // documentation uses, `data-classification = "phi"`.
    let phi = policy.applies_to.phi_tagged_only.then(|| PhiScope {
        tag: "data-classification".to_owned(),
        values: vec!["phi".to_owned()],
    });
    let findings = Engine::new(vec![Arc::clone(policy)])
        .with_phi_scope(phi)
        .with_baa(Arc::clone(baa))
        .evaluate(&document);
    // An object of the policy's types with no verdict was excluded by `when`;
    // a snippet without any such object tests nothing (a typo in its type).
    let applicable = document
        .objects
        .iter()
        .filter(|o| policy.applies_to_kind(o.format, &o.kind))
        .count();
    if applicable == 0 {
        result.actual.push(format!(
            "no {} object in the example",
            policy.applies_to.types.join(" or ")
        ));
    } else if findings.is_empty() {
        result
            .actual
            .push("not applicable (excluded by `when`)".to_owned());
    }
    for finding in &findings {
        let reason = finding
            .reason
            .as_deref()
            .map(|r| format!(": {r}"))
            .unwrap_or_default();
        result
            .actual
            .push(format!("{} {}{reason}", finding.status, finding.object));
    }
    let count = |status| findings.iter().filter(|f| f.status == status).count();
    result.ok = document.errors.is_empty()
        && match kind {
            ExampleKind::Pass => {
                applicable > 0 && count(Status::Fail) == 0 && count(Status::Unknown) == 0
            }
            ExampleKind::Fail => count(Status::Fail) > 0,
        };
    result
}
