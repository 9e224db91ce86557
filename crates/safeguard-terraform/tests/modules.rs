//! Local modules: evaluated with the caller's arguments, addressed
//! `module.NAME.…`, outputs flowing back, never fetched when remote.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use safeguard_model::{Document, Value};
use safeguard_source::{ColumnUnit, SourceFile};
use safeguard_terraform::{LoadedModule, ModuleLoader, root_module_document};

/// Modules kept in memory: directory → files.
struct Memory(HashMap<PathBuf, Vec<(&'static str, &'static str)>>);

impl ModuleLoader for Memory {
    fn load(&self, caller_dir: &Path, source: &str) -> Result<LoadedModule, String> {
        let mut dir = caller_dir.to_path_buf();
        for part in source.split('/') {
            match part {
                "." | "" => {}
                ".." => {
                    dir.pop();
                }
                other => dir.push(other),
            }
        }
        let files = self
            .0
            .get(&dir)
            .ok_or_else(|| format!("no module at {}", dir.display()))?;
        let files = files
            .iter()
            .map(|(name, text)| SourceFile::new(dir.join(name), *text))
            .collect();
        Ok(LoadedModule {
            dir,
            files,
            errors: Vec::new(),
        })
    }
}

fn root(text: &'static str, modules: Vec<(&str, Vec<(&'static str, &'static str)>)>) -> Document {
    let loader = Memory(
        modules
            .into_iter()
            .map(|(dir, files)| (PathBuf::from(dir), files))
            .collect(),
    );
    root_module_document(
        "infra",
        Path::new("infra"),
        vec![SourceFile::new("infra/main.tf", text)],
        &[],
        Some(&loader),
    )
}

const DB_MODULE: (&str, &str) = (
    "main.tf",
    r#"variable "encrypted" {
  default = true
}
variable "name" {}
resource "aws_db_instance" "this" {
  identifier        = var.name
  storage_encrypted = var.encrypted
}
output "id" { value = aws_db_instance.this.identifier }
"#,
);

fn addresses(doc: &Document) -> Vec<&str> {
    doc.objects.iter().map(|o| o.address.as_str()).collect()
}

fn object_attr(doc: &Document, address: &str, name: &str) -> Value {
    let object = doc
        .objects
        .iter()
        .find(|o| o.address == address)
        .unwrap_or_else(|| panic!("no {address} in {:?}", addresses(doc)));
    object
        .attrs
        .get(name)
        .map_or(Value::Null, |e| e.value.value.clone())
}

#[test]
fn a_module_called_twice_is_evaluated_with_each_callers_arguments() {
    let doc = root(
        r#"module "billing" {
  source    = "./modules/db"
  name      = "billing"
  encrypted = false
}
module "clinical" {
  source = "./modules/db"
  name   = "clinical"
}
output "billing_id" { value = module.billing.id }
"#,
        vec![("infra/modules/db", vec![DB_MODULE])],
    );
    assert!(doc.errors.is_empty(), "{:?}", doc.errors);
    assert_eq!(
        object_attr(
            &doc,
            "module.billing.aws_db_instance.this",
            "storage_encrypted"
        ),
        Value::Bool(false)
    );
    assert_eq!(
        object_attr(
            &doc,
            "module.clinical.aws_db_instance.this",
            "storage_encrypted"
        ),
        Value::Bool(true)
    );
    assert_eq!(
        object_attr(&doc, "output.billing_id", "value"),
        Value::String("billing".into())
    );
    assert_eq!(
        doc.included_dirs,
        vec![
            PathBuf::from("infra/modules/db"),
            PathBuf::from("infra/modules/db")
        ]
    );

    // The argument keeps the caller's location.
    let object = doc
        .objects
        .iter()
        .find(|o| o.address == "module.billing.aws_db_instance.this")
        .unwrap();
    let value = &object.attrs.get("storage_encrypted").unwrap().value;
    let origin = value.origin.expect("written in the caller") as usize;
    let file = &doc.files[origin];
    assert_eq!(file.path(), Path::new("infra/main.tf"));
    assert_eq!(file.slice(value.span), "false");
    let lc = file
        .line_index()
        .line_column(value.span.start, file.text(), ColumnUnit::Chars);
    assert_eq!((lc.line, lc.column), (4, 15));
    // Objects of the module live in the module's file.
    assert_eq!(
        doc.files[object.file].path(),
        Path::new("infra/modules/db/main.tf")
    );
}

