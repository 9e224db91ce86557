//! `data "aws_iam_policy_document"`: the AWS provider computes its `json`
//! and `minified_json` from the block's own arguments, without asking AWS,
//! so they are known before apply and safeguard computes them the same
//! way. Bucket policies are mostly written with this data source; without
//! it the TLS-only policy could only say "unknown" for them.
//!
//! The rules are the provider's (`internal/service/iam`,
//! `policy_document_data_source.go` and `policy_model.go`), rewritten here:
//! - the document is `source_policy_documents` merged in order, then the
//!   block's own statements, then `override_policy_documents`; a statement
//!   with a `Sid` replaces an earlier one with the same `Sid` in place, any
//!   other is appended; the highest `Version` wins;
//! - `actions`, `resources` and principals' `identifiers` are sets: one
//!   element is written as a string, more are sorted in reverse byte order;
//!   condition `values` keep their order, and one value is a string;
//! - principals are grouped by type (keys sorted); a single principal of
//!   type `*` with the one identifier `*` is written `"*"`; conditions are
//!   grouped by test, then variable;
//! - `&{` in resources, identifiers and condition values becomes `${`;
//! - `json` is Go's `MarshalIndent` with two spaces, `minified_json` its
//!   `Marshal`; both escape `<`, `>` and `&`.
//!
//! A value not known before apply (a bucket's ARN in `resources`) leaves a
//! gap in the text, and the rest stays known (see `Unknown::known_text`).
//! What decides the document's shape (a `sid`, the statement list) must
//! be known, or the whole text is unknown. A merged document may be partly
//! unknown when its text can be read back as JSON (see `read`). Where the
//! provider would fail, the text is unknown too, with the provider's
//! reason: there is no document to judge.

use std::collections::HashSet;

use safeguard_model::{Map, Node, Unknown, Value};
use safeguard_source::Span;

use super::ops::{format_number, to_string};
use super::partial_json::{self, Parsed};
use super::partial_text::PartialText;

mod read;

/// The data source computed here.
pub(crate) const DATA_SOURCE_TYPE: &str = "aws_iam_policy_document";

/// Why no text can be given: the reason, and what it depends on.
pub(crate) type Unknowable = (String, Vec<String>);

/// `json` or `minified_json` of the instance at `address` (relative to its
/// module) whose evaluated arguments are `attrs`; `None` for any other
/// attribute or data source.
pub(crate) fn computed_attribute(
    address: &str,
    attr: &str,
    attrs: &Map,
    provider_5: bool,
    span: Span,
) -> Option<Result<Node, Unknowable>> {
    let indented = match attr {
        "json" => true,
        "minified_json" => false,
        _ => return None,
    };
    let kind = address.strip_prefix("data.")?.split('.').next()?;
    if kind != DATA_SOURCE_TYPE {
        return None;
    }
    Some(document(attrs).map(|doc| {
        let mut text = PartialText::default();
        write(&mut text, &doc.into_json(provider_5), indented.then_some(0));
        text.into_node(span)
    }))
}

/// A JSON value in the order the provider's Go structs write it.
enum Json {
    Str(String),
    Number(f64),
    Bool(bool),
    Null,
    Array(Vec<Json>),
    /// Fields in order; a field whose value is `Absent` is left out.
    Object(Vec<(String, Json)>),
    /// Present, with a value known only after apply: a string's known
    /// pieces, or a gap.
    Unknown(Unknown),
    /// Not known whether the field is there at all: a gap where the whole
    /// field would be.
    MaybeAbsent(Unknown),
    Absent,
}

#[derive(Default)]
struct Document {
    version: String,
    id: String,
    statements: Vec<Statement>,
}

struct Statement {
    sid: String,
    /// `Effect` through `Condition`, in the provider's field order.
    fields: Vec<(&'static str, Json)>,
}

impl Document {
    /// The provider's `Merge`.
    fn merge(&mut self, newer: Document) {
        if !newer.id.is_empty() {
            self.id = newer.id;
        }
        if newer.version > self.version {
            self.version = newer.version;
        }
        for statement in newer.statements {
            let same = (!statement.sid.is_empty())
                .then(|| self.statements.iter().position(|s| s.sid == statement.sid))
                .flatten();
            match same {
                Some(index) => self.statements[index] = statement,
                None => self.statements.push(statement),
            }
        }
    }

