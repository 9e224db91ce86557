//! The tenant crate reads Microsoft 365 and Google Workspace settings
//! exports into one normalized model, so a policy is written once against
//! `m365.*` or `gws.*` objects whichever tool produced the file: CISA
//! ScubaGear's `ProviderSettingsExport.json` (or `ScubaResults_*.json`'s
//! `Raw`), CISA ScubaGoggles' `ScubaResults_*.json` (`Raw.policies` by org
//! unit, with inheritance from the top unit) and the Policy API list it
//! reduces, Microsoft365DSC configuration scripts (a restricted parser of the
//! DSC subset; nothing is ever run) and JSON reports, and a native YAML/JSON
//! format. Formats are recognised by content. Every normalized attribute
//! keeps the span of the source value it came from; a setting an export did
//! not collect is unknown with the reason, never a failure; a malformed file
//! is a located error and never stops a scan.

mod builder;
mod collect;
mod dsc;
mod kinds;
mod m365;
mod native;
mod ps1;
mod ps1_lex;
mod scubagear;
mod scubagoggles;
mod values;

use safeguard_model::{Document, Format, Map, Node};
use safeguard_source::{SourceFile, Span};

use crate::builder::Sink;
use crate::values::lookup;

pub use kinds::{KINDS, attrs_of};

/// The kinds of file this crate reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TenantSource {
    ScubaGear,
    ScubaGoggles,
    GooglePolicyApi,
    DscScript,
    DscReport,
    Native,
}

/// Cheap content checks, so a scan reads only files that may be exports:
/// a JSON file naming keys only a tenant export has.
#[must_use]
pub fn looks_like_tenant_json(text: &str) -> bool {
    scubagear::MARKERS.iter().any(|m| text.contains(m))
        || text.contains("\"topLevelOU\"")
        || (text.contains("\"policyQuery\"") && text.contains("\"setting\""))
        || text.contains("\"ResourceInstanceName\"")
        || text.contains("\"safeguard-tenant\"")
}

/// A PowerShell script is read when it is a Microsoft365DSC configuration.
#[must_use]
pub fn looks_like_dsc(text: &str) -> bool {
    let lower_has = |needle: &str| {
        text.as_bytes()
            .windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
    };
    lower_has("microsoft365dsc") && lower_has("configuration")
}

/// A YAML file is read when a line starts with `safeguard-tenant:`.
#[must_use]
pub fn looks_like_native_yaml(text: &str) -> bool {
    text.lines().any(|l| l.starts_with("safeguard-tenant:"))
}

/// Reads one tenant file into its document; every problem is a located
/// error in the document.
#[must_use]
pub fn tenant_document(file: SourceFile) -> Document {
    let text = file.text();
    let first = text.trim_start().chars().next();
    let is_yaml = matches!(
        file.path().extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml")
    ) || (first != Some('{') && first != Some('[') && looks_like_native_yaml(text));
    if is_yaml {
        yaml_document(file)
    } else if matches!(first, Some('{' | '[')) {
        json_document(file)
    } else {
        dsc_script_document(file)
    }
}

fn finish(sink: Sink, format: Format) -> Document {
    let mut document = Document::new(format, sink.file.path().display().to_string());
    document.add_file(sink.file);
    document.objects = sink.objects;
    document.errors = sink.errors;
    document
}

fn whole(text: &str) -> Span {
    Span::new(0, u32::try_from(text.len()).unwrap_or(u32::MAX))
}

/// A Microsoft365DSC configuration script.
fn dsc_script_document(file: SourceFile) -> Document {
    let mut sink = Sink::new(file.clone());
    let (resources, errors) = ps1::parse(file.text());
    for error in errors {
        sink.error(error.span, error.message);
    }
    dsc::read(&mut sink, &resources, "m365dsc", whole(file.text()));
    finish(sink, Format::M365)
}

