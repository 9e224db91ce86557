use std::rc::Rc;

use safeguard_hcl::{Block, BlockLabel, Body, Structure};
use safeguard_model::{Document, Format, InputError, Object};
use safeguard_source::{SourceFile, Span};

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::Path;

use safeguard_model::{Map, Node};

use crate::config::ModuleConfig;
use crate::eval::{Evaluator, Frame};
use crate::expand::{Instances, body_map, expand_block};
use crate::inputs::{VarSource, resolve_variables};
use crate::modules::{Build, FileRegistry, Limits, ModuleLoader, ModuleScope, address_in_module};

/// Builds the document for one module directory from its decoded `.tf`
/// files, with no variable values beyond the declarations' defaults and no
/// local modules.
#[must_use]
pub fn module_document(address: impl Into<String>, files: Vec<SourceFile>) -> Document {
    module_document_with(address, files, &[])
}

/// Builds the document for one module directory, with variable values from
/// `sources` (lowest precedence first; see [`VarSource`]) and no local modules.
#[must_use]
pub fn module_document_with(
    address: impl Into<String>,
    files: Vec<SourceFile>,
    sources: &[VarSource],
) -> Document {
    root_module_document(address, Path::new("."), files, sources, None)
}

/// Builds the document for a root module in `dir`: its objects, and those of
/// the local modules it calls (read through `loader`), evaluated with the
/// call's arguments and addressed `module.NAME.…`.
///
/// Files are read in the order given (callers sort them by path, so addresses
/// such as `locals[1]` are stable). A file that fails to parse contributes an
/// [`InputError`] and no objects; the other files are still read.
#[must_use]
pub fn root_module_document(
    address: impl Into<String>,
    dir: &Path,
    files: Vec<SourceFile>,
    sources: &[VarSource],
    loader: Option<&dyn ModuleLoader>,
) -> Document {
    root_module_document_with_limits(address, dir, files, sources, loader, Limits::default())
}

/// [`root_module_document`] with the given resource [`Limits`] (from
/// `safeguard.toml`'s `[limits]` or the command line).
#[must_use]
pub fn root_module_document_with_limits(
    address: impl Into<String>,
    dir: &Path,
    files: Vec<SourceFile>,
    sources: &[VarSource],
    loader: Option<&dyn ModuleLoader>,
    limits: Limits,
) -> Document {
    let indices: Vec<usize> = (0..files.len()).collect();
    let build = Build {
        limits,
        files: FileRegistry::new(files),
        loader,
        errors: RefCell::default(),
        notes: RefCell::default(),
        included_dirs: RefCell::default(),
    };
    let scope = ModuleScope {
        build: &build,
        dir: dir.to_path_buf(),
        prefix: String::new(),
        stack: Vec::new(),
        key: String::new(),
        aws_provider_5: false,
    };
    let (objects, _outputs) = build_module(&scope, &indices, VarInput::Sources(sources));
    let mut document = Document::new(Format::Terraform, address);
    let providers = crate::providers::provider_requirements(&objects);
    document.objects = objects;
    document.objects.extend(providers);
    document.errors = build.errors.into_inner();
    document.notes = build.notes.into_inner();
    document.included_dirs = build.included_dirs.into_inner();
    document.files = build.files.into_files();
    document
}

/// Where a module's variable values come from.
pub(crate) enum VarInput<'s> {
    /// A root module: defaults, tfvars, environment and command line.
    Sources(&'s [VarSource]),
    /// A called module: the call's arguments over the defaults.
    Given(HashMap<String, Node>),
}

/// Evaluates one module of the tree: its objects (addressed with the scope's
/// prefix, children included) and its outputs.
pub(crate) fn build_module(
    scope: &ModuleScope<'_>,
    indices: &[usize],
    vars: VarInput<'_>,
) -> (Vec<Object>, Map) {
    let build = scope.build;
    let mut bodies: Vec<(usize, Body)> = Vec::new();
    for &index in indices {
        let Some(file) = build.files.get(index) else {
            continue;
        };
        match safeguard_hcl::parse_body(file.text()) {
            Ok(body) => bodies.push((index, body)),
            Err(err) => build.errors.borrow_mut().push(parse_error(&file, &err)),
        }
    }
    let config = ModuleConfig::gather(&bodies);
    let mut errors = Vec::new();
    let variables = match vars {
        VarInput::Sources(sources) => {
            resolve_variables(&config, &build.files, sources, &mut errors)
        }
        VarInput::Given(arguments) => {
            let mut values = resolve_variables(&config, &build.files, &[], &mut errors);
            for (name, value) in arguments {
                if values.contains_key(&name)
                    && crate::inputs::replaces_value(&config, &name, &value)
                {
                    let value =
                        crate::inputs::convert_variable(&config, &build.files, &name, value);
                    values.insert(name, value);
                }
            }
            values
        }
    };
    let evaluator = Evaluator::new(&config, &build.files, Some(scope), variables);
    let mut pending = Vec::new();
    let mut locals_blocks = 0;
    for (file_index, body) in &bodies {
        let Some(file) = build.files.get(*file_index) else {
            continue;
        };
        for structure in body.iter() {
            match structure {
                Structure::Block(block) => {
                    let object = read_block(
                        &evaluator,
                        &mut errors,
                        &mut locals_blocks,
                        *file_index,
                        &file,
                        block,
                    );
                    if block.ident.as_str() == "module"
                        && let Some(name) = block.labels.first().map(BlockLabel::as_str)
                    {
                        // Evaluate every call, referenced or not: its objects are judged.
                        evaluator.module_call(name);
                    }
                    pending.extend(object);
                }
                Structure::Attribute(attr) => errors.push(InputError::at_span(
                    &file,
                    attr.span(),
                    format!(
                        "unexpected top-level argument `{}` (Terraform allows only blocks here)",
                        attr.key.as_str()
                    ),
                )),
            }
        }
    }
    let children = evaluator.child_objects.take();
    // The evaluator's cache shares each resource's instances; once it is
    // gone they are owned here and move into the objects without a copy.
    drop(evaluator);
    build.errors.borrow_mut().extend(errors);
    let mut objects: Vec<Object> = pending
        .into_iter()
        .flat_map(PendingObject::into_objects)
        .collect();
    let mut outputs = Map::default();
    for object in &objects {
        if object.kind == "output"
            && let Some(value) = object.attrs.get("value")
        {
            let name = object.address.trim_start_matches("output.").to_owned();
            outputs.insert(name, value.key_span, value.value.clone());
        }
    }
    for object in &mut objects {
        address_in_module(object, &scope.prefix);
    }
    objects.extend(children);
    (objects, outputs)
}

