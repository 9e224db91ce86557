//! Documents given as JSON (`source_policy_documents`,
//! `override_policy_documents`), read as Go's `encoding/json` reads them
//! into the provider's structs, with what `UnmarshalJSON` of its principal
//! and condition sets does. A document may be partly unknown (a bucket's
//! ARN in it): unknown values stay unknown, and what decides how documents
//! merge (a `Sid`, the statement list) must be known.

use safeguard_model::Unknown;

use super::super::partial_json::Parsed;
use super::{Document, Json, Statement, opaque, provider_unknown, provider_version};

/// Why a document cannot be read.
pub(super) enum Unreadable {
    /// The provider would refuse it: the reason.
    Refused(String),
    /// The part named is not known before apply.
    Unknown(String),
}

type Read<T> = Result<T, Unreadable>;

fn refused<T>(reason: impl Into<String>) -> Read<T> {
    Err(Unreadable::Refused(reason.into()))
}

pub(super) fn document(parsed: &Parsed, source: &Unknown) -> Read<Document> {
    let mut document = Document::default();
    let members = match parsed {
        Parsed::Null => return Ok(document),
        Parsed::Object(members) => members,
        Parsed::Gap => return Err(Unreadable::Unknown("the document".to_owned())),
        other => return refused(format!("a {} is not a document", other.kind())),
    };
    for (key, value) in members {
        match field_name(key, &["Version", "Id", "Statement"]) {
            Some("Version") => document.version = go_string(value, key)?,
            Some("Id") => document.id = go_string(value, key)?,
            Some("Statement") => {
                document.statements = match value {
                    Parsed::Null => Vec::new(),
                    Parsed::Array(items) => items
                        .iter()
                        .map(|item| statement(item, source))
                        .collect::<Read<_>>()?,
                    Parsed::Gap => return Err(Unreadable::Unknown("Statement".to_owned())),
                    other => {
                        return refused(format!("Statement is a {}, not a list", other.kind()));
                    }
                };
            }
            _ => {}
        }
    }
    Ok(document)
}

const STATEMENT_FIELDS: [&str; 9] = [
    "Effect",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Principal",
    "NotPrincipal",
    "Condition",
    "Sid",
];

