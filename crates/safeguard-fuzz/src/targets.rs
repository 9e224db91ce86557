//! The fuzz targets: each takes arbitrary bytes and drives one parser (and
//! what builds on it) the way a scan would. A target returns normally on
//! any input; a panic, an abort or a hang is the bug the driver looks for.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use safeguard_source::{SourceFile, decode};

/// Seeds taken from one matching file.
pub type Extract = fn(&Path, &[u8]) -> Vec<Vec<u8>>;

/// A fuzz target: its name, the seed files it starts from, and its body.
pub struct Target {
    pub name: &'static str,
    /// Whether a repository file seeds this target.
    pub seeds: fn(&Path) -> bool,
    /// The seeds a matching file gives (`None`: the file as it is), for
    /// inputs that live inside other files (policy examples, test sources)
    /// or are built around them (language-server sessions).
    pub extract: Option<Extract>,
    pub run: fn(&[u8]),
    /// Tokens the mutator splices in: what this format's parser branches on.
    pub tokens: &'static [&'static str],
}

pub const TARGETS: &[Target] = &[
    Target {
        name: "hcl",
        seeds: |p| p.extension().is_some_and(|e| e == "tf" || e == "tfvars"),
        extract: None,
        run: hcl,
        tokens: &[
            "{",
            "}",
            "[",
            "]",
            "(",
            ")",
            "${",
            "%{",
            "\"",
            "<<EOT\n",
            "\nEOT\n",
            "count = ",
            "for_each = ",
            "module \"m\" {\n  source = \"./m\"\n}\n",
            "source = \"../\"",
            "dynamic \"x\" {\n",
            "for k, v in ",
            "=>",
            "...",
            "each.key",
            "count.index",
            "var.",
            "local.",
            "module.m.",
            "try(",
            "lookup(",
            "merge(",
            "? :",
            "*",
            ".*",
            "[*]",
            "\n### FILE m/main.tf\n",
            "\n### FILE main.tf\n",
            "10000000",
            "-1",
            "1e400",
        ],
    },
    Target {
        name: "json",
        seeds: |p| p.extension().is_some_and(|e| e == "json"),
        extract: None,
        run: json,
        tokens: &[
            "{",
            "}",
            "[",
            "]",
            "\"",
            ":",
            ",",
            "null",
            "true",
            "1e999",
            "\\u0000",
            "\\ud800",
            "\"resource_changes\"",
            "\"planned_values\"",
            "\"root_module\"",
            "\"child_modules\"",
            "\"values\"",
            "\"after_unknown\"",
            "\"format_version\":\"1.0\"",
            "/*",
            "//",
        ],
    },
    Target {
        name: "postfix",
        seeds: |p| {
            p.file_name()
                .is_some_and(|n| n == "main.cf" || n == "master.cf")
        },
        extract: None,
        run: postfix,
        tokens: &[
            "$",
            "${",
            "$(",
            "}",
            ")",
            "${a?b}",
            "${a:b}",
            "$a",
            "a = $b\nb = $a\n",
            " = ",
            "\n ",
            "#",
            "-o ",
            "smtpd_tls_security_level",
            "relayhost = [x]:25\n",
            "inline:{ {a=b}, }",
            "hash:/etc/postfix/x",
            "compatibility_level = ",
            "\n--- master.cf ---\n",
            "smtp inet n - y - - smtpd\n",
            "{",
            "}",
            ",",
        ],
    },
    Target {
        name: "dovecot",
        seeds: |p| {
            p.extension().is_some_and(|e| e == "conf" || e == "ext")
                && p.to_string_lossy().contains("dovecot")
        },
        extract: None,
        run: dovecot,
        tokens: &[
            "{",
            "}",
            "\n",
            " = ",
            "<",
            "!include ",
            "!include_try ",
            "conf.d/*.conf",
            "$",
            "%{",
            "protocol imap {\n",
            "local 127.0.0.1 {\n",
            "remote ",
            "ssl = ",
            "\\\n",
            "\"",
            "#",
            "dovecot_config_version = 2.4.0\n",
            "@",
            "passdb {\n",
        ],
    },
    Target {
        name: "exim",
        seeds: |p| p.to_string_lossy().contains("exim"),
        extract: None,
        run: exim,
        tokens: &[
            ".ifdef ",
            ".ifndef ",
            ".elifdef ",
            ".else\n",
            ".endif\n",
            ".include ",
            "begin ",
            "routers\n",
            "transports\n",
            "authenticators\n",
            "acl\n",
            "driver = ",
            "\\\n",
            "${if ",
            "${run{",
            "}",
            "{",
            "==",
            " = ",
            "MACRO",
            "_HAVE_OPENSSL",
            "+",
            "!",
            "hostlist ",
            "domainlist ",
            ":",
            ";",
        ],
    },
    Target {
        name: "policy",
        seeds: |p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"),
        extract: None,
        run: policy,
        tokens: &[
            "&a ",
            "*a",
            "- ",
            ": ",
            "\n  ",
            "[",
            "]",
            "{",
            "}",
            "!!",
            "|\n",
            ">\n",
            "'",
            "\"",
            "all:\n",
            "any:\n",
            "not:\n",
            "attr: ",
            "equals: ",
            "matches: ",
            "(",
            "---\n",
            "referenced-by:\n",
            "exists-object:\n",
            "vendor-baa: ",
            "\t",
            "? ",
        ],
    },
    Target {
        name: "toml",
        seeds: |p| p.extension().is_some_and(|e| e == "toml") && !p.ends_with("Cargo.toml"),
        extract: None,
        run: toml,
        tokens: &[
            "[",
            "]",
            "[[",
            "]]",
            " = ",
            "\"",
            "'''",
            "{",
            "}",
            "[limits]\n",
            "max-file-size = ",
            "[[exceptions]]\n",
            "[[baa]]\n",
            "[[mail.paths]]\n",
            "[postfix]\n",
            "1979-05-27",
            "0",
            "-1",
            "18446744073709551616",
            "exclude = [\"**/[\"]\n",
        ],
    },
    Target {
        name: "tenant",
        seeds: tenant_seed_file,
        extract: Some(tenant_exports),
        run: tenant,
        tokens: &[
            "{",
            "}",
            "[",
            "]",
            "\"",
            ":",
            ",",
            "null",
            "[null]",
            "true",
            "1e999",
            "-1",
            "\"/Date(1700000000000)/\"",
            "\"/Date(-99999999999999999)/\"",
            "\"10675199.02:48:05.4775807\"",
            "\"module_version\": \"1.8.0\"",
            "\"Raw\": ",
            "\"AdvancedRule\": \"{\\\"Version\\\":\\\"1.0\\\"}\"",
            "\"topLevelOU\": \"Clinic\"",
            "\"policies\": ",
            "\"orgUnitPath\": \"/\"",
            "\"sortOrder\": ",
            "\"policyQuery\": ",
            "\"setting\": ",
            "\"ResourceName\": ",
            "\"ResourceInstanceName\": ",
            "safeguard-tenant: m365\n",
            "safeguard-tenant: gws\n",
            "objects:\n",
            "  m365.transport: ",
            "&a ",
            "*a",
            "v=spf1 include:",
        ],
    },
    Target {
        name: "dsc",
        seeds: tenant_seed_file,
        extract: Some(dsc_scripts),
        run: dsc,
        tokens: &[
            "Configuration X\n{\n",
            "Node localhost\n{\n",
            "Import-DscResource -ModuleName Microsoft365DSC\n",
            "EXOTransportConfig 'T'\n{\n",
            "{",
            "}",
            "(",
            ")",
            "@(",
            "@{",
            "'",
            "\"",
            "`",
            "$",
            "$True",
            "$False",
            "$null",
            "$ConfigurationData",
            " = ",
            ";",
            ",",
            "MSFT_",
            "New-CimInstance",
            "-ClassName",
            "#",
            "<#",
            "#>",
            "\n",
            "@'\n",
            "\n'@",
        ],
    },
    Target {
        name: "lsp",
        seeds: |p| {
            (p.extension().is_some_and(|e| e == "tf")
                && p.to_string_lossy().contains("testdata/clinic"))
                || p.file_name().is_some_and(|n| n == "main.cf")
        },
        extract: Some(crate::lsp::sessions),
        run: crate::lsp::run,
        tokens: crate::lsp::TOKENS,
    },
];