#[test]
fn nested_modules_and_for_each_calls_get_full_addresses() {
    let doc = root(
        r#"module "stack" {
  for_each = toset(["a", "b"])
  source   = "./stack"
  name     = each.key
}
"#,
        vec![
            (
                "infra/stack",
                vec![(
                    "main.tf",
                    "variable \"name\" {}\nmodule \"db\" {\n  source = \"../modules/db\"\n  name   = \"${var.name}-db\"\n}\n",
                )],
            ),
            ("infra/modules/db", vec![DB_MODULE]),
        ],
    );
    assert!(doc.errors.is_empty(), "{:?}", doc.errors);
    let dbs: Vec<&str> = addresses(&doc)
        .into_iter()
        .filter(|a| a.ends_with("aws_db_instance.this"))
        .collect();
    assert_eq!(
        dbs,
        vec![
            "module.stack[\"a\"].module.db.aws_db_instance.this",
            "module.stack[\"b\"].module.db.aws_db_instance.this"
        ]
    );
    assert_eq!(
        object_attr(
            &doc,
            "module.stack[\"b\"].module.db.aws_db_instance.this",
            "identifier"
        ),
        Value::String("b-db".into())
    );
}

#[test]
fn remote_modules_are_never_fetched_and_their_outputs_are_unknown() {
    let doc = root(
        "module \"vpc\" {\n  source = \"terraform-aws-modules/vpc/aws\"\n}\noutput \"id\" { value = module.vpc.vpc_id }\n",
        vec![],
    );
    assert!(doc.errors.is_empty(), "{:?}", doc.errors);
    let Value::Unknown(id) = object_attr(&doc, "output.id", "value") else {
        panic!()
    };
    assert_eq!(
        id.reason,
        "module.vpc comes from `terraform-aws-modules/vpc/aws`, which is never fetched"
    );
    assert_eq!(id.references, vec!["module.vpc".to_owned()]);
}

#[test]
fn missing_module_and_module_cycles_are_located_errors() {
    let doc = root("module \"gone\" {\n  source = \"./nowhere\"\n}\n", vec![]);
    assert_eq!(doc.errors.len(), 1);
    assert_eq!(
        doc.errors[0].message,
        "module.gone: no module at infra/nowhere"
    );
    let doc = root(
        "module \"a\" {\n  source = \"./a\"\n}\n",
        vec![
            (
                "infra",
                vec![("main.tf", "module \"a\" {\n  source = \"./a\"\n}\n")],
            ),
            (
                "infra/a",
                vec![("main.tf", "module \"back\" {\n  source = \"../\"\n}\n")],
            ),
        ],
    );
    let messages: Vec<&str> = doc.errors.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(
        messages,
        vec!["module.back calls `../`, which calls it back (a module cycle); not read"]
    );
}

#[test]
fn an_unknown_module_count_keeps_its_objects_as_maybe_existing() {
    let doc = root(
        "variable \"n\" {}\nmodule \"db\" {\n  count  = var.n\n  source = \"./db\"\n  name   = \"x\"\n}\n",
        vec![("infra/db", vec![DB_MODULE])],
    );
    let db = doc
        .objects
        .iter()
        .find(|o| o.address == "module.db.aws_db_instance.this")
        .expect("kept");
    assert!(
        db.existence_unknown
            .as_deref()
            .unwrap_or_default()
            .starts_with("count depends on var.n has no value")
    );
}

