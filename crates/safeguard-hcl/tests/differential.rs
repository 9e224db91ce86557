//! Holds the parser to `hcl-edit`'s: on every Terraform file in the
//! repository and the shared fixtures, and on texts chosen for the corners of
//! the grammar, both parsers must accept the same texts and build the same
//! tree (kinds, values, spans and strip markers). Where the two differ on
//! purpose, the texts live in `errors.rs` with the reason. One difference is
//! left out of this comparison: we apply `~` strip markers to the text
//! beside them and `hcl-edit` does not, so none of the texts here has a
//! marker next to text (`tests/templates.rs` in safeguard-terraform holds
//! the marked texts to Terraform's own results).

mod common;

use std::path::{Path, PathBuf};

fn terraform_files(root: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(root) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if path.is_dir() {
            if name != "target" && !name.starts_with('.') && name != "node_modules" {
                terraform_files(&path, out);
            }
        } else if name.ends_with(".tf") || name.ends_with(".tfvars") {
            out.push(path);
        }
    }
}

fn same_as_hcl_edit(label: &str, text: &str) {
    match (common::ours(text), common::theirs(text)) {
        (Ok(ours), Ok(theirs)) => {
            assert_eq!(ours, theirs, "trees differ for {label}:\n{text}");
        }
        (Err(_), Err(_)) => {}
        (ours, theirs) => panic!(
            "only one parser accepts {label}:\nours: {:?}\nhcl-edit: {:?}\n{text}",
            ours.err(),
            theirs.err()
        ),
    }
}

#[test]
fn every_terraform_file_in_the_repository_and_fixtures() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = Vec::new();
    terraform_files(&root, &mut files);
    terraform_files(&root.join("../shared/fixtures"), &mut files);
    if let Some(extra) = std::env::var_os("SAFEGUARD_HCL_CORPUS") {
        // Tests run in the crate's directory: a relative path given at the
        // workspace root would otherwise compare nothing, silently.
        let extra = Path::new(&extra);
        assert!(
            extra.is_dir(),
            "SAFEGUARD_HCL_CORPUS={} is not a directory (from {}); give an absolute path",
            extra.display(),
            std::env::current_dir().unwrap_or_default().display()
        );
        let before = files.len();
        terraform_files(extra, &mut files);
        assert!(
            files.len() > before,
            "no .tf or .tfvars files under {}",
            extra.display()
        );
    }
    assert!(files.len() > 20, "found only {} files", files.len());
    for file in &files {
        let Ok(text) = std::fs::read_to_string(file) else {
            continue;
        };
        same_as_hcl_edit(&file.display().to_string(), &text);
    }
}