/// Bytes as a scan sees them: decoded, or nothing to do (a decode error is
/// a located error, already covered by the decoder's own tests).
fn text(bytes: &[u8]) -> Option<String> {
    decode(bytes).ok().map(|(text, _)| text)
}

/// Inputs of several files: `### FILE path` lines split them. Without a
/// marker the whole input is `default`.
fn files(text: &str, default: &str) -> BTreeMap<PathBuf, String> {
    let mut files = BTreeMap::new();
    let mut current = PathBuf::from(default);
    let mut body = String::new();
    for line in text.split_inclusive('\n') {
        if let Some(name) = line.strip_prefix("### FILE ") {
            files.insert(current, std::mem::take(&mut body));
            current = PathBuf::from(name.trim());
        } else {
            body.push_str(line);
        }
    }
    files.insert(current, body);
    files
}

/// Local modules served from the input's files, confined to them.
struct MemoryModules(BTreeMap<PathBuf, String>);

impl safeguard_terraform::ModuleLoader for MemoryModules {
    fn load(
        &self,
        caller_dir: &Path,
        source: &str,
    ) -> Result<safeguard_terraform::LoadedModule, String> {
        let dir = clean(&caller_dir.join(source));
        if dir.starts_with("..") {
            return Err("leaves the root".to_owned());
        }
        let files: Vec<SourceFile> = self
            .0
            .iter()
            .filter(|(path, _)| path.parent() == Some(dir.as_path()))
            .map(|(path, text)| SourceFile::new(path, text.as_str()))
            .collect();
        if files.is_empty() {
            return Err("no such module".to_owned());
        }
        Ok(safeguard_terraform::LoadedModule {
            dir,
            files,
            errors: Vec::new(),
        })
    }
}