    /// `provider_5`: the configuration holds the AWS provider to 5.0 or
    /// later, which leaves out an empty `Sid`.
    fn into_json(self, provider_5: bool) -> Json {
        let text = |s: String| {
            if s.is_empty() {
                Json::Absent
            } else {
                Json::Str(s)
            }
        };
        let statements = if self.statements.is_empty() {
            Json::MaybeAbsent(provider_version("a document without statements"))
        } else {
            Json::Array(
                self.statements
                    .into_iter()
                    .map(|s| {
                        let sid = if s.sid.is_empty() && provider_5 {
                            Json::Absent
                        } else if s.sid.is_empty() {
                            Json::MaybeAbsent(provider_version("a statement without a Sid"))
                        } else {
                            Json::Str(s.sid)
                        };
                        let mut fields = vec![("Sid".to_owned(), sid)];
                        fields.extend(s.fields.into_iter().map(|(k, v)| (k.to_owned(), v)));
                        Json::Object(fields)
                    })
                    .collect(),
            )
        };
        Json::Object(vec![
            ("Version".to_owned(), text(self.version)),
            ("Id".to_owned(), text(self.id)),
            ("Statement".to_owned(), statements),
        ])
    }
}

fn fails(reason: impl Into<String>) -> Unknowable {
    (
        format!(
            "the AWS provider would refuse this document: {}",
            reason.into()
        ),
        Vec::new(),
    )
}

fn depends(what: &str, unknown: &Unknown) -> Unknowable {
    (
        format!("{what} is not known before apply ({})", unknown.reason),
        unknown.references.clone(),
    )
}

/// An argument's value; `None` when it is not set (or null).
fn argument<'m>(attrs: &'m Map, name: &str) -> Option<&'m Value> {
    attrs
        .get(name)
        .map(|entry| &entry.value.value)
        .filter(|value| !matches!(value, Value::Null))
}

/// A list argument (a set, a list or nested blocks).
enum ListArgument<'m> {
    Unset,
    Unknown(&'m Unknown),
    Items(&'m [Node]),
}

/// `name` as a list; any other value is a type error Terraform reports
/// before the provider runs.
fn list_argument<'m>(attrs: &'m Map, name: &str) -> Result<ListArgument<'m>, Unknowable> {
    match argument(attrs, name) {
        None => Ok(ListArgument::Unset),
        Some(Value::Unknown(u)) => Ok(ListArgument::Unknown(u)),
        Some(Value::List(items)) => Ok(ListArgument::Items(items)),
        Some(other) => Err(fails(format!(
            "{name} is a {}, not a list",
            other.type_name()
        ))),
    }
}

/// A string argument that decides the document's shape.
fn known_string(attrs: &Map, name: &str) -> Result<Option<String>, Unknowable> {
    match argument(attrs, name) {
        None => Ok(None),
        Some(Value::Unknown(u)) => Err(depends(name, u)),
        Some(value) => to_string(value)
            .map(Some)
            .map_err(|e| fails(format!("{name}: {e}"))),
    }
}

fn document(attrs: &Map) -> Result<Document, Unknowable> {
    for deprecated in ["source_json", "override_json"] {
        if known_string(attrs, deprecated)?.is_some_and(|s| !s.is_empty()) {
            return Err(fails(format!("{deprecated} must be empty")));
        }
    }
    let mut merged = Document::default();
    let mut source_sids = HashSet::new();
    for (index, source) in merged_documents(attrs, "source_policy_documents")? {
        for statement in &source.statements {
            if !statement.sid.is_empty() && !source_sids.insert(statement.sid.clone()) {
                return Err(fails(format!(
                    "duplicate Sid {:?} in source_policy_documents[{index}]",
                    statement.sid
                )));
            }
        }
        merged.merge(source);
    }
    let version = known_string(attrs, "version")?.unwrap_or_else(|| "2012-10-17".to_owned());
    if version != "2012-10-17" && version != "2008-10-17" {
        return Err(fails(format!(
            "version {version:?} is neither 2012-10-17 nor 2008-10-17"
        )));
    }
    let own = Document {
        id: known_string(attrs, "policy_id")?.unwrap_or_default(),
        statements: configured_statements(attrs, &version)?,
        version,
    };
    merged.merge(own);
    for (_, overriding) in merged_documents(attrs, "override_policy_documents")? {
        merged.merge(overriding);
    }
    Ok(merged)
}

