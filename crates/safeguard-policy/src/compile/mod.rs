//! Compiles a policy file's spanned YAML into a [`Policy`]. Every field is
//! checked and every mistake recorded, so one run shows all of them.

mod condition;
mod fields;

use std::str::FromStr;

use safeguard_model::{Format, Map, Node, Value};
use safeguard_source::{SourceFile, Span};

use crate::catalogue::{DATA_FILE_KEY, DataFile, compile_data_file};
use crate::policy::Fix;
use crate::{
    AppliesTo, Example, Examples, MessageTemplate, Policy, PolicyError, Safeguard, Scope, Severity,
};
pub(crate) use fields::Ctx;
pub use fields::did_you_mean;

/// Every top-level key a policy file may have.
pub(crate) const TOP_LEVEL_KEYS: [&str; 14] = [
    "id",
    "title",
    "description",
    "safeguard",
    "citation",
    "severity",
    "applies-to",
    "when",
    "require",
    "message",
    "remediation",
    "fix",
    "examples",
    "docs",
];

/// Compiles one policy file.
///
/// # Errors
/// Every mistake found in the file, each located.
pub fn compile_policy(file: &SourceFile) -> Result<Policy, Vec<PolicyError>> {
    match compile_file(file)? {
        CompiledFile::Policy(policy) => Ok(*policy),
        CompiledFile::Data(_) => Err(vec![PolicyError::at(
            file,
            Span::default(),
            "this is a catalogue data file, not a policy",
        )]),
    }
}

/// What a file of a policy folder holds.
#[derive(Debug, Clone)]
pub enum CompiledFile {
    Policy(Box<Policy>),
    /// A catalogue the BAA-scope conditions consult (top-level `catalogue:`).
    Data(DataFile),
}

/// Compiles one file of a policy folder: a policy, or a catalogue data file.
///
/// # Errors
/// Every mistake found in the file, each located.
pub fn compile_file(file: &SourceFile) -> Result<CompiledFile, Vec<PolicyError>> {
    let documents = safeguard_yaml::parse_documents(file).map_err(|err| {
        vec![PolicyError::at(
            file,
            err.span,
            format!("invalid YAML: {}", err.message),
        )]
    })?;
    let root = match documents.as_slice() {
        [root] => root,
        [] => {
            return Err(vec![PolicyError::at(
                file,
                Span::default(),
                "empty policy file",
            )]);
        }
        [_, second, ..] => {
            return Err(vec![
                PolicyError::at(file, second.span, "a policy file holds one policy")
                    .with_hint("put each policy in its own file"),
            ]);
        }
    };
    let mut ctx = Ctx::new(file);
    if let Value::Map(map) = &root.value
        && map.get(DATA_FILE_KEY).is_some()
    {
        let data = compile_data_file(&mut ctx, map, root.span);
        return match data {
            Some(data) if ctx.errors.is_empty() => Ok(CompiledFile::Data(data)),
            _ => Err(ctx.errors),
        };
    }
    let policy = compile_root(&mut ctx, root);
    match policy {
        Some(policy) if ctx.errors.is_empty() => Ok(CompiledFile::Policy(Box::new(policy))),
        _ => Err(ctx.errors),
    }
}