fn clean(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut parts: Vec<Component<'_>> = Vec::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir if matches!(parts.last(), Some(Component::Normal(_))) => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    parts.into_iter().collect()
}

/// HCL module loading and evaluation: the root module's files (those with
/// no directory), local modules from the other files.
fn hcl(bytes: &[u8]) {
    let Some(text) = text(bytes) else { return };
    let files = files(&text, "main.tf");
    let root: Vec<SourceFile> = files
        .iter()
        .filter(|(p, _)| {
            p.parent() == Some(Path::new("")) && p.extension().is_some_and(|e| e == "tf")
        })
        .map(|(p, t)| SourceFile::new(p, t.as_str()))
        .collect();
    let vars: Vec<safeguard_terraform::VarSource> = files
        .iter()
        .filter(|(p, _)| p.extension().is_some_and(|e| e == "tfvars"))
        .map(|(p, t)| safeguard_terraform::VarSource::Tfvars(SourceFile::new(p, t.as_str())))
        .collect();
    let loader = MemoryModules(files);
    let document = safeguard_terraform::root_module_document_with_limits(
        "fuzz",
        Path::new(""),
        root,
        &vars,
        Some(&loader),
        safeguard_terraform::Limits::default(),
    );
    std::hint::black_box(document);
}

/// JSON: the strict reader, then a plan or state when it looks like one.
fn json(bytes: &[u8]) {
    let Some(text) = text(bytes) else { return };
    let file = SourceFile::new("plan.json", text.as_str());
    std::hint::black_box(safeguard_json::parse_json(&file).ok());
    if safeguard_terraform::looks_like_plan(file.text()) {
        std::hint::black_box(safeguard_terraform::plan_document(file));
    }
}

/// Postfix main.cf (and master.cf after the example marker), with
/// effective settings, next hops and `postconf -n` rendering.
fn postfix(bytes: &[u8]) {
    let Some(text) = text(bytes) else { return };
    let document = safeguard_workspace::parse_snippet(safeguard_model::Format::Postfix, &text);
    std::hint::black_box(document.ok());
    let main = SourceFile::new("main.cf", text.as_str());
    let parsed = safeguard_mail::parse_main_cf(&main);
    std::hint::black_box(safeguard_mail::render_postconf_n(&parsed, None));
}

/// Includes served from the input's files.
struct MemoryIncludes(BTreeMap<PathBuf, String>);

impl safeguard_mail::IncludeLoader for MemoryIncludes {
    fn load(&self, including_file: &Path, pattern: &str) -> Result<Vec<SourceFile>, String> {
        let base = including_file.parent().unwrap_or(Path::new(""));
        let wanted = clean(&base.join(pattern.trim_start_matches('/')));
        if wanted.starts_with("..") {
            return Err("outside the root".to_owned());
        }
        let (dir, name) = (
            wanted.parent().unwrap_or(Path::new("")).to_path_buf(),
            wanted
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        );
        let glob = |candidate: &str| match name.split_once('*') {
            Some((prefix, suffix)) => candidate.starts_with(prefix) && candidate.ends_with(suffix),
            None => candidate == name,
        };
        Ok(self
            .0
            .iter()
            .filter(|(path, _)| {
                path.parent() == Some(dir.as_path())
                    && path.file_name().is_some_and(|n| glob(&n.to_string_lossy()))
            })
            .map(|(path, text)| SourceFile::new(path, text.as_str()))
            .collect())
    }
}

fn dovecot(bytes: &[u8]) {
    let Some(text) = text(bytes) else { return };
    let files = files(&text, "dovecot.conf");
    let main = SourceFile::new(
        "dovecot.conf",
        files
            .get(Path::new("dovecot.conf"))
            .map_or("", String::as_str),
    );
    let loader = MemoryIncludes(files.clone());
    std::hint::black_box(safeguard_mail::dovecot_document(
        "fuzz",
        main,
        Some(&loader),
    ));
}

