//! Helpers shared by the integration tests.
#![allow(dead_code)] // each test binary uses its own subset

use std::path::{Path, PathBuf};

use safeguard_mail::{PostfixOptions, postfix_document};
use safeguard_model::{Document, Object, Value};
use safeguard_source::SourceFile;

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// The repository's sibling `shared/fixtures/mail/NAME`.
pub fn shared(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures/mail")
        .join(name)
}

pub fn read(path: &Path) -> SourceFile {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    SourceFile::new(path, text)
}

pub fn dir_document(dir: &Path, options: &PostfixOptions) -> Document {
    postfix_document(
        "postfix",
        read(&dir.join("main.cf")),
        Some(read(&dir.join("master.cf"))),
        options,
    )
}

pub fn text_document(main: &str, master: Option<&str>, options: &PostfixOptions) -> Document {
    postfix_document(
        "postfix",
        SourceFile::new("main.cf", main),
        master.map(|m| SourceFile::new("master.cf", m)),
        options,
    )
}

pub fn object<'a>(doc: &'a Document, address: &str) -> &'a Object {
    doc.objects
        .iter()
        .find(|o| o.address == address)
        .unwrap_or_else(|| panic!("no object {address}; have {:?}", addresses(doc)))
}

pub fn addresses(doc: &Document) -> Vec<(&str, &str)> {
    doc.objects
        .iter()
        .map(|o| (o.kind.as_str(), o.address.as_str()))
        .collect()
}

pub fn attr(doc: &Document, address: &str, name: &str) -> Value {
    object(doc, address)
        .attrs
        .get(name)
        .unwrap_or_else(|| panic!("{address} has no {name}"))
        .value
        .value
        .clone()
}

pub fn string(doc: &Document, address: &str, name: &str) -> String {
    match attr(doc, address, name) {
        Value::String(s) => s,
        other => panic!("{address}.{name} is {other}, not a string"),
    }
}

pub fn boolean(doc: &Document, address: &str, name: &str) -> bool {
    match attr(doc, address, name) {
        Value::Bool(b) => b,
        other => panic!("{address}.{name} is {other}, not a bool"),
    }
}

/// Where a parameter's value came from (`sources.NAME`).
pub fn source(doc: &Document, address: &str, name: &str) -> String {
    let sources = attr(doc, address, "sources");
    let map = sources.as_map().expect("sources is a map");
    map.get(name)
        .and_then(|e| e.value.value.as_str().map(str::to_owned))
        .unwrap_or_else(|| panic!("{address}.sources has no {name}"))
}

/// The source text an attribute's value span covers, in the file it names
/// (its object's file unless the node has an origin).
pub fn value_text<'a>(doc: &'a Document, address: &str, name: &str) -> &'a str {
    let object = object(doc, address);
    let entry = object.attrs.get(name).expect("attribute");
    let file = entry.value.origin.map_or(object.file, |f| f as usize);
    doc.files[file].slice(entry.value.span)
}

/// The file index an attribute's value points into.
pub fn value_file(doc: &Document, address: &str, name: &str) -> usize {
    let object = object(doc, address);
    let entry = object.attrs.get(name).expect("attribute");
    entry.value.origin.map_or(object.file, |f| f as usize)
}

/// Fails with a line diff (LCS) when a real tool's output and ours differ.
pub fn assert_same_output(tool: &str, what: &str, expected: &str, actual: &str) {
    assert!(
        expected == actual,
        "{what} differs:\n{}",
        diff(tool, expected, actual)
    );
}

/// A unified-style diff of two texts, line by line (LCS), for failures.
pub fn diff(tool: &str, expected: &str, actual: &str) -> String {
    let a: Vec<&str> = expected.lines().collect();
    let b: Vec<&str> = actual.lines().collect();
    let mut lcs = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut out = format!("--- {tool}\n+++ safeguard\n");
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            out.push_str(&format!("  {}\n", a[i]));
            i += 1;
            j += 1;
        } else if j < b.len() && (i == a.len() || lcs[i][j + 1] >= lcs[i + 1][j]) {
            out.push_str(&format!("+ {}\n", b[j]));
            j += 1;
        } else {
            out.push_str(&format!("- {}\n", a[i]));
            i += 1;
        }
    }
    out
}