/// The documents of `source_policy_documents` or
/// `override_policy_documents`, parsed, with their indices.
fn merged_documents(attrs: &Map, name: &str) -> Result<Vec<(usize, Document)>, Unknowable> {
    let items = match list_argument(attrs, name)? {
        ListArgument::Items(items) => items,
        ListArgument::Unset => return Ok(Vec::new()),
        ListArgument::Unknown(u) => return Err(depends(name, u)),
    };
    let mut documents = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let at = format!("{name}[{index}]");
        // A known text, or one whose gaps each hold a whole value or
        // characters of a string (`jsonencode`, another policy document):
        // both read as JSON. Any other unknown text cannot be.
        let (parsed, source) = match &item.value {
            Value::Null => continue,
            Value::Unknown(u) => match (&u.known_text, u.known_text_json) {
                (Some(pieces), true) => (
                    partial_json::parse_pieces(pieces)
                        .map_err(|e| fails(format!("{at} is not a policy document: {e}")))?,
                    u.clone(),
                ),
                _ => return Err(depends(&at, u)),
            },
            other => {
                let text = to_string(other).map_err(|e| fails(format!("{at}: {e}")))?;
                let json: serde_json::Value = serde_json::from_str(&text)
                    .map_err(|e| fails(format!("{at} is not a policy document: {e}")))?;
                (Parsed::from_serde(&json), Unknown::default())
            }
        };
        match read::document(&parsed, &source) {
            Ok(document) => documents.push((index, document)),
            Err(read::Unreadable::Refused(reason)) => {
                return Err(fails(format!("{at} is not a policy document: {reason}")));
            }
            Err(read::Unreadable::Unknown(what)) => {
                return Err(depends(&format!("{what} in {at}"), &source));
            }
        }
    }
    Ok(documents)
}

fn configured_statements(attrs: &Map, version: &str) -> Result<Vec<Statement>, Unknowable> {
    let blocks = match list_argument(attrs, "statement")? {
        ListArgument::Items(blocks) => blocks,
        ListArgument::Unset => return Ok(Vec::new()),
        ListArgument::Unknown(u) => return Err(depends("the statement list", u)),
    };
    let mut sids = HashSet::new();
    let mut statements = Vec::with_capacity(blocks.len());
    for block in blocks {
        let Value::Map(block) = &block.value else {
            return Err(fails("a statement is not a block"));
        };
        let sid = known_string(block, "sid")?.unwrap_or_default();
        if !sid.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(fails(format!(
                "sid {sid:?} must only include alphanumeric characters"
            )));
        }
        if !sid.is_empty() && !sids.insert(sid.clone()) {
            return Err(fails(format!("duplicate Sid {sid:?}")));
        }
        let effect = match argument(block, "effect") {
            None => Json::Str("Allow".to_owned()),
            Some(Value::Unknown(u)) => Json::Unknown(u.clone()),
            Some(value) => match to_string(value).as_deref() {
                Ok(effect @ ("Allow" | "Deny")) => Json::Str(effect.to_owned()),
                _ => return Err(fails(format!("effect {value} is neither Allow nor Deny"))),
            },
        };
        let resources = |name| -> Result<Json, Unknowable> {
            let json = string_set(block, name)?;
            replace_variables(json, version).map_err(|e| fails(format!("{name}: {e}")))
        };
        statements.push(Statement {
            sid,
            fields: vec![
                ("Effect", effect),
                ("Action", string_set(block, "actions")?),
                ("NotAction", string_set(block, "not_actions")?),
                ("Resource", resources("resources")?),
                ("NotResource", resources("not_resources")?),
                ("Principal", principals(block, "principals", version)?),
                (
                    "NotPrincipal",
                    principals(block, "not_principals", version)?,
                ),
                ("Condition", conditions(block, version)?),
            ],
        });
    }
    Ok(statements)
}

