//! `terraform show -json` output: a plan (`planned_values`,
//! `resource_changes`, `configuration`) or a state (`values`). Every value
//! Terraform knows is there, with module paths and instance keys already in
//! the addresses, so the same policies apply unchanged and findings point
//! into the JSON. What a plan only knows after apply (`after_unknown`) is
//! unknown, carrying the references the configuration records for it.

use std::collections::HashMap;

use safeguard_model::{Document, Format, InputError, Map, Node, Object, Unknown, Value};
use safeguard_source::{SourceFile, Span};

use crate::providers::ResolvedProvider;

/// True when a JSON text looks like `terraform show -json` output. Only the
/// opening is examined: both versions are written first.
#[must_use]
pub fn looks_like_plan(text: &str) -> bool {
    let head = text.get(..text.len().min(4096)).unwrap_or(text);
    head.contains("\"format_version\"") && head.contains("\"terraform_version\"")
}

/// Reads a plan or state JSON file into a document.
#[must_use]
pub fn plan_document(file: SourceFile) -> Document {
    let mut document = Document::new(Format::Terraform, file.path().display().to_string());
    let index = document.add_file(file.clone());
    let root = match safeguard_json::parse_json(&file) {
        Ok(root) => root,
        Err(err) => {
            document.errors.push(InputError::at_span(
                &file,
                err.span,
                format!("invalid JSON: {}", err.message),
            ));
            return document;
        }
    };
    let Some(top) = root.value.as_map() else {
        document.errors.push(InputError::at_span(
            &file,
            root.span,
            "a Terraform plan is a JSON object",
        ));
        return document;
    };
    let values = get(top, &["planned_values", "root_module"])
        .or_else(|| get(top, &["values", "root_module"]));
    let Some(values) = values else {
        document.errors.push(InputError::at_span(
            &file,
            root.span,
            "no `planned_values` or `values` in this Terraform JSON",
        ));
        return document;
    };
    let unknowns = after_unknown(top);
    let references = configuration_references(top);
    let mut objects = Vec::new();
    collect(values, index, &unknowns, &references, &mut objects);
    let providers = resolved_providers(values, top, index);
    let requirements = crate::providers::plan_provider_requirements(&objects, providers);
    document.objects = objects;
    document.objects.extend(requirements);
    document
}

fn get<'a>(map: &'a Map, path: &[&str]) -> Option<&'a Node> {
    let (first, rest) = path.split_first()?;
    let node = &map.get(first)?.value;
    if rest.is_empty() {
        Some(node)
    } else {
        get(node.value.as_map()?, rest)
    }
}

fn text<'a>(map: &'a Map, key: &str) -> Option<&'a str> {
    map.get(key).and_then(|e| e.value.value.as_str())
}

/// `after_unknown` markers by resource address.
fn after_unknown(top: &Map) -> HashMap<String, Node> {
    let mut markers = HashMap::new();
    let Some(changes) = top
        .get("resource_changes")
        .and_then(|e| e.value.value.as_list())
    else {
        return markers;
    };
    for change in changes {
        let Some(change) = change.value.as_map() else {
            continue;
        };
        let (Some(address), Some(marker)) = (
            text(change, "address"),
            get(change, &["change", "after_unknown"]),
        ) else {
            continue;
        };
        markers.insert(address.to_owned(), marker.clone());
    }
    markers
}

/// For each resource (`module.a.aws_x.y`, no instance key), the arguments
/// its configuration sets, with the objects each expression refers to.
fn configuration_references(top: &Map) -> HashMap<(String, String), Vec<String>> {
    let mut out = HashMap::new();
    if let Some(root) = get(top, &["configuration", "root_module"]).and_then(|n| n.value.as_map()) {
        module_references(root, "", &mut out);
    }
    out
}

fn module_references(module: &Map, prefix: &str, out: &mut HashMap<(String, String), Vec<String>>) {
    if let Some(resources) = module
        .get("resources")
        .and_then(|e| e.value.value.as_list())
    {
        for resource in resources.iter().filter_map(|r| r.value.as_map()) {
            let Some(address) = text(resource, "address") else {
                continue;
            };
            let Some(expressions) = resource
                .get("expressions")
                .and_then(|e| e.value.value.as_map())
            else {
                continue;
            };
            // Every configured argument is recorded, with the objects its
            // expression refers to (none for a constant).
            for entry in &expressions.entries {
                let refs = entry
                    .value
                    .value
                    .as_map()
                    .and_then(|m| m.get("references"))
                    .and_then(|e| e.value.value.as_list());
                let targets: Vec<String> = refs
                    .into_iter()
                    .flatten()
                    .filter_map(|r| r.value.as_str())
                    .filter_map(|r| object_of(r, prefix))
                    .collect();
                out.insert((format!("{prefix}{address}"), entry.key.clone()), targets);
            }
        }
    }
    if let Some(calls) = module
        .get("module_calls")
        .and_then(|e| e.value.value.as_map())
    {
        for call in &calls.entries {
            if let Some(child) = call
                .value
                .value
                .as_map()
                .and_then(|m| m.get("module"))
                .and_then(|e| e.value.value.as_map())
            {
                module_references(child, &format!("{prefix}module.{}.", call.key), out);
            }
        }
    }
}

