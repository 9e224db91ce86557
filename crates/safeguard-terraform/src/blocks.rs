use std::collections::HashMap;

use hcl_edit::Span as _;
use hcl_edit::structure::{Block, BlockLabel, Body, Structure};
use safeguard_model::{Document, Entry, Format, InputError, Map, Node, Object, Unknown, Value};
use safeguard_source::{SourceFile, Span};

use crate::expr::{expression_node, span_of};

/// Turns top-level blocks into objects. It keeps the per-module state that
/// addresses need (how many `locals` blocks were seen so far).
#[derive(Default)]
pub(crate) struct BlockReader {
    locals_blocks: usize,
}

impl BlockReader {
    pub(crate) fn read_body(
        &mut self,
        document: &mut Document,
        file_index: usize,
        file: &SourceFile,
        body: &Body,
    ) {
        for structure in body.iter() {
            match structure {
                Structure::Block(block) => self.read_block(document, file_index, file, block),
                Structure::Attribute(attr) => document.errors.push(InputError::at_span(
                    file,
                    span_of(attr.span()),
                    format!(
                        "unexpected top-level argument `{}` (Terraform allows only blocks here)",
                        attr.key.as_str()
                    ),
                )),
            }
        }
    }

    fn read_block(
        &mut self,
        document: &mut Document,
        file_index: usize,
        file: &SourceFile,
        block: &Block,
    ) {
        let ident = block.ident.as_str();
        let labels: Vec<&str> = block.labels.iter().map(label_text).collect();
        let identity = match (ident, labels.as_slice()) {
            ("resource", [kind, name]) => Some(((*kind).to_owned(), format!("{kind}.{name}"))),
            ("data", [kind, name]) => Some((format!("data.{kind}"), format!("data.{kind}.{name}"))),
            ("module", [name]) => Some(("module".to_owned(), format!("module.{name}"))),
            ("provider", [name]) => {
                let alias = block
                    .body
                    .get_attribute("alias")
                    .and_then(|a| a.value.as_str().map(str::to_owned));
                let address = match alias {
                    Some(alias) => format!("provider.{name}.{alias}"),
                    None => format!("provider.{name}"),
                };
                Some(("provider".to_owned(), address))
            }
            ("variable", [name]) => Some(("variable".to_owned(), format!("var.{name}"))),
            ("output", [name]) => Some(("output".to_owned(), format!("output.{name}"))),
            ("terraform", []) => Some(("terraform".to_owned(), "terraform".to_owned())),
            ("locals", []) => {
                let address = match self.locals_blocks {
                    0 => "locals".to_owned(),
                    n => format!("locals[{n}]"),
                };
                self.locals_blocks += 1;
                Some(("locals".to_owned(), address))
            }
            ("resource" | "data", _) => {
                return label_error(document, file, block, "two labels (type and name)");
            }
            ("module" | "provider" | "variable" | "output", _) => {
                return label_error(document, file, block, "one label");
            }
            ("terraform" | "locals", _) => return label_error(document, file, block, "no labels"),
            // moved, import, removed, check and future block types hold no
            // configuration that policies judge.
            _ => None,
        };
        let Some((kind, address)) = identity else {
            return;
        };
        let span = span_of(block.span());
        let header_end = block.body_span_start().unwrap_or(span.end);
        document.objects.push(Object {
            format: Format::Terraform,
            kind,
            address,
            file: file_index,
            span,
            header_span: Span::new(span.start, header_end.max(span.start)),
            attrs: body_map(&block.body, file),
        });
    }
}

trait BodySpanStart {
    fn body_span_start(&self) -> Option<u32>;
}

impl BodySpanStart for Block {
    /// The offset just past the last label (or the identifier), so a header
    /// span is `resource "aws_s3_bucket" "logs"` without the body.
    fn body_span_start(&self) -> Option<u32> {
        let end = self
            .labels
            .last()
            .and_then(hcl_edit::Span::span)
            .or_else(|| self.ident.span())
            .map(|r| r.end)?;
        u32::try_from(end).ok()
    }
}

fn label_error(document: &mut Document, file: &SourceFile, block: &Block, wanted: &str) {
    let ident = block.ident.as_str();
    let span = span_of(block.ident.span());
    document.errors.push(InputError::at_span(
        file,
        span,
        format!("a `{ident}` block takes {wanted}"),
    ));
}

fn label_text(label: &BlockLabel) -> &str {
    match label {
        BlockLabel::Ident(ident) => ident.as_str(),
        BlockLabel::String(s) => s.value().as_str(),
    }
}

/// A block body as a map: attributes by name, nested blocks as lists of maps
/// (repeated blocks of one type collect into one list, in source order).
fn body_map(body: &Body, file: &SourceFile) -> Map {
    let mut map = Map::default();
    let mut block_lists: HashMap<String, usize> = HashMap::new();
    for structure in body.iter() {
        match structure {
            Structure::Attribute(attr) => {
                map.insert(
                    attr.key.as_str(),
                    span_of(attr.key.span()),
                    expression_node(&attr.value, file),
                );
            }
            Structure::Block(block) => {
                let span = span_of(block.span());
                let key_span = span_of(block.ident.span());
                if block.ident.as_str() == "dynamic" {
                    dynamic_block(&mut map, block, file, span);
                    continue;
                }
                let item = Node::new(Value::Map(body_map(&block.body, file)), span);
                let name = block.ident.as_str().to_owned();
                match block_lists.get(&name) {
                    Some(&index) => {
                        let entry = &mut map.entries[index];
                        entry.value.span = entry.value.span.cover(span);
                        if let Value::List(items) = &mut entry.value.value {
                            items.push(item);
                        }
                    }
                    None => {
                        block_lists.insert(name.clone(), map.entries.len());
                        map.entries.push(Entry {
                            key: name,
                            key_span,
                            value: Node::new(Value::List(vec![item]), span),
                        });
                    }
                }
            }
        }
    }
    map
}

