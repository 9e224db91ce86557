use safeguard_model::Format;
use serde_json::{Value, json};

use crate::{MessageTemplate, Operator, Safeguard, Severity};

/// The JSON Schema (draft-07, the dialect YAML editors understand best) for
/// policy files. Generated from the same vocabularies the compiler checks
/// against, so the two cannot drift; `policies/schema.json` is this output.
#[must_use]
pub fn json_schema() -> Value {
    let safeguards: Vec<&str> = Safeguard::ALL.iter().map(|s| s.as_str()).collect();
    let severities: Vec<&str> = Severity::ALL.iter().map(|s| s.as_str()).collect();
    let formats: Vec<&str> = Format::ALL.iter().map(|f| f.as_str()).collect();
    let placeholders: Vec<String> = MessageTemplate::PLACEHOLDERS
        .iter()
        .map(|p| format!("{{{p}}}"))
        .collect();
    let string_or_list = json!({
        "oneOf": [
            { "type": "string", "minLength": 1 },
            { "type": "array", "items": { "type": "string", "minLength": 1 }, "minItems": 1 }
        ]
    });
    let mut leaf_properties = serde_json::Map::new();
    leaf_properties.insert("attr".into(), json!({ "$ref": "#/definitions/path" }));
    leaf_properties.insert("default".into(), json!({ "description": "The value assumed when the attribute is absent (the documented default)." }));
    for name in Operator::NAMES {
        leaf_properties.insert(name.into(), operator_schema(name));
    }
    let leaf_operator_choice: Vec<Value> = Operator::NAMES
        .iter()
        .map(|name| json!({ "required": ["attr", name] }))
        .collect();

    json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": "https://safeguard.dev/schemas/policy.json",
        "title": "safeguard policy",
        "description": "One HIPAA policy: what it applies to, what it requires, and examples that `safeguard test` runs.",
        "type": "object",
        "additionalProperties": false,
        "required": ["id", "title", "safeguard", "citation", "severity", "applies-to", "require", "message", "remediation", "examples"],
        "properties": {
            "id": { "type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$", "description": "Stable kebab-case id, used in suppressions and reports." },
            "title": { "type": "string", "minLength": 1 },
            "description": { "type": "string", "description": "Why the setting matters." },
            "safeguard": { "enum": safeguards },
            "citation": { "type": "string", "pattern": "^45 CFR 164\\.", "description": "The HIPAA paragraph, e.g. 45 CFR 164.312(a)(2)(iv)." },
            "severity": { "enum": severities },
            "applies-to": {
                "type": "object",
                "additionalProperties": false,
                "required": ["format", "type"],
                "properties": {
                    "format": { "enum": formats },
                    "type": string_or_list.clone(),
                    "scope": { "enum": ["object", "document"], "default": "object" },
                    "phi-only": { "oneOf": [{ "type": "boolean" }, { "const": "tagged" }], "default": false, "description": "true: judge only objects tagged as holding PHI when safeguard.toml's [phi] names the tag (every object otherwise). `tagged`: judge only objects the configured tag marks, and nothing when no tag is configured." }
                }
            },
            "when": { "$ref": "#/definitions/condition" },
            "require": { "$ref": "#/definitions/condition" },
            "message": { "type": "string", "description": format!("Finding message; placeholders: {}.", placeholders.join(", ")) },
            "remediation": { "type": "string", "minLength": 1 },
            "fix": {
                "type": "object",
                "additionalProperties": false,
                "required": ["set"],
                "properties": {
                    "set": { "type": "object" },
                    "safe": { "type": "boolean", "description": "The fix changes only the setting (no replacement, no lost access): `check --fix` applies it." }
                }
            },
            "examples": {
                "type": "object",
                "additionalProperties": false,
                "required": ["pass", "fail"],
                "properties": {
                    "pass": { "type": "array", "items": { "type": "string" }, "minItems": 1 },
                    "fail": { "type": "array", "items": { "type": "string" }, "minItems": 1 }
                }
            },
            "docs": { "type": "string" }
        },
        "definitions": {
            "path": { "type": "string", "description": "Dotted attribute path; `[*]` for every list item, `[N]` for one, `.` for the value itself." },
            "condition": {
                "oneOf": [
                    { "type": "object", "additionalProperties": false, "required": ["all"],
                      "properties": { "all": { "type": "array", "items": { "$ref": "#/definitions/condition" }, "minItems": 1 } } },
                    { "type": "object", "additionalProperties": false, "required": ["any"],
                      "properties": { "any": { "type": "array", "items": { "$ref": "#/definitions/condition" }, "minItems": 1 } } },
                    { "type": "object", "additionalProperties": false, "required": ["not"],
                      "properties": { "not": { "$ref": "#/definitions/condition" } } },
                    { "type": "object", "additionalProperties": false, "required": ["attr"],
                      "properties": leaf_properties, "oneOf": leaf_operator_choice },
                    { "type": "object", "additionalProperties": false, "required": ["referenced-by"],
                      "properties": { "referenced-by": {
                          "type": "object", "additionalProperties": false, "required": ["type", "attr"],
                          "properties": {
                              "type": string_or_list.clone(),
                              "attr": { "$ref": "#/definitions/path" },
                              "require": { "$ref": "#/definitions/condition" },
                              "name-attr": { "$ref": "#/definitions/path" }
                          } } } },
                    { "type": "object", "additionalProperties": false, "required": ["exists-object"],
                      "properties": { "exists-object": {
                          "type": "object", "additionalProperties": false, "required": ["type"],
                          "properties": {
                              "type": string_or_list,
                              "where": { "$ref": "#/definitions/condition" }
                          } } } },
                    { "type": "object", "additionalProperties": false, "required": ["hipaa-eligible-service"],
                      "properties": { "hipaa-eligible-service": { "const": true,
                          "description": "The judged resource's type belongs to a service on its provider's eligible-services list (policies/catalogue)." } } }
                ]
            }
        }
    })
}

fn operator_schema(name: &str) -> Value {
    match name {
        "exists" => json!({ "type": "boolean" }),
        "in" | "not-in" => json!({ "type": "array", "minItems": 1 }),
        "matches" => {
            json!({ "type": "string", "description": "A regular expression (Rust regex syntax)." })
        }
        "gte" | "lte" => json!({ "type": "number" }),
        "any-item" | "all-items" => json!({ "$ref": "#/definitions/condition" }),
        "vendor-baa" => {
            let keywords = crate::BaaStatus::KEYWORDS;
            json!({
                "description": "The value (provider source, resource type or host) names a vendor whose BAA status is one of these.",
                "oneOf": [
                    { "enum": keywords },
                    { "type": "array", "items": { "enum": keywords }, "minItems": 1 }
                ]
            })
        }
        _ => json!({ "not": { "type": ["object", "array"] } }),
    }
}