fn exim(bytes: &[u8]) {
    let Some(text) = text(bytes) else { return };
    let files = files(&text, "exim.conf");
    let main = SourceFile::new(
        "exim.conf",
        files.get(Path::new("exim.conf")).map_or("", String::as_str),
    );
    let loader = MemoryIncludes(files.clone());
    std::hint::black_box(safeguard_mail::exim_document("fuzz", main, Some(&loader)));
}

/// A policy file, compiled (and its examples parsed as the policy test would).
fn policy(bytes: &[u8]) {
    let Some(text) = text(bytes) else { return };
    let set = safeguard_policy::load_sources(vec![(PathBuf::from("policies/fuzz.yaml"), text)]);
    for policy in &set.policies {
        for example in policy.examples.pass.iter().chain(&policy.examples.fail) {
            let _ = safeguard_workspace::parse_snippet(policy.applies_to.format, &example.text);
        }
    }
    std::hint::black_box(set);
}

/// `safeguard.toml`, through the real loader (it reads a file).
fn toml(bytes: &[u8]) {
    thread_local! {
        static DIR: std::path::PathBuf = {
            let dir = std::env::temp_dir().join(format!("safeguard-fuzz-toml-{}", std::process::id()));
            let _ = std::fs::create_dir_all(&dir);
            dir
        };
    }
    DIR.with(|dir| {
        let path = dir.join("safeguard.toml");
        if std::fs::write(&path, bytes).is_ok() {
            std::hint::black_box(safeguard_workspace::load_config(&path).ok());
        }
    });
}

/// Files whose contents carry tenant exports: the tenant policies' examples
/// (every reader: ScubaGear, ScubaGoggles, the Policy API list, DSC scripts
/// and reports, native YAML) and the string literals of the tenant tests.
fn tenant_seed_file(path: &Path) -> bool {
    let shown = path.to_string_lossy();
    (path.extension().is_some_and(|e| e == "yaml") && shown.contains("policies/tenant/"))
        || (path.extension().is_some_and(|e| e == "rs")
            && (shown.contains("safeguard-tenant/") || shown.ends_with("tests/tenant.rs")))
}

/// The texts a tenant seed file holds: a policy's examples, or the raw
/// string literals (`r#"…"#`) of a Rust test.
fn embedded_texts(path: &Path, bytes: &[u8]) -> Vec<String> {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Vec::new();
    };
    if path.extension().is_some_and(|e| e == "rs") {
        let mut out = Vec::new();
        let mut rest = text;
        while let Some(start) = rest.find("r#\"") {
            let body = &rest[start + 3..];
            let Some(end) = body.find("\"#") else { break };
            out.push(body[..end].to_owned());
            rest = &body[end + 2..];
        }
        return out;
    }
    let set = safeguard_policy::load_sources(vec![(path.to_path_buf(), text.to_owned())]);
    set.policies
        .iter()
        .flat_map(|p| p.examples.pass.iter().chain(&p.examples.fail))
        .map(|e| e.text.clone())
        .collect()
}

fn tenant_exports(path: &Path, bytes: &[u8]) -> Vec<Vec<u8>> {
    embedded_texts(path, bytes)
        .into_iter()
        .filter(|t| {
            safeguard_tenant::looks_like_tenant_json(t)
                || safeguard_tenant::looks_like_native_yaml(t)
        })
        .map(String::into_bytes)
        .collect()
}

fn dsc_scripts(path: &Path, bytes: &[u8]) -> Vec<Vec<u8>> {
    embedded_texts(path, bytes)
        .into_iter()
        .filter(|t| safeguard_tenant::looks_like_dsc(t))
        .map(String::into_bytes)
        .collect()
}

/// A tenant export as a scan reads it: JSON (ScubaGear, ScubaGoggles, the
/// Policy API list, a DSC report) or native YAML, by content.
fn tenant(bytes: &[u8]) {
    let Some(text) = text(bytes) else { return };
    let name = if safeguard_tenant::looks_like_native_yaml(&text)
        && !text.trim_start().starts_with(['{', '['])
    {
        "tenant.yaml"
    } else {
        "export.json"
    };
    std::hint::black_box(safeguard_tenant::tenant_document(SourceFile::new(
        name,
        text.as_str(),
    )));
}

/// A Microsoft365DSC configuration script, as a scan reads a `.ps1`.
fn dsc(bytes: &[u8]) {
    let Some(text) = text(bytes) else { return };
    std::hint::black_box(safeguard_tenant::tenant_document(SourceFile::new(
        "M365TenantConfig.ps1",
        text.as_str(),
    )));
}