/// `aws_s3_bucket.phi.id` → `aws_s3_bucket.phi`; `data.t.n.x` → `data.t.n`;
/// `var.x`, `local.x`: `var.x`; with the module prefix.
fn object_of(reference: &str, prefix: &str) -> Option<String> {
    let parts: Vec<&str> = reference.split('.').collect();
    let keep = match parts.first()? {
        &"data" => 3,
        _ => 2,
    };
    (parts.len() >= keep).then(|| format!("{prefix}{}", parts[..keep].join(".")))
}

fn collect(
    module: &Node,
    file: usize,
    unknowns: &HashMap<String, Node>,
    references: &HashMap<(String, String), Vec<String>>,
    out: &mut Vec<Object>,
) {
    let Some(module) = module.value.as_map() else {
        return;
    };
    if let Some(resources) = module
        .get("resources")
        .and_then(|e| e.value.value.as_list())
    {
        for resource in resources {
            if let Some(object) = object(resource, file, unknowns, references) {
                out.push(object);
            }
        }
    }
    if let Some(children) = module
        .get("child_modules")
        .and_then(|e| e.value.value.as_list())
    {
        for child in children {
            collect(child, file, unknowns, references, out);
        }
    }
}

fn object(
    resource: &Node,
    file: usize,
    unknowns: &HashMap<String, Node>,
    references: &HashMap<(String, String), Vec<String>>,
) -> Option<Object> {
    let map = resource.value.as_map()?;
    let address = text(map, "address")?.to_owned();
    let kind = match (text(map, "mode"), text(map, "type")) {
        (Some("data"), Some(kind)) => format!("data.{kind}"),
        (_, Some(kind)) => kind.to_owned(),
        _ => return None,
    };
    let mut attrs = match map.get("values").map(|e| &e.value.value) {
        Some(Value::Map(values)) => values.clone(),
        _ => Map::default(),
    };
    let header_span = map.get("address").map_or(resource.span, |e| e.value.span);
    if let Some(marker) = unknowns.get(&address).and_then(|m| m.value.as_map()) {
        let config_address = strip_instance_keys(&address);
        for entry in &marker.entries {
            // An argument the configuration does not set is the provider's to
            // fill in: for policies it is not set, exactly as in the HCL.
            if let Some(refs) = references.get(&(config_address.clone(), entry.key.clone())) {
                mark_unknown(&mut attrs, &entry.key, &entry.value, header_span, refs);
            }
        }
    }
    Some(Object {
        format: Format::Terraform,
        kind,
        address,
        file,
        span: resource.span,
        header_span,
        attrs,
        existence_unknown: None,
    })
}