fn json_document(file: SourceFile) -> Document {
    let mut sink = Sink::new(file.clone());
    let root = match safeguard_json::parse_json(&file) {
        Ok(root) => root,
        Err(err) => {
            sink.error(err.span, format!("invalid JSON: {}", err.message));
            let format = if file.text().contains("\"topLevelOU\"")
                || file.text().contains("\"policyQuery\"")
            {
                Format::GoogleWorkspace
            } else {
                Format::M365
            };
            return finish(sink, format);
        }
    };
    let format = read_tree(&mut sink, &root);
    finish(sink, format)
}

fn yaml_document(file: SourceFile) -> Document {
    let mut sink = Sink::new(file.clone());
    let docs = match safeguard_yaml::parse_documents(&file) {
        Ok(docs) => docs,
        Err(err) => {
            sink.error(err.span, format!("invalid YAML: {}", err.message));
            return finish(sink, Format::M365);
        }
    };
    let Some(root) = docs.first() else {
        sink.error(Span::default(), "empty YAML file");
        return finish(sink, Format::M365);
    };
    let format = read_tree(&mut sink, root);
    finish(sink, format)
}

/// Recognises a parsed tree by its shape and reads it.
fn read_tree(sink: &mut Sink, root: &Node) -> Format {
    if let Some(list) = root.value.as_list()
        && (list.iter().any(|i| {
            i.value
                .as_map()
                .is_some_and(|m| lookup(m, "ResourceName").is_some())
        }) || list.is_empty())
    {
        let resources = dsc::report_resources(sink, root);
        dsc::read(sink, &resources, "m365dsc-json", root.span);
        return Format::M365;
    }
    let Some(top) = root.value.as_map() else {
        sink.error(
            root.span,
            "not a tenant export: expected a JSON object (or a Microsoft365DSC report array)",
        );
        return Format::M365;
    };
    // `ScubaResults_*.json` carries the provider export in `Raw`.
    let (top, span): (&Map, Span) = match lookup(top, "Raw") {
        Some(raw) => match raw.value.value.as_map() {
            Some(map) => (map, raw.value.span),
            None => {
                sink.error(
                    raw.value.span,
                    format!(
                        "`Raw` is {}; expected the provider export object",
                        raw.value.value.type_name()
                    ),
                );
                return Format::M365;
            }
        },
        None => (top, root.span),
    };
    if native::is_native(top) {
        return native::read(sink, top, span);
    }
    if let Some(raw) = scubagoggles::raw_of(top) {
        scubagoggles::read_raw(sink, raw);
        return Format::GoogleWorkspace;
    }
    if scubagoggles::is_policy_api(top) {
        scubagoggles::read_policy_api(sink, top);
        return Format::GoogleWorkspace;
    }
    if scubagear::is_export(top) {
        scubagear::read(sink, top, span);
        return Format::M365;
    }
    sink.error(
        Span::new(span.start, span.start + 1),
        "not a tenant export safeguard recognises (ScubaGear, ScubaGoggles, Microsoft365DSC or the native format)",
    );
    Format::M365
}

/// Which reader a parsed file went through, for messages and tests.
#[must_use]
pub fn source_of(document: &Document) -> Option<TenantSource> {
    let tenant = document.objects.iter().find(|o| o.kind == "m365.tenant");
    if document.format == Format::GoogleWorkspace {
        return Some(
            if document
                .files
                .first()
                .is_some_and(|f| f.text().contains("\"policyQuery\""))
            {
                TenantSource::GooglePolicyApi
            } else {
                TenantSource::ScubaGoggles
            },
        );
    }
    let source = tenant?
        .attrs
        .get("source")?
        .value
        .value
        .as_str()?
        .to_owned();
    Some(match source.as_str() {
        "scubagear" => TenantSource::ScubaGear,
        "m365dsc" => TenantSource::DscScript,
        "m365dsc-json" => TenantSource::DscReport,
        _ => TenantSource::Native,
    })
}