/// A set of strings as the provider writes it: absent when empty, a string
/// when it holds one, else sorted in reverse. With an element unknown the
/// order (and, for duplicates, the count) is unknown: one gap.
fn string_set(block: &Map, name: &str) -> Result<Json, Unknowable> {
    let items = match list_argument(block, name)? {
        ListArgument::Items(items) => items,
        ListArgument::Unset => return Ok(Json::Absent),
        ListArgument::Unknown(u) => return Ok(Json::MaybeAbsent(u.clone())),
    };
    let mut known = Vec::with_capacity(items.len());
    for item in items {
        match &item.value {
            Value::Unknown(u) if items.len() == 1 => return Ok(Json::Unknown(u.clone())),
            Value::Unknown(u) => return Ok(Json::Unknown(opaque(u))),
            Value::Null => return Err(fails(format!("{name} holds a null"))),
            other => known.push(to_string(other).map_err(|e| fails(format!("{name}: {e}")))?),
        }
    }
    Ok(sorted_set(known))
}

fn sorted_set(mut items: Vec<String>) -> Json {
    items.sort_unstable();
    items.dedup();
    match items.len() {
        0 => Json::Absent,
        1 => Json::Str(items.pop().unwrap_or_default()),
        _ => Json::Array(items.into_iter().rev().map(Json::Str).collect()),
    }
}

/// An unknown that stands for more than its own text.
fn opaque(unknown: &Unknown) -> Unknown {
    let mut unknown = unknown.clone();
    unknown.forget_text();
    unknown
}

/// An unknown made here, for text that depends on the provider itself.
fn provider_unknown(reason: String) -> Unknown {
    Unknown {
        reason,
        ..Unknown::default()
    }
}

/// For a place whose text depends on the order the provider's set hashing
/// gives.
fn set_order(what: &str) -> Unknown {
    provider_unknown(format!(
        "the order of {what} depends on the AWS provider's set hashing"
    ))
}

/// An unknown made here, for text that differs between versions of the
/// AWS provider: before 5.0 it wrote `"Sid": ""` (which a configuration
/// that requires 5.0 or later rules out); older versions also wrote
/// `"Statement": null` and dropped boolean condition values of merged
/// documents.
fn provider_version(what: &str) -> Unknown {
    provider_unknown(format!(
        "how {what} is written depends on the AWS provider's version"
    ))
}

/// `&{` becomes `${` (IAM's policy variables, written so Terraform does not
/// take them for its own), which version 2008-10-17 does not allow.
fn replace_variables(json: Json, version: &str) -> Result<Json, String> {
    let replace = |s: String| {
        if version == "2008-10-17" && s.contains("&{") {
            return Err(format!(
                "found &{{ in {s:?}, which version 2008-10-17 does not support"
            ));
        }
        Ok(s.replace("&{", "${"))
    };
    Ok(match json {
        Json::Str(s) => Json::Str(replace(s)?),
        Json::Array(items) => Json::Array(
            items
                .into_iter()
                .map(|item| replace_variables(item, version))
                .collect::<Result<_, _>>()?,
        ),
        Json::Unknown(mut u) => {
            if let Some(pieces) = &mut u.known_text {
                for piece in pieces.iter_mut().flatten() {
                    *piece = replace(std::mem::take(piece))?;
                }
            }
            Json::Unknown(u)
        }
        other => other,
    })
}