/// `module.a["x"].aws_s3_bucket.b[0]` → `module.a.aws_s3_bucket.b`.
fn strip_instance_keys(address: &str) -> String {
    let mut out = String::new();
    let mut depth = 0;
    let mut quoted = false;
    for c in address.chars() {
        match c {
            '"' if depth > 0 => quoted = !quoted,
            '[' if !quoted => depth += 1,
            ']' if !quoted => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// Applies one `after_unknown` marker: `true` makes the value unknown; maps
/// and lists mark what is inside them.
fn mark_unknown(attrs: &mut Map, key: &str, marker: &Node, span: Span, references: &[String]) {
    match &marker.value {
        Value::Bool(true) => {
            let unknown = Node::new(
                Value::Unknown(Unknown {
                    reason: format!("`{key}` is known only after apply"),
                    references: references.to_vec(),
                    presence_unknown: false,
                    ..Unknown::default()
                }),
                attrs.get(key).map_or(span, |e| e.value.span),
            );
            match attrs.entries.iter_mut().rev().find(|e| e.key == key) {
                Some(entry) => entry.value = unknown,
                None => attrs.insert(key, span, unknown),
            }
        }
        Value::Map(inner_marker) => {
            if let Some(entry) = attrs.entries.iter_mut().rev().find(|e| e.key == key)
                && let Value::Map(inner) = &mut entry.value.value
            {
                for marked in &inner_marker.entries {
                    mark_unknown(inner, &marked.key, &marked.value, span, &[]);
                }
            }
        }
        Value::List(markers) => {
            if let Some(entry) = attrs.entries.iter_mut().rev().find(|e| e.key == key)
                && let Value::List(items) = &mut entry.value.value
            {
                for (item, marker) in items.iter_mut().zip(markers) {
                    if let (Value::Map(item), Some(marker)) =
                        (&mut item.value, marker.value.as_map())
                    {
                        for marked in &marker.entries {
                            mark_unknown(item, &marked.key, &marked.value, span, &[]);
                        }
                    }
                }
            }
        }
        _ => {}
    }
}

/// Every provider the plan's resources name in `provider_name`; the local
/// name is the resource type's prefix, as in the configuration.
fn resolved_providers(values: &Node, top: &Map, file: usize) -> Vec<ResolvedProvider> {
    // `configuration.provider_config.<key>` has `full_name` and `version_constraint`.
    let mut constraints: HashMap<String, (String, Span)> = HashMap::new();
    if let Some(config) =
        get(top, &["configuration", "provider_config"]).and_then(|n| n.value.as_map())
    {
        for entry in &config.entries {
            let Some(provider) = entry.value.value.as_map() else {
                continue;
            };
            if let (Some(full_name), Some(version)) = (
                text(provider, "full_name"),
                provider.get("version_constraint"),
            ) && let Value::String(constraint) = &version.value.value
            {
                constraints.insert(
                    full_name.to_owned(),
                    (constraint.clone(), version.value.span),
                );
            }
        }
    }
    let mut out = Vec::new();
    let mut stack = vec![values];
    while let Some(module) = stack.pop() {
        let Some(module) = module.value.as_map() else {
            continue;
        };
        for resource in module
            .get("resources")
            .and_then(|e| e.value.value.as_list())
            .into_iter()
            .flatten()
        {
            let Some(map) = resource.value.as_map() else {
                continue;
            };
            let (Some(kind), Some(name)) = (text(map, "type"), map.get("provider_name")) else {
                continue;
            };
            let Value::String(source) = &name.value.value else {
                continue;
            };
            let local_name = kind.split('_').next().unwrap_or(kind).to_owned();
            let version = constraints.get(source).cloned();
            out.push(ResolvedProvider {
                local_name,
                source: source.clone(),
                version,
                file,
                span: name.value.span,
            });
        }
        stack.extend(
            module
                .get("child_modules")
                .and_then(|e| e.value.value.as_list())
                .into_iter()
                .flatten(),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn providers_come_from_provider_name_and_provider_config() {
        let plan = r#"{"format_version": "1.2", "terraform_version": "1.9.0",
          "planned_values": {"root_module": {"resources": [
            {"address": "aws_s3_bucket.a", "mode": "managed", "type": "aws_s3_bucket", "name": "a",
             "provider_name": "registry.terraform.io/hashicorp/aws", "values": {}},
            {"address": "sendgrid_api_key.k", "mode": "managed", "type": "sendgrid_api_key", "name": "k",
             "provider_name": "registry.terraform.io/trois-six/sendgrid", "values": {}}]}},
          "configuration": {"provider_config": {"aws": {"name": "aws",
             "full_name": "registry.terraform.io/hashicorp/aws", "version_constraint": "~> 6.0"}}}}"#;
        let document = plan_document(SourceFile::new("plan.json", plan));
        let providers: Vec<(String, String, String)> = document
            .objects
            .iter()
            .filter(|o| o.kind == "required_provider")
            .map(|o| {
                let attr = |name: &str| match &o.attrs.get(name).unwrap().value.value {
                    Value::Unknown(u) => u.reason.clone(),
                    other => other.to_string(),
                };
                (o.address.clone(), attr("source"), attr("major_version"))
            })
            .collect();
        assert_eq!(
            providers,
            vec![
                (
                    "provider[\"registry.terraform.io/hashicorp/aws\"]".to_owned(),
                    "\"hashicorp/aws\"".to_owned(),
                    "6".to_owned()
                ),
                (
                    "provider[\"registry.terraform.io/trois-six/sendgrid\"]".to_owned(),
                    "\"trois-six/sendgrid\"".to_owned(),
                    "trois-six/sendgrid has no version constraint, so the version `terraform init` selects is unknown".to_owned()
                ),
            ]
        );
    }

    #[test]
    fn instance_keys_are_stripped_for_configuration_lookups() {
        assert_eq!(
            strip_instance_keys("module.a[\"x[1]\"].aws_s3_bucket.b[0]"),
            "module.a.aws_s3_bucket.b"
        );
        assert_eq!(
            object_of("aws_s3_bucket.phi.id", "module.a."),
            Some("module.a.aws_s3_bucket.phi".to_owned())
        );
        assert_eq!(
            object_of("data.aws_iam_policy_document.p.json", ""),
            Some("data.aws_iam_policy_document.p".to_owned())
        );
    }
}