fn statement(parsed: &Parsed, source: &Unknown) -> Read<Statement> {
    let members = match parsed {
        Parsed::Object(members) => members,
        Parsed::Gap => return Err(Unreadable::Unknown("a statement".to_owned())),
        // The provider dereferences a null statement and crashes.
        other => return refused(format!("a statement is a {}", other.kind())),
    };
    let mut sid = String::new();
    let mut fields: Vec<(&'static str, Json)> = STATEMENT_FIELDS[..8]
        .iter()
        .map(|name| (*name, Json::Absent))
        .collect();
    for (key, value) in members {
        let Some(name) = field_name(key, &STATEMENT_FIELDS) else {
            continue;
        };
        let read = match name {
            "Sid" => {
                sid = go_string(value, key)?;
                continue;
            }
            "Effect" => match value {
                Parsed::Gap | Parsed::PartialStr(_) => unknown_value(value, source),
                _ => match go_string(value, key)? {
                    effect if effect.is_empty() => Json::Absent,
                    effect => Json::Str(effect),
                },
            },
            "Principal" | "NotPrincipal" => principals(value, source)?,
            "Condition" => conditions(value, source)?,
            _ => any(value, source),
        };
        if let Some(field) = fields.iter_mut().find(|(n, _)| *n == name) {
            field.1 = read;
        }
    }
    Ok(Statement { sid, fields })
}

/// The struct field a JSON key sets: Go matches names without regard to
/// ASCII case (its rarer Unicode foldings are not followed here).
fn field_name(key: &str, fields: &[&'static str]) -> Option<&'static str> {
    fields.iter().copied().find(|f| f.eq_ignore_ascii_case(key))
}

/// A string field: null leaves it empty; an unknown one decides too much.
fn go_string(value: &Parsed, key: &str) -> Read<String> {
    match value {
        Parsed::Null => Ok(String::new()),
        Parsed::Str(s) => Ok(s.clone()),
        Parsed::Gap | Parsed::PartialStr(_) => Err(Unreadable::Unknown(key.to_owned())),
        other => refused(format!("{key} is a {}, not a string", other.kind())),
    }
}

/// An unknown value in a document, with its known characters if it is a
/// string; the source's reason and references.
fn unknown_value(value: &Parsed, source: &Unknown) -> Json {
    let mut unknown = opaque(source);
    if let Parsed::PartialStr(pieces) = value {
        unknown.known_text = Some(Box::new(pieces.clone()));
    }
    Json::Unknown(unknown)
}

/// A field the provider keeps as Go's `any`: written back as it was read.
fn any(value: &Parsed, source: &Unknown) -> Json {
    let inner = |value: &Parsed| match any(value, source) {
        Json::Absent => Json::Null,
        other => other,
    };
    match value {
        Parsed::Null => Json::Absent,
        Parsed::Bool(b) => Json::Bool(*b),
        Parsed::Number(n) => Json::Number(*n),
        Parsed::Str(s) => Json::Str(s.clone()),
        Parsed::Gap | Parsed::PartialStr(_) => unknown_value(value, source),
        Parsed::Array(items) => Json::Array(items.iter().map(inner).collect()),
        Parsed::Object(members) => {
            let mut members: Vec<(String, Json)> =
                members.iter().map(|(k, v)| (k.clone(), inner(v))).collect();
            // Go writes a map's keys sorted.
            members.sort_by(|a, b| a.0.cmp(&b.0));
            Json::Object(members)
        }
    }
}

/// The provider's principal set read back: any string is `"*"`; a map's
/// arrays are sorted (and written back in reverse).
fn principals(value: &Parsed, source: &Unknown) -> Read<Json> {
    let members = match value {
        Parsed::Str(_) | Parsed::PartialStr(_) => return Ok(Json::Str("*".to_owned())),
        Parsed::Object(members) => members,
        Parsed::Gap => return Ok(unknown_value(value, source)),
        other => return refused(format!("a principal is a {}", other.kind())),
    };
    let mut by_type: Vec<(String, Json)> = Vec::new();
    for (kind, identifiers) in members {
        let identifiers = match identifiers {
            Parsed::Str(s) => Json::Str(s.clone()),
            Parsed::Gap | Parsed::PartialStr(_) => unknown_value(identifiers, source),
            Parsed::Array(items) => {
                let mut strings = Vec::with_capacity(items.len());
                let mut unknown = false;
                for item in items {
                    match item {
                        Parsed::Str(s) => strings.push(s.clone()),
                        Parsed::Gap | Parsed::PartialStr(_) => unknown = true,
                        _ => return refused(format!("a {kind} principal is not a string")),
                    }
                }
                if unknown {
                    // Sorted with the unknown ones: their places are unknown.
                    unknown_value(&Parsed::Gap, source)
                } else {
                    strings.sort_unstable();
                    Json::Array(strings.into_iter().rev().map(Json::Str).collect())
                }
            }
            other => return refused(format!("{kind} principals are a {}", other.kind())),
        };
        by_type.push((kind.clone(), identifiers));
    }
    Ok(match by_type.as_slice() {
        [] => Json::Absent,
        [(kind, Json::Str(s))] if kind == "*" && s == "*" => Json::Str("*".to_owned()),
        [(kind, Json::Unknown(_))] if kind == "*" => unknown_value(&Parsed::Gap, source),
        _ => {
            by_type.sort_by(|a, b| a.0.cmp(&b.0));
            Json::Object(by_type)
        }
    })
}

/// The provider's condition set read back: a string becomes one value,
/// arrays keep their strings, numbers and nulls are silently dropped (as
/// the provider does); booleans are kept by some versions only. An unknown
/// value may be any of these, so its variable may or may not be written.
fn conditions(value: &Parsed, source: &Unknown) -> Read<Json> {
    let tests = match value {
        Parsed::Object(tests) => tests,
        Parsed::Gap => return Ok(Json::MaybeAbsent(opaque(source))),
        other => return refused(format!("Condition is a {}, not an object", other.kind())),
    };
    let mut by_test: Vec<(String, Json)> = Vec::new();
    for (test, variables) in tests {
        let variables = match variables {
            Parsed::Object(variables) => variables,
            Parsed::Gap => {
                by_test.push((test.clone(), Json::MaybeAbsent(opaque(source))));
                continue;
            }
            other => return refused(format!("condition {test} is a {}", other.kind())),
        };
        let mut kept: Vec<(String, Json)> = Vec::new();
        for (variable, values) in variables {
            let values = match values {
                Parsed::Str(s) => Json::Str(s.clone()),
                Parsed::PartialStr(_) => unknown_value(values, source),
                Parsed::Gap => Json::MaybeAbsent(opaque(source)),
                Parsed::Bool(_) => Json::MaybeAbsent(provider_version("a boolean condition value")),
                Parsed::Array(items) => {
                    let mut strings = Vec::with_capacity(items.len());
                    for item in items {
                        strings.push(match item {
                            Parsed::Str(s) => Json::Str(s.clone()),
                            Parsed::PartialStr(_) => unknown_value(item, source),
                            // A string, or a value the provider crashes on.
                            Parsed::Gap => Json::Unknown(provider_unknown(
                                "a condition value not known before apply".to_owned(),
                            )),
                            _ => {
                                return refused(format!(
                                    "a value of {test} {variable} is not a string"
                                ));
                            }
                        });
                    }
                    if strings.len() == 1 {
                        strings.pop().unwrap_or(Json::Absent)
                    } else {
                        Json::Array(strings)
                    }
                }
                _ => continue,
            };
            kept.push((variable.clone(), values));
        }
        if kept.is_empty() {
            continue;
        }
        kept.sort_by(|a, b| a.0.cmp(&b.0));
        // A test whose every variable may be dropped may be dropped itself.
        let json = if kept.iter().all(|(_, v)| matches!(v, Json::MaybeAbsent(_))) {
            Json::MaybeAbsent(opaque(source))
        } else {
            Json::Object(kept)
        };
        by_test.push((test.clone(), json));
    }
    by_test.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(if by_test.is_empty() {
        Json::Absent
    } else if by_test
        .iter()
        .all(|(_, v)| matches!(v, Json::MaybeAbsent(_)))
    {
        Json::MaybeAbsent(opaque(source))
    } else {
        Json::Object(by_test)
    })
}
