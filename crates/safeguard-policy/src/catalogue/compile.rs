//! Reads catalogue data files from their spanned YAML, with every mistake
//! located, as policy files are.

use safeguard_model::{Map, Node};
use safeguard_source::Span;

use super::services::{Eligibility, ServiceEntry, ServiceList};
use super::vendors::{BaaOffer, Vendor};
use crate::compile::Ctx;

/// The top-level key that marks a data file rather than a policy.
pub(crate) const DATA_FILE_KEY: &str = "catalogue";

const KINDS: [&str; 2] = ["baa-vendors", "hipaa-eligible-services"];

/// A compiled data file.
#[derive(Debug, Clone)]
pub enum DataFile {
    Vendors { as_of: String, vendors: Vec<Vendor> },
    Services(ServiceList),
}

pub(crate) fn compile_data_file(ctx: &mut Ctx<'_>, map: &Map, span: Span) -> Option<DataFile> {
    let kind_entry = map.get(DATA_FILE_KEY)?;
    let kind = ctx.string(&kind_entry.value, "`catalogue`")?;
    match kind.as_str() {
        "baa-vendors" => vendors_file(ctx, map, span),
        "hipaa-eligible-services" => services_file(ctx, map, span),
        other => {
            ctx.error_hint(
                kind_entry.value.span,
                format!("unknown catalogue `{other}`"),
                format!("catalogues are: {}", KINDS.join(", ")),
            );
            None
        }
    }
}

fn vendors_file(ctx: &mut Ctx<'_>, map: &Map, span: Span) -> Option<DataFile> {
    ctx.reject_unknown_keys(
        map,
        &["catalogue", "as-of", "vendors"],
        "a vendor catalogue",
    );
    let as_of = date_field(ctx, map, "as-of", span, "a vendor catalogue");
    let list = ctx
        .required(map, "vendors", span, "a vendor catalogue")
        .and_then(|e| ctx.list(&e.value, "`vendors`"))?;
    let mut vendors = Vec::new();
    for item in list {
        if let Some(vendor) = vendor(ctx, item) {
            if vendors.iter().any(|v: &Vendor| v.id == vendor.id) {
                ctx.error(item.span, format!("vendor `{}` is listed twice", vendor.id));
                continue;
            }
            vendors.push(vendor);
        }
    }
    Some(DataFile::Vendors {
        as_of: as_of?,
        vendors,
    })
}

const VENDOR_KEYS: [&str; 8] = [
    "id",
    "name",
    "baa",
    "note",
    "terraform-providers",
    "resource-prefixes",
    "hosts",
    "sources",
];

fn vendor(ctx: &mut Ctx<'_>, node: &Node) -> Option<Vendor> {
    let map = ctx.map(node, "a vendor")?;
    ctx.reject_unknown_keys(map, &VENDOR_KEYS, "a vendor");
    let id = ctx
        .required(map, "id", node.span, "a vendor")
        .and_then(|e| ctx.string(&e.value, "`id`"));
    let name = ctx
        .required(map, "name", node.span, "a vendor")
        .and_then(|e| ctx.string(&e.value, "`name`"));
    let note = ctx
        .required(map, "note", node.span, "a vendor")
        .and_then(|e| ctx.string(&e.value, "`note`"));
    let baa = ctx
        .required(map, "baa", node.span, "a vendor")
        .and_then(|e| {
            let word = ctx.string(&e.value, "`baa`")?;
            BaaOffer::from_name(&word).or_else(|| {
                ctx.error_hint(
                    e.value.span,
                    format!("unknown BAA offer `{word}`"),
                    format!("use one of: {}", BaaOffer::NAMES.join(", ")),
                );
                None
            })
        });
    let mut strings = |key: &str| -> Vec<String> {
        map.get(key)
            .and_then(|e| ctx.string_or_list(&e.value, &format!("`{key}`")))
            .unwrap_or_default()
            .into_iter()
            .map(|s| s.trim().to_ascii_lowercase())
            .collect()
    };
    let terraform_providers = strings("terraform-providers");
    let resource_prefixes = strings("resource-prefixes");
    let hosts = strings("hosts");
    let sources = map
        .get("sources")
        .and_then(|e| ctx.string_or_list(&e.value, "`sources`"))
        .unwrap_or_default();
    if terraform_providers.is_empty() && resource_prefixes.is_empty() && hosts.is_empty() {
        ctx.error(
            node.span,
            "a vendor needs at least one of `terraform-providers`, `resource-prefixes` or `hosts`",
        );
        return None;
    }
    Some(Vendor {
        id: id?,
        name: name?,
        baa: baa?,
        note: note?,
        terraform_providers,
        resource_prefixes,
        hosts,
        sources,
    })
}

