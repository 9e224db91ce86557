//! The providers a configuration uses, as objects of their own
//! (`required_provider`), so policies can judge a vendor once per provider
//! rather than once per resource (the BAA-scope policies). Terraform infers
//! a resource's provider from the prefix of its type (`aws_s3_bucket` →
//! `aws`) and maps that local name to a source through `required_providers`,
//! defaulting to `hashicorp/<name>`; safeguard does the same.

use std::collections::BTreeMap;

use safeguard_model::{Format, Map, Node, Object, Unknown, Value};
use safeguard_source::Span;

/// Providers built into Terraform, which no vendor supplies.
const BUILT_IN: [&str; 1] = ["terraform"];

/// One `required_provider` object per provider source the objects use.
#[must_use]
pub fn provider_requirements(objects: &[Object]) -> Vec<Object> {
    requirements(objects, &declared_sources(objects))
}

/// For a plan: the sources Terraform resolved (`provider_name` of each
/// resource) with the constraints `configuration.provider_config` records,
/// keyed by local name.
pub(crate) fn plan_provider_requirements(
    objects: &[Object],
    resolved: Vec<ResolvedProvider>,
) -> Vec<Object> {
    let mut declared = BTreeMap::new();
    for provider in resolved {
        declared.entry(provider.local_name).or_insert(Declared {
            source: normalise(&provider.source),
            version: provider.version,
            file: provider.file,
            span: provider.span,
        });
    }
    requirements(objects, &declared)
}

/// A provider a plan's resource names in `provider_name`, under the local
/// name its type's prefix gives.
pub(crate) struct ResolvedProvider {
    pub local_name: String,
    pub source: String,
    /// The constraint from `configuration.provider_config`, with its span.
    pub version: Option<(String, Span)>,
    pub file: usize,
    pub span: Span,
}

fn requirements(objects: &[Object], declared: &BTreeMap<String, Declared>) -> Vec<Object> {
    let mut used: BTreeMap<String, Usage> = BTreeMap::new();
    for object in objects {
        // Resources and data sources; every other block kind is one word.
        let kind = object.kind.strip_prefix("data.").unwrap_or(&object.kind);
        if !kind.contains('_') || object.kind == "required_provider" {
            continue;
        }
        let Some(local_name) = kind.split('_').next().filter(|n| !n.is_empty()) else {
            continue;
        };
        if BUILT_IN.contains(&local_name) {
            continue;
        }
        let declaration = declared.get(local_name);
        let source =
            declaration.map_or_else(|| format!("hashicorp/{local_name}"), |d| d.source.clone());
        let usage = used.entry(source.clone()).or_insert_with(|| Usage {
            local_name: local_name.to_owned(),
            source,
            version: declaration.and_then(|d| d.version.clone()),
            // Point at the declaration when there is one, else at the first use.
            file: declaration.map_or(object.file, |d| d.file),
            span: declaration.map_or(object.header_span, |d| d.span),
            source_span: declaration.map_or(object.header_span, |d| d.span),
            types: Vec::new(),
        });
        if !usage.types.iter().any(|t| t == kind) {
            usage.types.push(kind.to_owned());
        }
    }
    used.into_values().map(Usage::into_object).collect()
}

struct Declared {
    source: String,
    /// The version constraint, with where it is written.
    version: Option<(String, Span)>,
    file: usize,
    span: Span,
}

struct Usage {
    local_name: String,
    source: String,
    version: Option<(String, Span)>,
    file: usize,
    span: Span,
    source_span: Span,
    types: Vec<String>,
}