/// A `dynamic "x"` block generates zero or more `x` blocks from data this
/// first cut does not evaluate: the blocks' presence is unknown.
fn dynamic_block(map: &mut Map, block: &Block, file: &SourceFile, span: Span) {
    let Some(name) = block.labels.first().map(label_text) else {
        return;
    };
    let label_span = block.labels.first().and_then(hcl_edit::Span::span);
    let reason = format!("dynamic \"{name}\" block");
    let references = match block
        .body
        .get_attribute("for_each")
        .map(|a| expression_node(&a.value, file).value)
    {
        Some(Value::Unknown(unknown)) => unknown.references,
        _ => Vec::new(),
    };
    map.insert(
        name,
        span_of(label_span),
        Node::new(
            Value::Unknown(Unknown {
                reason,
                references,
                presence_unknown: true,
            }),
            span,
        ),
    );
}

#[cfg(test)]
mod tests {
    use crate::module_document;
    use safeguard_model::Value;
    use safeguard_source::SourceFile;

    #[test]
    fn blocks_become_objects_with_addresses() {
        let text = r#"
terraform { required_version = ">= 1.5" }
provider "aws" { region = "us-east-1" }
provider "aws" { alias = "dr" }
variable "env" { default = "prod" }
locals { a = 1 }
locals { b = 2 }
resource "aws_s3_bucket" "logs" { bucket = "clinic-logs" }
data "aws_caller_identity" "me" {}
module "db" { source = "./db" }
output "bucket" { value = aws_s3_bucket.logs.id }
moved {
  from = aws_s3_bucket.old
  to   = aws_s3_bucket.logs
}
"#;
        let doc = module_document("infra", vec![SourceFile::new("main.tf", text)]);
        assert!(doc.errors.is_empty(), "{:?}", doc.errors);
        let got: Vec<(&str, &str)> = doc
            .objects
            .iter()
            .map(|o| (o.kind.as_str(), o.address.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("terraform", "terraform"),
                ("provider", "provider.aws"),
                ("provider", "provider.aws.dr"),
                ("variable", "var.env"),
                ("locals", "locals"),
                ("locals", "locals[1]"),
                ("aws_s3_bucket", "aws_s3_bucket.logs"),
                ("data.aws_caller_identity", "data.aws_caller_identity.me"),
                ("module", "module.db"),
                ("output", "output.bucket"),
            ]
        );
        let bucket = &doc.objects[6];
        assert_eq!(
            doc.files[0].slice(bucket.header_span),
            "resource \"aws_s3_bucket\" \"logs\""
        );
        assert!(
            doc.files[0]
                .slice(bucket.span)
                .ends_with("\"clinic-logs\" }")
        );
    }

    #[test]
    fn nested_blocks_are_lists_of_maps() {
        let text = r#"
resource "aws_security_group" "sg" {
  ingress { from_port = 443 }
  egress { from_port = 0 }
  ingress { from_port = 22 }
  dynamic "tag" {
    for_each = var.tags
    content {}
  }
}
"#;
        let doc = module_document("m", vec![SourceFile::new("main.tf", text)]);
        let attrs = &doc.objects[0].attrs;
        let ingress = attrs.get("ingress").unwrap().value.value.as_list().unwrap();
        assert_eq!(ingress.len(), 2);
        assert_eq!(
            ingress[1]
                .value
                .as_map()
                .unwrap()
                .get("from_port")
                .unwrap()
                .value
                .value,
            Value::Number(22.0)
        );
        let Value::Unknown(tag) = &attrs.get("tag").unwrap().value.value else {
            panic!()
        };
        assert_eq!(tag.reason, "dynamic \"tag\" block");
        assert_eq!(tag.references, vec!["var.tags".to_owned()]);
    }

    #[test]
    fn parse_error_is_located_and_other_files_still_read() {
        let bad = SourceFile::new("bad.tf", "resource \"a\" \"b\" {\n  x = \n}\n");
        let good = SourceFile::new("good.tf", "resource \"aws_efs_file_system\" \"f\" {}\n");
        let doc = module_document("m", vec![bad, good]);
        assert_eq!(doc.objects.len(), 1);
        assert_eq!(doc.errors.len(), 1);
        assert!(
            doc.errors[0].message.starts_with("invalid HCL"),
            "{}",
            doc.errors[0].message
        );
    }

    #[test]
    fn wrong_label_count_is_an_error() {
        let doc = module_document(
            "m",
            vec![SourceFile::new(
                "main.tf",
                "resource \"aws_s3_bucket\" {}\n",
            )],
        );
        assert!(doc.objects.is_empty());
        assert_eq!(
            doc.errors[0].message,
            "a `resource` block takes two labels (type and name)"
        );
    }
}