/// An HCL syntax error, located where the parser stopped.
pub(crate) fn parse_error(file: &SourceFile, err: &safeguard_hcl::Error) -> InputError {
    let offset = u32::try_from(err.offset()).unwrap_or(u32::MAX);
    InputError::at_span(
        file,
        Span::empty_at(offset),
        format!("invalid HCL: {}", err.message().trim()),
    )
}

/// The object type and base address of a top-level block, or why it is malformed.
fn identity(
    block: &Block,
    locals_blocks: &mut usize,
) -> Result<Option<(String, String)>, &'static str> {
    let labels: Vec<&str> = block.labels.iter().map(BlockLabel::as_str).collect();
    Ok(Some(match (block.ident.as_str(), labels.as_slice()) {
        ("resource", [kind, name]) => ((*kind).to_owned(), format!("{kind}.{name}")),
        ("data", [kind, name]) => (format!("data.{kind}"), format!("data.{kind}.{name}")),
        ("module", [name]) => ("module".to_owned(), format!("module.{name}")),
        ("provider", [name]) => {
            let alias = block
                .body
                .get_attribute("alias")
                .and_then(|a| a.value.as_str().map(str::to_owned));
            let address = match alias {
                Some(alias) => format!("provider.{name}.{alias}"),
                None => format!("provider.{name}"),
            };
            ("provider".to_owned(), address)
        }
        ("variable", [name]) => ("variable".to_owned(), format!("var.{name}")),
        ("output", [name]) => ("output".to_owned(), format!("output.{name}")),
        ("terraform", []) => ("terraform".to_owned(), "terraform".to_owned()),
        ("locals", []) => {
            let address = match *locals_blocks {
                0 => "locals".to_owned(),
                n => format!("locals[{n}]"),
            };
            *locals_blocks += 1;
            ("locals".to_owned(), address)
        }
        ("resource" | "data", _) => return Err("two labels (type and name)"),
        ("module" | "provider" | "variable" | "output", _) => return Err("one label"),
        ("terraform" | "locals", _) => return Err("no labels"),
        // moved, import, removed, check and future block types hold no
        // configuration that policies judge.
        _ => return Ok(None),
    }))
}

/// A top-level block whose instances are evaluated but not yet objects.
struct PendingObject {
    kind: String,
    address: String,
    file: usize,
    span: Span,
    header_span: Span,
    instances: Rc<Instances>,
}

impl PendingObject {
    fn into_objects(self) -> Vec<Object> {
        let instances = Rc::try_unwrap(self.instances).unwrap_or_else(|shared| (*shared).clone());
        instances
            .into_each()
            .into_iter()
            .map(|(suffix, attrs, existence)| Object {
                format: Format::Terraform,
                kind: self.kind.clone(),
                address: format!("{}{suffix}", self.address),
                file: self.file,
                span: self.span,
                header_span: self.header_span,
                attrs,
                existence_unknown: existence,
            })
            .collect()
    }
}

fn read_block(
    evaluator: &Evaluator<'_>,
    errors: &mut Vec<InputError>,
    locals_blocks: &mut usize,
    file_index: usize,
    file: &SourceFile,
    block: &Block,
) -> Option<PendingObject> {
    let (kind, address) = match identity(block, locals_blocks) {
        Ok(Some(identity)) => identity,
        Ok(None) => return None,
        Err(wanted) => {
            let message = format!("a `{}` block takes {wanted}", block.ident.as_str());
            errors.push(InputError::at_span(file, block.ident.span(), message));
            return None;
        }
    };
    let span = block.span();
    let header_end = block
        .labels
        .last()
        .map_or(block.ident.span(), safeguard_hcl::BlockLabel::span)
        .end;
    let header_span = Span::new(span.start, header_end.max(span.start));
    let instances: Rc<Instances> = match block.ident.as_str() {
        "resource" | "data" => evaluator.resource_instances(&address).unwrap_or_else(|| {
            Rc::new(Instances::Single(body_map(
                evaluator,
                &block.body,
                &Frame::in_file(file_index),
            )))
        }),
        "module" => Rc::new(expand_block(evaluator, block, file_index, &address)),
        _ => Rc::new(Instances::Single(body_map(
            evaluator,
            &block.body,
            &Frame::in_file(file_index),
        ))),
    };
    Some(PendingObject {
        kind,
        address,
        file: file_index,
        span,
        header_span,
        instances,
    })
}