/// `principals` or `not_principals` blocks: identifiers grouped by type.
fn principals(block: &Map, name: &str, version: &str) -> Result<Json, Unknowable> {
    let blocks = match list_argument(block, name)? {
        ListArgument::Items(blocks) => blocks,
        ListArgument::Unset => return Ok(Json::Absent),
        ListArgument::Unknown(u) => return Ok(Json::MaybeAbsent(u.clone())),
    };
    let mut principals: Vec<(String, Json)> = Vec::new();
    for principal in blocks {
        let Value::Map(principal) = &principal.value else {
            return Err(fails(format!("{name} is not a block")));
        };
        let kind = match argument(principal, "type") {
            None => return Err(fails(format!("{name} without a type"))),
            Some(Value::Unknown(u)) => return Ok(Json::Unknown(opaque(u))),
            Some(value) => to_string(value).map_err(|e| fails(format!("{name}.type: {e}")))?,
        };
        if argument(principal, "identifiers").is_none() {
            return Err(fails(format!("{name} without identifiers")));
        }
        let identifiers = match string_set(principal, "identifiers")? {
            // The provider writes an empty set of identifiers as `[]`.
            Json::Absent => Json::Array(Vec::new()),
            Json::MaybeAbsent(u) => Json::Unknown(opaque(&u)),
            other => other,
        };
        let identifiers =
            replace_variables(identifiers, version).map_err(|e| fails(format!("{name}: {e}")))?;
        principals.push((kind, identifiers));
    }
    // A set: identical blocks are one.
    let mut unique: Vec<(String, Json)> = Vec::new();
    for (kind, identifiers) in principals {
        if !unique
            .iter()
            .any(|(k, i)| *k == kind && same(i, &identifiers))
        {
            unique.push((kind, identifiers));
        }
    }
    if unique.is_empty() {
        return Ok(Json::Absent);
    }
    if unique.len() == 1 && unique[0].0 == "*" {
        return Ok(match unique.swap_remove(0) {
            (_, Json::Str(s)) if s == "*" => Json::Str("*".to_owned()),
            (_, Json::Unknown(u)) => Json::Unknown(opaque(&u)),
            only => Json::Object(vec![only]),
        });
    }
    let mut by_type: Vec<(String, Json)> = Vec::new();
    for (kind, identifiers) in unique {
        match by_type.iter_mut().find(|(k, _)| *k == kind) {
            // Appended in the set's order, which only the provider knows.
            Some((_, value)) => *value = Json::Unknown(set_order(&format!("{kind} principals"))),
            None => by_type.push((kind, identifiers)),
        }
    }
    by_type.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(Json::Object(by_type))
}

/// `condition` blocks: values grouped by test, then variable.
fn conditions(block: &Map, version: &str) -> Result<Json, Unknowable> {
    let blocks = match list_argument(block, "condition")? {
        ListArgument::Items(blocks) => blocks,
        ListArgument::Unset => return Ok(Json::Absent),
        ListArgument::Unknown(u) => return Ok(Json::MaybeAbsent(u.clone())),
    };
    let mut conditions: Vec<(String, String, Json)> = Vec::new();
    for condition in blocks {
        let Value::Map(condition) = &condition.value else {
            return Err(fails("condition is not a block"));
        };
        let mut keys = Vec::with_capacity(2);
        for name in ["test", "variable"] {
            match argument(condition, name) {
                None => return Err(fails(format!("condition without {name}"))),
                // Which key it goes under is not known: nor is the value.
                Some(Value::Unknown(u)) => return Ok(Json::Unknown(opaque(u))),
                Some(value) => keys
                    .push(to_string(value).map_err(|e| fails(format!("condition {name}: {e}")))?),
            }
        }
        let (Some(variable), Some(test)) = (keys.pop(), keys.pop()) else {
            return Err(fails("condition without test or variable"));
        };
        let values = condition_values(condition)?;
        let values =
            replace_variables(values, version).map_err(|e| fails(format!("condition: {e}")))?;
        if !conditions
            .iter()
            .any(|(t, v, j)| *t == test && *v == variable && same(j, &values))
        {
            conditions.push((test, variable, values));
        }
    }
    if conditions.is_empty() {
        return Ok(Json::Absent);
    }
    let mut by_test: Vec<(String, Vec<(String, Json)>)> = Vec::new();
    for (test, variable, values) in conditions {
        let index = match by_test.iter().position(|(t, _)| *t == test) {
            Some(index) => index,
            None => {
                by_test.push((test, Vec::new()));
                by_test.len() - 1
            }
        };
        let variables = &mut by_test[index].1;
        match variables.iter_mut().find(|(v, _)| *v == variable) {
            Some((_, value)) => *value = Json::Unknown(set_order(&format!("{variable} values"))),
            None => variables.push((variable, values)),
        }
    }
    by_test.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(Json::Object(
        by_test
            .into_iter()
            .map(|(test, mut variables)| {
                variables.sort_by(|a, b| a.0.cmp(&b.0));
                (test, Json::Object(variables))
            })
            .collect(),
    ))
}

