//! Local module calls. A `module` block whose `source` is a local path
//! (`./…`, `../…`) is evaluated with the caller's arguments, recursively: its
//! objects join the caller's document as `module.NAME.TYPE.NAME` (with
//! `[index]`/`["key"]` for `count`/`for_each` calls), and its outputs flow back
//! to `module.NAME.OUTPUT`. Argument values keep the location they were
//! written at, so a finding caused by an argument points at the caller's
//! line. Remote sources are never fetched; their outputs are unknown.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use safeguard_model::{InputError, Map, Node, Object, Value};
use safeguard_source::SourceFile;

use crate::eval::Evaluator;
use crate::expand::{Instances, expand_block};

/// How deep module calls may nest before the call is refused.
pub const MAX_MODULE_DEPTH: usize = 16;

/// Bounds on what one root module may make the evaluator do. Each bound,
/// when hit, is a located error in the document (and the block or call is
/// read as unknown), never a hang or an allocation the input controls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// `count`/`for_each` instances per block ([`MAX_INSTANCES`] by default).
    pub max_instances: usize,
    /// Nested local module calls ([`MAX_MODULE_DEPTH`] by default).
    pub max_module_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_instances: crate::expand::MAX_INSTANCES,
            max_module_depth: MAX_MODULE_DEPTH,
        }
    }
}

/// Meta-arguments of a `module` block, which are not input variables.
const META_ARGUMENTS: [&str; 6] = [
    "source",
    "version",
    "count",
    "for_each",
    "providers",
    "depends_on",
];

/// Reads local modules for the frontend, which never touches the file
/// system itself; the caller decides what may be read (never outside the
/// scanned root).
pub trait ModuleLoader {
    /// Resolves `source` (starting with `./` or `../`) against the calling
    /// module's directory and reads that module's `.tf` files.
    ///
    /// # Errors
    /// Why the module cannot be read (missing, outside the scanned root).
    fn load(&self, caller_dir: &Path, source: &str) -> Result<LoadedModule, String>;

    /// The copy of a remote module that `terraform init` installed for the
    /// root module in `root_dir` (`.terraform/modules/modules.json`), by its
    /// key (`vpc`, `vpc.subnets`). `None` when nothing is installed for it.
    fn installed(&self, root_dir: &Path, key: &str) -> Option<Result<LoadedModule, String>> {
        let _ = (root_dir, key);
        None
    }
}

/// A module directory read by a [`ModuleLoader`].
pub struct LoadedModule {
    /// The directory, as it should be shown (and compared for cycles).
    pub dir: PathBuf,
    pub files: Vec<SourceFile>,
    /// Files of the module that could not be read.
    pub errors: Vec<InputError>,
}

/// Every file of a module tree, so file indices are the same everywhere.
#[derive(Default)]
pub(crate) struct FileRegistry {
    files: RefCell<Vec<SourceFile>>,
}

impl FileRegistry {
    pub(crate) fn new(files: Vec<SourceFile>) -> Self {
        Self {
            files: RefCell::new(files),
        }
    }

    pub(crate) fn get(&self, index: usize) -> Option<SourceFile> {
        self.files.borrow().get(index).cloned()
    }

    pub(crate) fn push(&self, file: SourceFile) -> usize {
        let mut files = self.files.borrow_mut();
        files.push(file);
        files.len() - 1
    }

    pub(crate) fn into_files(self) -> Vec<SourceFile> {
        self.files.into_inner()
    }
}

/// What the whole module tree shares while it is built.
pub(crate) struct Build<'b> {
    pub limits: Limits,
    pub files: FileRegistry,
    pub loader: Option<&'b dyn ModuleLoader>,
    pub errors: RefCell<Vec<InputError>>,
    /// Things worth knowing that are not errors (a remote module not read).
    pub notes: RefCell<Vec<InputError>>,
    /// Directories read as local modules, so callers can avoid judging them
    /// a second time as roots of their own.
    pub included_dirs: RefCell<Vec<PathBuf>>,
}