fn compile_root(ctx: &mut Ctx<'_>, root: &Node) -> Option<Policy> {
    let map = ctx.map(root, "a policy")?;
    ctx.reject_unknown_keys(map, &TOP_LEVEL_KEYS, "a policy");
    let span = root.span;

    let id = field(ctx, map, "id", span).and_then(|node| policy_id(ctx, node));
    let title = field(ctx, map, "title", span).and_then(|node| ctx.string(node, "`title`"));
    let description = map
        .get("description")
        .and_then(|e| ctx.string(&e.value, "`description`"));
    let safeguard = field(ctx, map, "safeguard", span).and_then(|node| safeguard(ctx, node));
    let citation =
        field(ctx, map, "citation", span).and_then(|node| citation(ctx, node, safeguard));
    let severity = field(ctx, map, "severity", span).and_then(|node| severity(ctx, node));
    let applies_to = field(ctx, map, "applies-to", span).and_then(|node| applies_to(ctx, node));
    let when = match map.get("when") {
        Some(entry) => Some(condition::condition(ctx, &entry.value)?),
        None => None,
    };
    let require = field(ctx, map, "require", span).and_then(|node| condition::condition(ctx, node));
    let message = field(ctx, map, "message", span).and_then(|node| message(ctx, node));
    let remediation =
        field(ctx, map, "remediation", span).and_then(|node| ctx.string(node, "`remediation`"));
    let fix = match map.get("fix") {
        Some(entry) => Some(fix(ctx, &entry.value)?),
        None => None,
    };
    let examples = field(ctx, map, "examples", span).and_then(|node| examples(ctx, node));
    if let Some(docs) = map.get("docs") {
        ctx.string(&docs.value, "`docs`");
    }

    Some(Policy {
        id: id?,
        id_span: map.get("id").map_or(span, |e| e.value.span),
        title: title?,
        description,
        safeguard: safeguard?,
        citation: citation?,
        severity: severity?,
        applies_to: applies_to?,
        when,
        require: require?,
        message: message?,
        remediation: remediation?,
        fix,
        examples: examples?,
        source: ctx.file.clone(),
    })
}

fn field<'m>(ctx: &mut Ctx<'_>, map: &'m Map, key: &str, span: Span) -> Option<&'m Node> {
    ctx.required(map, key, span, "the policy")
        .map(|entry| &entry.value)
}

fn policy_id(ctx: &mut Ctx<'_>, node: &Node) -> Option<String> {
    let id = ctx.string(node, "`id`")?;
    let kebab = id.split('-').all(|part| {
        !part.is_empty()
            && part
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    });
    if !kebab {
        ctx.error_hint(
            node.span,
            format!("policy id `{id}` is not kebab-case"),
            "use lowercase words joined by `-`, e.g. `aws-rds-storage-encrypted`",
        );
        return None;
    }
    Some(id)
}

fn safeguard(ctx: &mut Ctx<'_>, node: &Node) -> Option<Safeguard> {
    let name = ctx.string(node, "`safeguard`")?;
    Safeguard::from_str(&name).ok().or_else(|| {
        let names: Vec<&str> = Safeguard::ALL.iter().map(|s| s.as_str()).collect();
        let hint = match did_you_mean(&name, &names) {
            Some(close) => format!("did you mean `{close}`?"),
            None => format!("the safeguards are: {}", names.join(", ")),
        };
        ctx.error_hint(node.span, format!("unknown safeguard `{name}`"), hint);
        None
    })
}

fn citation(ctx: &mut Ctx<'_>, node: &Node, safeguard: Option<Safeguard>) -> Option<String> {
    let text = ctx.string(node, "`citation`")?;
    if !text.starts_with("45 CFR 164.") {
        let hint = match safeguard {
            Some(s) => format!("{} cites `{}`", s.as_str(), s.citation()),
            None => "cite the HIPAA rule as `45 CFR 164.xxx(...)`".to_owned(),
        };
        ctx.error_hint(
            node.span,
            format!("citation `{text}` is not a HIPAA citation"),
            hint,
        );
        return None;
    }
    Some(text)
}

fn severity(ctx: &mut Ctx<'_>, node: &Node) -> Option<Severity> {
    let name = ctx.string(node, "`severity`")?;
    Severity::from_str(&name).ok().or_else(|| {
        ctx.error_hint(
            node.span,
            format!("unknown severity `{name}`"),
            "use critical, high, medium, low or info",
        );
        None
    })
}