impl Usage {
    fn into_object(self) -> Object {
        let mut attrs = Map::default();
        attrs.insert(
            "local_name",
            self.source_span,
            Node::new(Value::String(self.local_name), self.source_span),
        );
        attrs.insert(
            "source",
            self.source_span,
            Node::new(Value::String(self.source.clone()), self.source_span),
        );
        let types = self
            .types
            .into_iter()
            .map(|t| Node::new(Value::String(t), self.span))
            .collect();
        attrs.insert(
            "resource_types",
            self.span,
            Node::new(Value::List(types), self.span),
        );
        let (major, span) = match &self.version {
            Some((constraint, span)) => {
                attrs.insert(
                    "version",
                    *span,
                    Node::new(Value::String(constraint.clone()), *span),
                );
                let (lowest, _) = major_bounds(constraint);
                #[allow(clippy::cast_precision_loss)] // a major version is small
                let lowest = lowest.map_or_else(
                    || unknown_major(constraint, &self.source, "it is not a version constraint"),
                    |low| Value::Number(low as f64),
                );
                attrs.insert("min_major_version", *span, Node::new(lowest, *span));
                (pinned_major(constraint, &self.source), *span)
            }
            None => (
                unknown(format!(
                    "{} has no version constraint, so the version `terraform init` selects is unknown",
                    self.source
                )),
                self.source_span,
            ),
        };
        if self.version.is_none() {
            attrs.insert("min_major_version", span, Node::new(major.clone(), span));
        }
        attrs.insert("major_version", span, Node::new(major, span));
        Object {
            format: Format::Terraform,
            kind: "required_provider".to_owned(),
            address: format!("provider[\"{}\"]", full_source(&self.source)),
            file: self.file,
            span: self.span,
            header_span: self.span,
            attrs,
            existence_unknown: None,
        }
    }
}