#[test]
fn calls_passing_each_other_their_outputs_are_evaluated_once_each() {
    // terraform-aws-modules/s3-bucket's s3-analytics example does this: two
    // buckets, each given the other's ARN. The calls used to re-enter each
    // other until the evaluation depth limit, adding the module's objects
    // at every level (32 copies of each here, so 32 copies of each finding).
    let doc = root(
        r#"module "primary" {
  source = "./db"
  name   = "primary"
  peer   = module.replica.id
}
module "replica" {
  source = "./db"
  name   = "replica"
  peer   = module.primary.id
}
"#,
        vec![(
            "infra/db",
            vec![(
                "main.tf",
                r#"variable "name" {}
variable "peer" {}
resource "aws_db_instance" "this" {
  identifier          = var.name
  replicate_source_db = var.peer
  storage_encrypted   = true
}
output "id" { value = aws_db_instance.this.identifier }
"#,
            )],
        )],
    );
    assert!(doc.errors.is_empty(), "{:?}", doc.errors);
    let mut addresses = addresses(&doc);
    addresses.retain(|a| a.contains("aws_db_instance"));
    assert_eq!(
        addresses,
        vec![
            "module.primary.aws_db_instance.this",
            "module.replica.aws_db_instance.this"
        ]
    );
    // `primary`'s block is read first: its arguments read `replica`'s
    // output, whose arguments read `primary`'s. That call evaluates
    // `primary` in turn, and its arguments reach `replica` again, still
    // being evaluated: `primary` gets that output as unknown, and
    // `replica` gets `primary`'s.
    let Value::Unknown(peer) = object_attr(
        &doc,
        "module.primary.aws_db_instance.this",
        "replicate_source_db",
    ) else {
        panic!("the output of a call still being evaluated is unknown")
    };
    assert_eq!(
        peer.reason,
        "module.replica's outputs are read while its own arguments are evaluated (the calls refer to each other); not evaluated there"
    );
    assert_eq!(
        object_attr(
            &doc,
            "module.replica.aws_db_instance.this",
            "replicate_source_db"
        ),
        Value::String("primary".into())
    );
}

/// Type constraints as Terraform applies them to a module's arguments:
/// optional attributes get their defaults (also when given null), nested
/// ones too, undeclared attributes go, and primitives convert. Modules such
/// as terraform-aws-modules/eks read `each.value.enable_efa_support` for
/// groups that never set it: each such read used to be an error.
#[test]
fn optional_object_attributes_take_their_defaults() {
    let doc = root(
        r#"module "volumes" {
  source = "./volumes"
  groups = {
    one   = { name = "a" }
    two   = { name = "b", encrypted = false, extra = 1 }
    three = { name = "c", encrypted = null }
  }
  settings = { retention = "30" }
}
"#,
        vec![(
            "infra/volumes",
            vec![(
                "main.tf",
                r#"variable "groups" {
  type = map(object({
    name      = string
    encrypted = optional(bool, true)
    kms       = optional(string)
  }))
}
variable "settings" {
  type = object({
    retention = number
    nested    = optional(object({ on = optional(bool, true) }), {})
  })
}
resource "aws_ebs_volume" "this" {
  for_each  = var.groups
  encrypted = each.value.encrypted
  kms_key_id = each.value.kms
  tags      = { attributes = join(",", keys(each.value)) }
}
resource "aws_cloudwatch_log_group" "this" {
  retention_in_days = var.settings.retention
  skip_destroy      = var.settings.nested.on
}
"#,
            )],
        )],
    );
    assert!(doc.errors.is_empty(), "{:?}", doc.errors);
    let volume = |key: &str, name: &str| {
        object_attr(
            &doc,
            &format!("module.volumes.aws_ebs_volume.this[\"{key}\"]"),
            name,
        )
    };
    assert_eq!(volume("one", "encrypted"), Value::Bool(true));
    assert_eq!(volume("two", "encrypted"), Value::Bool(false));
    assert_eq!(volume("three", "encrypted"), Value::Bool(true));
    assert_eq!(volume("one", "kms_key_id"), Value::Null);
    let Value::Map(tags) = volume("two", "tags") else {
        panic!("tags are a map")
    };
    assert_eq!(
        tags.get("attributes").map(|e| e.value.value.clone()),
        Some(Value::String("encrypted,kms,name".into()))
    );
    let log = "module.volumes.aws_cloudwatch_log_group.this";
    assert_eq!(
        object_attr(&doc, log, "retention_in_days"),
        Value::Number(30.0)
    );
    assert_eq!(object_attr(&doc, log, "skip_destroy"), Value::Bool(true));
}