fn applies_to(ctx: &mut Ctx<'_>, node: &Node) -> Option<AppliesTo> {
    let map = ctx.map(node, "`applies-to`")?;
    ctx.reject_unknown_keys(
        map,
        &["format", "type", "scope", "phi-only"],
        "`applies-to`",
    );
    let format = ctx
        .required(map, "format", node.span, "`applies-to`")
        .and_then(|entry| {
            let name = ctx.string(&entry.value, "`format`")?;
            Format::from_str(&name).ok().or_else(|| {
                let names: Vec<&str> = Format::ALL.iter().map(|f| f.as_str()).collect();
                ctx.error_hint(
                    entry.value.span,
                    format!("unknown format `{name}`"),
                    format!("formats are: {}", names.join(", ")),
                );
                None
            })
        });
    let types = ctx
        .required(map, "type", node.span, "`applies-to`")
        .and_then(|e| ctx.string_or_list(&e.value, "`type`"));
    let scope = match map.get("scope") {
        None => Some(Scope::Object),
        Some(entry) => match ctx.string(&entry.value, "`scope`")?.as_str() {
            "object" => Some(Scope::Object),
            "document" => Some(Scope::Document),
            other => {
                ctx.error_hint(
                    entry.value.span,
                    format!("unknown scope `{other}`"),
                    "use `object` or `document`",
                );
                None
            }
        },
    };
    let (phi_only, phi_tagged_only) = match map.get("phi-only").map(|e| &e.value) {
        None => (Some(false), false),
        Some(Node {
            value: Value::Bool(b),
            ..
        }) => (Some(*b), false),
        Some(Node {
            value: Value::String(word),
            ..
        }) if word == "tagged" => (Some(true), true),
        Some(other) => {
            ctx.error(
                other.span,
                format!(
                    "`phi-only` takes true, false or `tagged`, found {}",
                    other.value
                ),
            );
            (None, false)
        }
    };
    Some(AppliesTo {
        format: format?,
        types: types?,
        scope: scope?,
        phi_only: phi_only?,
        phi_tagged_only,
    })
}

fn message(ctx: &mut Ctx<'_>, node: &Node) -> Option<MessageTemplate> {
    let text = ctx.string(node, "`message`")?;
    MessageTemplate::parse(&text)
        .map_err(|(_, message)| {
            ctx.error_hint(
                node.span,
                message,
                format!(
                    "placeholders are {{{}}}",
                    MessageTemplate::PLACEHOLDERS.join("}, {")
                ),
            );
        })
        .ok()
}

fn fix(ctx: &mut Ctx<'_>, node: &Node) -> Option<Fix> {
    let map = ctx.map(node, "`fix`")?;
    ctx.reject_unknown_keys(map, &["set", "safe"], "`fix`");
    let safe = match map.get("safe").map(|e| &e.value) {
        None => false,
        Some(Node {
            value: Value::Bool(b),
            ..
        }) => *b,
        Some(other) => {
            ctx.error(
                other.span,
                format!(
                    "`fix.safe` must be true or false, found {}",
                    other.value.type_name()
                ),
            );
            return None;
        }
    };
    let set = ctx
        .required(map, "set", node.span, "`fix`")
        .and_then(|e| ctx.map(&e.value, "`fix.set`"))?;
    let values = set
        .entries
        .iter()
        .map(|entry| (entry.key.clone(), entry.value.value.clone()))
        .collect();
    Some(Fix { set: values, safe })
}

fn examples(ctx: &mut Ctx<'_>, node: &Node) -> Option<Examples> {
    let map = ctx.map(node, "`examples`")?;
    ctx.reject_unknown_keys(map, &["pass", "fail"], "`examples`");
    let mut list = |key: &str| -> Option<Vec<Example>> {
        let Some(entry) = map.get(key) else {
            ctx.error_hint(
                node.span.cover(Span::empty_at(node.span.start)),
                format!("missing `{key}` example"),
                format!(
                    "every policy needs at least one `{key}` example, which `safeguard test` runs"
                ),
            );
            return None;
        };
        let items = ctx.list(&entry.value, &format!("`examples.{key}`"))?;
        items
            .iter()
            .map(|item| match &item.value {
                Value::String(text) => Some(Example {
                    text: text.clone(),
                    span: item.span,
                }),
                other => {
                    ctx.error(
                        item.span,
                        format!("an example must be a string, found {}", other.type_name()),
                    );
                    None
                }
            })
            .collect()
    };
    let pass = list("pass");
    let fail = list("fail");
    Some(Examples {
        pass: pass?,
        fail: fail?,
    })
}