fn services_file(ctx: &mut Ctx<'_>, map: &Map, span: Span) -> Option<DataFile> {
    const CONTEXT: &str = "an eligible-services list";
    ctx.reject_unknown_keys(
        map,
        &[
            "catalogue",
            "provider",
            "resource-prefix",
            "as-of",
            "source",
            "services",
        ],
        CONTEXT,
    );
    let provider = ctx
        .required(map, "provider", span, CONTEXT)
        .and_then(|e| ctx.string(&e.value, "`provider`"));
    let type_prefix = ctx
        .required(map, "resource-prefix", span, CONTEXT)
        .and_then(|e| ctx.string(&e.value, "`resource-prefix`"));
    let as_of = date_field(ctx, map, "as-of", span, CONTEXT);
    let source = ctx
        .required(map, "source", span, CONTEXT)
        .and_then(|e| ctx.string(&e.value, "`source`"));
    let list = ctx
        .required(map, "services", span, CONTEXT)
        .and_then(|e| ctx.list(&e.value, "`services`"))?;
    let mut entries = Vec::new();
    for item in list {
        let Some(entry_map) = ctx.map(item, "a service") else {
            continue;
        };
        ctx.reject_unknown_keys(
            entry_map,
            &["name", "eligible", "resource-prefixes"],
            "a service",
        );
        let name = ctx
            .required(entry_map, "name", item.span, "a service")
            .and_then(|e| ctx.string(&e.value, "`name`"));
        let eligibility = ctx
            .required(entry_map, "eligible", item.span, "a service")
            .and_then(|e| {
                let word = match &e.value.value {
                    safeguard_model::Value::Bool(true) => "yes".to_owned(),
                    safeguard_model::Value::Bool(false) => "no".to_owned(),
                    _ => ctx.string(&e.value, "`eligible`")?,
                };
                Eligibility::from_name(&word).or_else(|| {
                    ctx.error_hint(
                        e.value.span,
                        format!("unknown eligibility `{word}`"),
                        format!("use one of: {}", Eligibility::NAMES.join(", ")),
                    );
                    None
                })
            });
        let prefixes = ctx
            .required(entry_map, "resource-prefixes", item.span, "a service")
            .and_then(|e| ctx.string_or_list(&e.value, "`resource-prefixes`"));
        if let (Some(name), Some(eligibility), Some(resource_prefixes)) =
            (name, eligibility, prefixes)
        {
            entries.push(ServiceEntry {
                name,
                eligibility,
                resource_prefixes,
            });
        }
    }
    Some(DataFile::Services(ServiceList {
        provider: provider?,
        type_prefix: type_prefix?,
        as_of: as_of?,
        source: source?,
        entries,
    }))
}

/// A required `YYYY-MM-DD` date.
fn date_field(
    ctx: &mut Ctx<'_>,
    map: &Map,
    key: &str,
    span: Span,
    context: &str,
) -> Option<String> {
    let entry = ctx.required(map, key, span, context)?;
    let text = ctx.string(&entry.value, &format!("`{key}`"))?;
    if is_iso_date(&text) {
        Some(text)
    } else {
        ctx.error(
            entry.value.span,
            format!("`{key}` must be a date written YYYY-MM-DD, found `{text}`"),
        );
        None
    }
}

/// True for `YYYY-MM-DD` with a plausible month and day.
#[must_use]
pub fn is_iso_date(text: &str) -> bool {
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return false;
    }
    let digits = |range: std::ops::Range<usize>| text[range].bytes().all(|b| b.is_ascii_digit());
    if !(digits(0..4) && digits(5..7) && digits(8..10)) {
        return false;
    }
    let month: u32 = text[5..7].parse().unwrap_or(0);
    let day: u32 = text[8..10].parse().unwrap_or(0);
    (1..=12).contains(&month) && (1..=31).contains(&day)
}