/// `nullable = false`: a null argument leaves the variable its default.
#[test]
fn a_null_argument_leaves_a_non_nullable_variable_its_default() {
    let doc = root(
        "module \"db\" {\n  source    = \"./db\"\n  name      = \"x\"\n  encrypted = null\n}\nmodule \"open\" {\n  source    = \"./open\"\n  name      = \"y\"\n  encrypted = null\n}\n",
        vec![
            (
                "infra/db",
                vec![(
                    "main.tf",
                    "variable \"encrypted\" {\n  default  = true\n  nullable = false\n}\nvariable \"name\" {}\nresource \"aws_db_instance\" \"this\" {\n  identifier        = var.name\n  storage_encrypted = var.encrypted\n}\n",
                )],
            ),
            ("infra/open", vec![DB_MODULE]),
        ],
    );
    assert!(doc.errors.is_empty(), "{:?}", doc.errors);
    assert_eq!(
        object_attr(&doc, "module.db.aws_db_instance.this", "storage_encrypted"),
        Value::Bool(true)
    );
    // Without `nullable = false`, null is the value.
    assert_eq!(
        object_attr(
            &doc,
            "module.open.aws_db_instance.this",
            "storage_encrypted"
        ),
        Value::Null
    );
}

/// A value read from inside a module argument (`each.value.encrypted`,
/// `var.settings.retention`) points at itself where the caller wrote it,
/// not at the module's reference or the whole argument.
#[test]
fn a_value_inside_a_module_argument_points_where_the_caller_wrote_it() {
    let doc = root(
        r#"module "volumes" {
  source = "./volumes"
  groups = {
    one = { encrypted = false }
  }
  settings = { retention = 30 }
}
"#,
        vec![(
            "infra/volumes",
            vec![(
                "main.tf",
                r#"variable "groups" {}
variable "settings" {}
resource "aws_ebs_volume" "this" {
  for_each  = var.groups
  encrypted = each.value.encrypted
}
resource "aws_cloudwatch_log_group" "this" {
  retention_in_days = var.settings.retention
}
"#,
            )],
        )],
    );
    assert!(doc.errors.is_empty(), "{:?}", doc.errors);
    for (address, name, written, line_column) in [
        (
            "module.volumes.aws_ebs_volume.this[\"one\"]",
            "encrypted",
            "false",
            (4, 25),
        ),
        (
            "module.volumes.aws_cloudwatch_log_group.this",
            "retention_in_days",
            "30",
            (6, 28),
        ),
    ] {
        let object = doc.objects.iter().find(|o| o.address == address).unwrap();
        let value = &object.attrs.get(name).unwrap().value;
        let file = &doc.files[value.origin.expect("written in the caller") as usize];
        assert_eq!(file.path(), Path::new("infra/main.tf"));
        assert_eq!(file.slice(value.span), written);
        let at = file
            .line_index()
            .line_column(value.span.start, file.text(), ColumnUnit::Chars);
        assert_eq!((at.line, at.column), line_column, "{address}");
    }
}

/// A list given to a `set(...)` variable is a set: each element once,
/// strings in order.
#[test]
fn a_list_given_to_a_set_variable_holds_each_element_once() {
    let doc = root(
        "module \"buckets\" {\n  source = \"./buckets\"\n  names  = [\"b\", \"a\", \"b\"]\n}\n",
        vec![(
            "infra/buckets",
            vec![(
                "main.tf",
                "variable \"names\" {\n  type = set(string)\n}\nresource \"aws_s3_bucket\" \"this\" {\n  bucket = join(\",\", var.names)\n}\n",
            )],
        )],
    );
    assert!(doc.errors.is_empty(), "{:?}", doc.errors);
    assert_eq!(
        object_attr(&doc, "module.buckets.aws_s3_bucket.this", "bucket"),
        Value::String("a,b".into())
    );
}

#[test]
fn a_callers_aws_provider_constraint_reaches_the_module_it_calls() {
    let module = (
        "main.tf",
        r#"data "aws_iam_policy_document" "p" {
  statement {
    actions   = ["s3:GetObject"]
    resources = ["*"]
  }
}
resource "aws_iam_policy" "p" {
  policy = data.aws_iam_policy_document.p.minified_json
}
"#,
    );
    let policy = |root_text: &'static str| {
        let doc = root(root_text, vec![("infra/modules/p", vec![module])]);
        object_attr(&doc, "module.p.aws_iam_policy.p", "policy")
    };
    assert_eq!(
        policy(
            r#"terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "~> 5.40" }
  }
}
module "p" {
  source = "./modules/p"
}
"#
        ),
        Value::String(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#
                .to_owned()
        )
    );
    // Without it, providers before 5.0 would write `"Sid":""`: not known.
    assert!(matches!(
        policy("module \"p\" {\n  source = \"./modules/p\"\n}\n"),
        Value::Unknown(_)
    ));
}