const CORNERS: &[&str] = &[
    "",
    "\n\n",
    "a = 1",
    "a = 1\n",
    "a = -1\nb = - 2\nc = -x\nd = !x\ne = -1.5e3\nf = 1E+2\ng = 0.25\n",
    "a = 18446744073709551615\nb = 18446744073709551616\n",
    "a = null\nb = true\nc = false\nd = nullable\n",
    "a = \"plain\"\nb = \"\"\nc = \"esc \\n \\t \\\\ \\\" \\u00e9 \\U0001F600\"\n",
    "a = \"${x}\"\nb = \"pre ${x} post\"\nc = \"$${not} %%{not}\"\nd = \"${ x ~}\"\n",
    "a = \"%{ if x }yes%{ else }no%{ endif }\"\n",
    "a = \"%{ for k, v in m }${k}=${v},%{ endfor }\"\n",
    "a = \"%{~ for v in l ~}${v}%{~ endfor ~}\"\n",
    // Markers with no text beside them: the flags must agree.
    "a = \"%{ if x ~}%{~ else }%{ endif ~}${~ y }%{~ for v in l }${v ~}%{ endfor }\"\n",
    "a = <<EOT\n%{~ if x }${y}%{~ else ~}%{ endif }\nEOT\n",
    "a = <<EOT\nline one\n  line ${two}\nEOT\n",
    "a = <<-EOT\n    four\n      six\n    EOT\n",
    "a = <<-EOT\n    x ${y}\n      z\n  EOT\n",
    "a = <<-EOT\n\t\ttabbed\n\t\tEOT\n",
    "a = <<EOT\n%{ for v in l }\n${v}\n%{ endfor }\nEOT\n",
    "a = <<EOT\nEOTX\nEOT\n",
    "a = <<EOT\r\nwindows\r\nEOT\r\n",
    "a = [1, 2, 3]\nb = []\nc = [\n  1,\n  2,\n]\n",
    "a = { x = 1, y = \"two\" }\nb = {}\nc = {\n  x = 1\n  y = 2 # comment\n  z = 3 // comment\n}\n",
    "a = { \"k\" = 1, (var.x) = 2, x.y = 3 }\n",
    "a = { k: 1, j: 2 }\n",
    "a = x.y.z\nb = x[0]\nc = x.0.y\nd = x[*].id\ne = x.*.id\nf = x[\"k\"][1]\n",
    "a = x . y\nb = x [0]\n",
    "a = f()\nb = f(1)\nc = f(1, 2,)\nd = f(l...)\ne = provider::aws::arn_parse(x)\nf = f (1)\n",
    "a = f(\n  1,\n  2\n)\n",
    "a = 1 + 2 * 3\nb = (1 + 2) * 3\nc = a && b || c\nd = a == b != c\ne = 1 - 2 - 3\nf = a < b\ng = a >= b\nh = 10 % 3 / 2\n",
    "a = x ? y : z\nb = x ? y : z ? w : v\nc = a == 1 ? \"one\" : \"other\"\n",
    "a = [for v in l : v]\nb = [for i, v in l : v if v != null]\nc = {for k, v in m : k => v}\nd = {for k, v in m : v => k...}\ne = {for k, v in m : k => v if v}\n",
    "a = [\n  for v in l :\n  upper(v)\n]\n",
    "a = [format(\"%s\", x)]\nb = {format = 1}\n",
    "a = x # trailing\nb = y // trailing\nc = z /* inline */\n/* block\ncomment */\nd = 1\n",
    "resource \"aws_s3_bucket\" \"b\" {\n  bucket = \"x\"\n}\n",
    "resource aws_s3_bucket b {\n  bucket = \"x\"\n}\n",
    "locals {}\nlocals { a = 1 }\nterraform { }\n",
    "a \"b\" {\n  c {\n    d = 1\n  }\n  e \"f\" \"g\" {\n  }\n}\n",
    "block { # comment\n  a = 1\n}\n",
    "a = 1\r\nb = 2\r\n",
    "a = \"x\"  \n",
    "ünïcode = 1\nb = ünïcode.ä\n",
    "a = (\n  1\n  +\n  2\n)\n",
    "a = [1,\n2]\n",
    "a = x[\n  0\n]\n",
    // Texts both must refuse.
    "a = \n",
    "a = 1\na = 2\n",
    "a = \"unterminated\n",
    "a = \"\\q\"\n",
    "a = [1, 2\n",
    "a = f(1,,2)\n",
    "a = x.\n",
    "a = 1 +\n",
    "a = x ? y\n",
    "a = <<EOT\nno end\n",
    "block {\n  a = 1\n",
    "a = 1 b = 2\n",
    "}\n",
    "a = 1e\n",
    "a = \"${\"\n",
    "a = \"%{ if x }no end\"\n",
    "block \"${x}\" {\n}\n",
    "block { b {} }\n",
];

#[test]
fn corners_of_the_grammar() {
    for (i, text) in CORNERS.iter().enumerate() {
        same_as_hcl_edit(&format!("corner {i}"), text);
    }
}

/// Where we follow hashicorp/hcl (Terraform's parser) and hcl-edit does
/// not: an object constructor may repeat a key. HCL evaluates `{ x = 1, x
/// = 2 }` to `{ x = 2 }` (checked with scripts/hcl-oracle's program), and
/// terraform-google-modules/sql-db's examples repeat a key; hcl-edit
/// refuses it.
#[test]
fn a_repeated_object_key_is_accepted_where_hcl_edit_refuses_it() {
    for text in [
        "a = {x = 1, x = 2}\n",
        "a = {\n  x = 1\n  y = 2\n  x = 3\n}\n",
    ] {
        assert!(common::ours(text).is_ok(), "{text}");
        assert!(common::theirs(text).is_err(), "{text}");
    }
}