/// One module's place in the tree.
pub(crate) struct ModuleScope<'b> {
    pub build: &'b Build<'b>,
    pub dir: PathBuf,
    /// Prefix of this module's addresses: `""` for the root, `module.a.` below.
    pub prefix: String,
    /// Directories of the calling modules, for cycle detection; the first is
    /// the root module's.
    pub stack: Vec<PathBuf>,
    /// The module's key in `.terraform/modules/modules.json`: `""` for the
    /// root, `a` for `module.a`, `a.b` below it.
    pub key: String,
    /// Whether a calling module holds the AWS provider to 5.0 or later
    /// (see `ModuleConfig::aws_provider_5`).
    pub aws_provider_5: bool,
}

/// The outputs of a module call, per instance.
pub(crate) enum ModuleCall {
    Single(Map),
    Count(Vec<Map>),
    ForEach(Vec<(String, Map)>),
    /// Not evaluated (remote source, unknown expansion, unreadable): why.
    Unknown(String),
}

impl Evaluator<'_> {
    /// Evaluates the module call `name` once, with its children.
    pub(crate) fn module_call(&self, name: &str) -> Option<Rc<ModuleCall>> {
        if let Some(call) = self.modules.borrow().get(name) {
            return Some(Rc::clone(call));
        }
        let declared = *self.config.modules.get(name)?;
        // Two calls may each pass the other's outputs (`peer =
        // module.b.arn` in `a`, `module.a.arn` in `b`). Terraform resolves
        // such references output by output; here a call's arguments are
        // evaluated together, before its module, so a call whose arguments
        // lead back to it sees its own outputs as unknown. Without this
        // guard the calls re-entered each other until the depth limit, and
        // every level added the module's objects again: each finding was
        // reported dozens of times.
        let call = self.guarded(
            &format!("module.{name}"),
            || {
                Rc::new(ModuleCall::Unknown(format!(
                    "module.{name}'s outputs are read while its own arguments are evaluated (the calls refer to each other); not evaluated there"
                )))
            },
            || {
                let call = Rc::new(self.evaluate_module_call(name, declared.block, declared.file));
                self.modules
                    .borrow_mut()
                    .insert(name.to_owned(), Rc::clone(&call));
                call
            },
        );
        Some(call)
    }

    fn evaluate_module_call(
        &self,
        name: &str,
        block: &safeguard_hcl::Block,
        file: usize,
    ) -> ModuleCall {
        let Some(scope) = self.scope else {
            return ModuleCall::Unknown(format!("module.{name} is not evaluated here"));
        };
        let build = scope.build;
        let source_attr = block.body.get_attribute("source");
        let source_span = source_attr.map(|a| a.value.span()).unwrap_or_default();
        let Some(source) = source_attr.and_then(|a| a.value.as_str()) else {
            return ModuleCall::Unknown(format!("module.{name} has no literal `source`"));
        };
        let local = source.starts_with("./") || source.starts_with("../");
        let Some(loader) = build.loader else {
            return ModuleCall::Unknown(if local {
                format!("module.{name} (`{source}`) is not read here")
            } else {
                format!("module.{name} comes from `{source}`, which is never fetched")
            });
        };
        let key = if scope.key.is_empty() {
            name.to_owned()
        } else {
            format!("{}.{name}", scope.key)
        };
        let report = |message: String| {
            if let Some(file) = self.file(file) {
                build
                    .errors
                    .borrow_mut()
                    .push(InputError::at_span(&file, source_span, message));
            }
        };
        let max_depth = build.limits.max_module_depth;
        if scope.stack.len() >= max_depth {
            let message =
                format!("module.{name}: modules nest deeper than {max_depth} levels; not read");
            report(message.clone());
            return ModuleCall::Unknown(message);
        }
        let root_dir = scope.stack.first().unwrap_or(&scope.dir);
        let loaded = if local {
            loader.load(&scope.dir, source)
        } else {
            match loader.installed(root_dir, &key) {
                Some(installed) => installed,
                None => {
                    // Never fetched: say once, as a note, that it was not read.
                    let message = format!(
                        "module.{name} comes from `{source}`, which is never fetched; its resources are not checked (after `terraform init`, the installed copy is read)"
                    );
                    if let Some(file) = self.file(file) {
                        build.notes.borrow_mut().push(InputError::at_span(
                            &file,
                            source_span,
                            message,
                        ));
                    }
                    return ModuleCall::Unknown(format!(
                        "module.{name} comes from `{source}`, which is never fetched"
                    ));
                }
            }
        };
        let loaded = match loaded {
            Ok(loaded) => loaded,
            Err(message) => {
                let message = format!("module.{name}: {message}");
                report(message.clone());
                return ModuleCall::Unknown(message);
            }
        };
        if loaded.dir == scope.dir || scope.stack.contains(&loaded.dir) {
            let message = format!(
                "module.{name} calls `{source}`, which calls it back (a module cycle); not read"
            );
            report(message.clone());
            return ModuleCall::Unknown(message);
        }
        build.errors.borrow_mut().extend(loaded.errors);
        build.included_dirs.borrow_mut().push(loaded.dir.clone());

        let address = format!("module.{name}");
        let child = |suffix: &str, args: &Map, existence: Option<&str>| -> Map {
            let values = arguments(args, file);
            let prefix = format!("{}{address}{suffix}.", scope.prefix);
            let mut stack = scope.stack.clone();
            stack.push(scope.dir.clone());
            let child_scope = ModuleScope {
                build,
                dir: loaded.dir.clone(),
                prefix,
                stack,
                key: key.clone(),
                aws_provider_5: scope.aws_provider_5 || self.config.aws_provider_5,
            };
            let indices: Vec<usize> = loaded
                .files
                .iter()
                .map(|f| build.files.push(f.clone()))
                .collect();
            let (mut objects, outputs) = crate::module::build_module(
                &child_scope,
                &indices,
                crate::module::VarInput::Given(values),
            );
            if let Some(reason) = existence {
                for object in &mut objects {
                    object
                        .existence_unknown
                        .get_or_insert_with(|| reason.to_owned());
                }
            }
            self.child_objects.borrow_mut().extend(objects);
            outputs
        };
        match expand_block(self, block, file, &address) {
            Instances::Single(args) => ModuleCall::Single(child("", &args, None)),
            Instances::Count(items) => ModuleCall::Count(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, args)| child(&format!("[{i}]"), args, None))
                    .collect(),
            ),
            Instances::ForEach(items) => ModuleCall::ForEach(
                items
                    .iter()
                    .map(|(key, args)| (key.clone(), child(&format!("[{key:?}]"), args, None)))
                    .collect(),
            ),
            Instances::Unknown { reason, attrs } => {
                // Judge the module's objects once, knowing they may not exist.
                child("", &attrs, Some(&reason));
                ModuleCall::Unknown(format!("module.{name}: {reason}"))
            }
        }
    }
}

/// A module call's arguments as input variable values, remembering the
/// caller's file so findings caused by them point there.
fn arguments(args: &Map, caller_file: usize) -> HashMap<String, Node> {
    let origin = u32::try_from(caller_file).ok();
    args.entries
        .iter()
        .filter(|e| !META_ARGUMENTS.contains(&e.key.as_str()))
        .map(|e| (e.key.clone(), with_origin(e.value.clone(), origin)))
        .collect()
}

fn with_origin(mut node: Node, origin: Option<u32>) -> Node {
    fn walk(node: &mut Node, origin: Option<u32>) {
        if node.origin.is_none() {
            node.origin = origin;
        }
        match &mut node.value {
            Value::List(items) => items.iter_mut().for_each(|item| walk(item, origin)),
            Value::Map(map) => map
                .entries
                .iter_mut()
                .for_each(|e| walk(&mut e.value, origin)),
            _ => {}
        }
    }
    walk(&mut node, origin);
    node
}

/// Prefixes an object's address with its module path. References inside
/// values are absolute already (see `Evaluator::absolute`).
pub(crate) fn address_in_module(object: &mut Object, prefix: &str) {
    if !prefix.is_empty() {
        object.address = format!("{prefix}{}", object.address);
    }
}