/// `required_providers` entries of every `terraform` block, by local name;
/// the root module's (written first) win over a child module's.
fn declared_sources(objects: &[Object]) -> BTreeMap<String, Declared> {
    let mut declared = BTreeMap::new();
    for object in objects.iter().filter(|o| o.kind == "terraform") {
        let Some(entry) = object.attrs.get("required_providers") else {
            continue;
        };
        let blocks: Vec<&Map> = match &entry.value.value {
            Value::Map(map) => vec![map],
            Value::List(items) => items
                .iter()
                .filter_map(|item| match &item.value {
                    Value::Map(map) => Some(map),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        for block in blocks {
            for provider in &block.entries {
                let (source, span, version) = match &provider.value.value {
                    Value::Map(requirement) => {
                        let version =
                            requirement
                                .get("version")
                                .and_then(|v| match &v.value.value {
                                    Value::String(text) => Some((text.clone(), v.value.span)),
                                    _ => None,
                                });
                        match requirement.get("source") {
                            Some(source) => match &source.value.value {
                                Value::String(text) => {
                                    (normalise(text), source.value.span, version)
                                }
                                _ => continue,
                            },
                            None => (
                                format!("hashicorp/{}", provider.key),
                                provider.key_span,
                                version,
                            ),
                        }
                    }
                    // A bare version constraint (the pre-0.13 form): the default source.
                    Value::String(text) => (
                        format!("hashicorp/{}", provider.key),
                        provider.key_span,
                        Some((text.clone(), provider.value.span)),
                    ),
                    _ => (
                        format!("hashicorp/{}", provider.key),
                        provider.key_span,
                        None,
                    ),
                };
                declared.entry(provider.key.clone()).or_insert(Declared {
                    source,
                    version,
                    file: object.file,
                    span,
                });
            }
        }
    }
    declared
}

/// The source with its registry host, as Terraform prints provider addresses.
fn full_source(source: &str) -> String {
    if source.matches('/').count() == 1 {
        format!("registry.terraform.io/{source}")
    } else {
        source.to_owned()
    }
}

/// `registry.terraform.io/Hashicorp/AWS` → `hashicorp/aws`.
fn normalise(source: &str) -> String {
    let source = source.trim().to_ascii_lowercase();
    match source.split('/').collect::<Vec<_>>().as_slice() {
        ["registry.terraform.io", namespace, kind] => format!("{namespace}/{kind}"),
        [namespace, kind] => format!("{namespace}/{kind}"),
        _ => source,
    }
}

/// The lowest and highest major versions a constraint allows (`None` for
/// the highest when it has no upper bound), or `None` when it is not a
/// constraint at all.
fn major_bounds(constraint: &str) -> (Option<u64>, Option<u64>) {
    let mut low: u64 = 0;
    let mut high: Option<u64> = None;
    let cap = |high: &mut Option<u64>, value: u64| {
        *high = Some(high.map_or(value, |h| h.min(value)));
    };
    for part in constraint
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let (operator, version) = split_operator(part);
        let numbers: Vec<u64> = version
            .trim()
            .trim_start_matches('v')
            .split('.')
            .map_while(|n| n.parse().ok())
            .collect();
        let Some(&major) = numbers.first() else {
            return (None, None);
        };
        let rest_is_zero = numbers[1..].iter().all(|&n| n == 0);
        match operator {
            "" | "=" => {
                low = low.max(major);
                cap(&mut high, major);
            }
            ">=" | ">" => low = low.max(major),
            "<=" => cap(&mut high, major),
            // `< 6.0` stops before 6; `< 6.2` allows 6.1.
            "<" if rest_is_zero => cap(&mut high, major.saturating_sub(1)),
            "<" => cap(&mut high, major),
            // `~> 5` allows 5.x and later; `~> 5.1` and `~> 5.1.2` stay on 5.
            "~>" => {
                low = low.max(major);
                if numbers.len() > 1 {
                    cap(&mut high, major);
                }
            }
            // `!=` excludes one version, not a major.
            _ => {}
        }
    }
    (Some(low), high)
}

/// The one major version a constraint allows (`~> 5.0`, `5.31.0`,
/// `>= 5.0, < 6.0`), or unknown when it allows several: policies whose
/// provider default changed between majors can then say "unknown" instead
/// of guessing.
fn pinned_major(constraint: &str, source: &str) -> Value {
    match major_bounds(constraint) {
        (None, _) => unknown_major(constraint, source, "it is not a version constraint"),
        #[allow(clippy::cast_precision_loss)] // a major version is small
        (Some(low), Some(high)) if high == low => Value::Number(low as f64),
        (Some(low), Some(high)) if high < low => {
            unknown_major(constraint, source, "it allows no version")
        }
        (Some(low), Some(high)) => unknown_major(
            constraint,
            source,
            &format!("it allows major versions {low} to {high}"),
        ),
        (Some(low), None) => unknown_major(
            constraint,
            source,
            &format!("it allows major version {low} and any later one"),
        ),
    }
}

fn split_operator(part: &str) -> (&str, &str) {
    for operator in ["~>", ">=", "<=", "!=", ">", "<", "="] {
        if let Some(rest) = part.strip_prefix(operator) {
            return (operator, rest);
        }
    }
    ("", part)
}

fn unknown_major(constraint: &str, source: &str, why: &str) -> Value {
    unknown(format!(
        "the major version of {source} cannot be known from `{constraint}`: {why}"
    ))
}

fn unknown(reason: String) -> Value {
    Value::Unknown(Unknown {
        reason,
        ..Unknown::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn major(constraint: &str) -> String {
        match pinned_major(constraint, "hashicorp/aws") {
            Value::Unknown(unknown) => unknown.reason,
            known => known.to_string(),
        }
    }

    #[test]
    fn constraints_pin_a_major_or_say_why_not() {
        assert_eq!(major("~> 5.0"), "5");
        assert_eq!(major("~> 6.2.1"), "6");
        assert_eq!(major("5.31.0"), "5");
        assert_eq!(major("= 4.67.0"), "4");
        assert_eq!(major(">= 5.0, < 6.0"), "5");
        assert_eq!(major(">= 6.0, <= 6.9"), "6");
        assert_eq!(major("~> 6.0, != 6.1.0"), "6");
        assert!(major(">= 4.0").contains("it allows major version 4 and any later one"));
        assert!(major("~> 5").contains("and any later one"));
        assert!(major(">= 5.0, < 7.0").contains("it allows major versions 5 to 6"));
        assert!(major("latest").contains("it is not a version constraint"));
        assert_eq!(major_bounds(">= 6.2"), (Some(6), None));
        assert_eq!(major_bounds("< 6.0"), (Some(0), Some(5)));
        assert_eq!(major_bounds("< 6.2"), (Some(0), Some(6)));
        assert_eq!(major_bounds("nonsense"), (None, None));
    }
}