/// A condition's `values`, a list: its order is kept; one value is written
/// as a string.
fn condition_values(condition: &Map) -> Result<Json, Unknowable> {
    let items = match list_argument(condition, "values")? {
        ListArgument::Items(items) => items,
        ListArgument::Unset => return Err(fails("condition without values")),
        ListArgument::Unknown(u) => return Ok(Json::Unknown(opaque(u))),
    };
    let mut values = Vec::with_capacity(items.len());
    for item in items {
        values.push(match &item.value {
            Value::Unknown(u) => Json::Unknown(u.clone()),
            Value::Null => return Err(fails("condition values hold a null")),
            other => {
                Json::Str(to_string(other).map_err(|e| fails(format!("condition values: {e}")))?)
            }
        });
    }
    Ok(match values.len() {
        1 => values.pop().unwrap_or(Json::Absent),
        _ => Json::Array(values),
    })
}

/// Whether two values are certainly the same (unknowns never are).
fn same(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Str(a), Json::Str(b)) => a == b,
        (Json::Array(a), Json::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(a, b)| same(a, b))
        }
        _ => false,
    }
}

/// Writes `json` as Go does: compact when `depth` is `None`, else indented
/// by two spaces per level from `depth` (`MarshalIndent`).
fn write(out: &mut PartialText, json: &Json, depth: Option<usize>) {
    let newline = |out: &mut PartialText, depth: usize| {
        out.push_str("\n");
        out.push_str(&"  ".repeat(depth));
    };
    match json {
        Json::Str(s) => out.push_quoted(s),
        Json::Number(n) => write_number(out, *n),
        Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Json::Null | Json::Absent => out.push_str("null"),
        Json::Unknown(u) | Json::MaybeAbsent(u) => out.push_json_unknown(u),
        Json::Array(items) if items.is_empty() => out.push_str("[]"),
        Json::Array(items) => {
            out.push_str("[");
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(",");
                }
                if let Some(depth) = depth {
                    newline(out, depth + 1);
                }
                write(out, item, depth.map(|d| d + 1));
            }
            if let Some(depth) = depth {
                newline(out, depth);
            }
            out.push_str("]");
        }
        Json::Object(fields) => {
            out.push_str("{");
            // A field that may be absent is one gap where it would be,
            // with its comma and line break: the text before and after it
            // is the same either way, as long as a comma is only written
            // after a field that is certainly there.
            let mut certain = false;
            for (key, value) in fields {
                match value {
                    Json::Absent => continue,
                    Json::MaybeAbsent(u) => {
                        out.push_unknown(&opaque(u));
                        continue;
                    }
                    _ => {}
                }
                if certain {
                    out.push_str(",");
                }
                if let Some(depth) = depth {
                    newline(out, depth + 1);
                }
                out.push_quoted(key);
                out.push_str(if depth.is_some() { ": " } else { ":" });
                write(out, value, depth.map(|d| d + 1));
                certain = true;
            }
            if let (Some(depth), true) = (depth, certain) {
                newline(out, depth);
            }
            out.push_str("}");
        }
    }
}

/// Numbers a document given as JSON held (in `Action`, say): Go writes a
/// whole number without a fraction; others are left unknown rather than
/// guessed at.
fn write_number(out: &mut PartialText, n: f64) {
    if n.is_finite() && n.fract() == 0.0 && n.abs() < 1e15 {
        out.push_str(&format_number(n));
    } else {
        out.push_unknown(&provider_unknown(format!(
            "Go's formatting of the number {n}"
        )));
    }
}
