//! Evaluation of Terraform expressions into the model's values.
//!
//! What the configuration states is computed: literals, templates, operators,
//! conditionals, `for` expressions, splats, the common functions, variables
//! (with their values from tfvars, the command line and the environment),
//! locals, `each`/`count`, and attributes other resources set. What only the
//! provider or a run can know (an ARN, an ID, a data source's result, a
//! variable nobody set) is `Unknown` with the reason, and the unknown
//! propagates through everything computed from it. Cycles and runaway
//! recursion end as unknowns, never as hangs.

mod collection_functions;
mod expr;
mod functions;
mod ops;
mod partial_json;
mod partial_text;
mod policy_document;
mod refs;
mod template;

use std::cell::RefCell;
use std::collections::HashMap;

use safeguard_hcl::Expression;
use safeguard_model::{Node, Unknown, Value};
use safeguard_source::{SourceFile, Span};

use crate::config::ModuleConfig;
use crate::expand::Instances;
use crate::modules::{FileRegistry, ModuleCall, ModuleScope};

/// How deep evaluation may nest (calls through locals, resources and
/// expressions) before it stops with an unknown.
const MAX_DEPTH: usize = 64;

/// A Terraform evaluation error (what `terraform plan` would reject), as
/// opposed to a value that cannot be known. `try` and `can` catch these.
pub(crate) type EvalResult = Result<Node, String>;

/// The names visible where an expression is evaluated.
#[derive(Clone, Default)]
pub(crate) struct Frame {
    pub file: usize,
    /// `each.key` and `each.value`; unknown nodes when `for_each` is unknown.
    pub each: Option<(Node, Node)>,
    /// `count.index`; an unknown node when the count itself is unknown.
    pub count_index: Option<Node>,
    /// `for` expression variables and `dynamic` block iterators, innermost last.
    pub names: Vec<(String, Node)>,
}

impl Frame {
    pub(crate) fn in_file(file: usize) -> Self {
        Self {
            file,
            ..Self::default()
        }
    }

    pub(crate) fn with_name(&self, name: &str, value: Node) -> Self {
        let mut frame = self.clone();
        frame.names.push((name.to_owned(), value));
        frame
    }

    fn name(&self, name: &str) -> Option<&Node> {
        self.names
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
    }
}

pub(crate) struct Evaluator<'a> {
    pub config: &'a ModuleConfig<'a>,
    pub files: &'a FileRegistry,
    /// Where this module sits in the module tree; `None` for evaluating
    /// constants (variable defaults, tfvars).
    pub scope: Option<&'a ModuleScope<'a>>,
    pub variables: HashMap<String, Node>,
    /// Local module calls, evaluated once each.
    pub(crate) modules: RefCell<HashMap<String, std::rc::Rc<ModuleCall>>>,
    /// Objects of the modules this one calls, already addressed.
    pub(crate) child_objects: RefCell<Vec<safeguard_model::Object>>,
    locals: RefCell<HashMap<String, Node>>,
    resources: RefCell<HashMap<String, std::rc::Rc<Instances>>>,
    /// Locals and resources being evaluated, to turn cycles into unknowns.
    in_progress: RefCell<Vec<String>>,
    depth: std::cell::Cell<usize>,
}

impl<'a> Evaluator<'a> {
    pub(crate) fn new(
        config: &'a ModuleConfig<'a>,
        files: &'a FileRegistry,
        scope: Option<&'a ModuleScope<'a>>,
        variables: HashMap<String, Node>,
    ) -> Self {
        Self {
            config,
            files,
            scope,
            variables,
            modules: RefCell::default(),
            child_objects: RefCell::default(),
            locals: RefCell::default(),
            resources: RefCell::default(),
            in_progress: RefCell::default(),
            depth: std::cell::Cell::new(0),
        }
    }

    /// Evaluates an expression; an evaluation error becomes an unknown with
    /// the error as its reason (the configuration is broken there, and a
    /// policy cannot judge it).
    pub(crate) fn value(&self, expr: &Expression, frame: &Frame) -> Node {
        self.eval(expr, frame).unwrap_or_else(|error| {
            let span = expr.span();
            unknown(span, format!("evaluation error: {error}"), Vec::new())
        })
    }

    /// Evaluates with the recursion guard.
    pub(crate) fn eval(&self, expr: &Expression, frame: &Frame) -> EvalResult {
        let depth = self.depth.get();
        if depth >= MAX_DEPTH {
            return Ok(unknown(
                expr.span(),
                "expression nests too deeply to evaluate",
                Vec::new(),
            ));
        }
        self.depth.set(depth + 1);
        let result = self.eval_expr(expr, frame);
        self.depth.set(depth);
        result
    }

    /// Runs `work` unless `key` is already being evaluated (a cycle).
    pub(crate) fn guarded<T>(
        &self,
        key: &str,
        cycle: impl FnOnce() -> T,
        work: impl FnOnce() -> T,
    ) -> T {
        if self.in_progress.borrow().iter().any(|k| k == key) {
            return cycle();
        }
        self.in_progress.borrow_mut().push(key.to_owned());
        let result = work();
        self.in_progress.borrow_mut().pop();
        result
    }

    /// An address in this module as seen from the root: references carry
    /// it, so relations match objects of any module.
    pub(crate) fn absolute(&self, address: &str) -> String {
        match self.scope {
            Some(scope) if !scope.prefix.is_empty() => format!("{}{address}", scope.prefix),
            _ => address.to_owned(),
        }
    }

    pub(crate) fn file(&self, index: usize) -> Option<SourceFile> {
        self.files.get(index)
    }

    /// Whether this module or one calling it holds the AWS provider to 5.0
    /// or later.
    pub(crate) fn aws_provider_5(&self) -> bool {
        self.config.aws_provider_5 || self.scope.is_some_and(|s| s.aws_provider_5)
    }

    /// The cached instances of a resource or data block (see [`crate::expand`]).
    pub(crate) fn resource_instances(&self, address: &str) -> Option<std::rc::Rc<Instances>> {
        if let Some(cached) = self.resources.borrow().get(address) {
            return Some(std::rc::Rc::clone(cached));
        }
        let declared = *self.config.resources.get(address)?;
        let instances = self.guarded(
            address,
            || None,
            || {
                Some(std::rc::Rc::new(crate::expand::expand_block(
                    self,
                    declared.block,
                    declared.file,
                    address,
                )))
            },
        )?;
        self.resources
            .borrow_mut()
            .insert(address.to_owned(), std::rc::Rc::clone(&instances));
        Some(instances)
    }
}

/// `node` without what is known of its text: for an unknown that stands
/// for something else than the text itself (a step into it, a collection
/// built around it).
pub(crate) fn opaque(mut node: Node) -> Node {
    if let Value::Unknown(unknown) = &mut node.value {
        unknown.forget_text();
    }
    node
}

/// An unknown node.
pub(crate) fn unknown(span: Span, reason: impl Into<String>, references: Vec<String>) -> Node {
    Node::new(
        Value::Unknown(Unknown {
            reason: reason.into(),
            references,
            presence_unknown: false,
            ..Unknown::default()
        }),
        span,
    )
}

/// Gives a value computed elsewhere (a variable's default in another file)
/// the span of the expression that uses it, so findings point where the
/// object is written.
pub(crate) fn respan(mut node: Node, span: Span) -> Node {
    fn walk(node: &mut Node, span: Span) {
        node.span = span;
        node.origin = None;
        match &mut node.value {
            Value::List(items) => items.iter_mut().for_each(|item| walk(item, span)),
            Value::Map(map) => {
                for entry in &mut map.entries {
                    entry.key_span = span;
                    walk(&mut entry.value, span);
                }
            }
            _ => {}
        }
    }
    walk(&mut node, span);
    node
}

/// The first unknown among `nodes`, with the references of all of them: the
/// result of any operation on an unknown operand.
pub(crate) fn first_unknown<'n>(
    nodes: impl IntoIterator<Item = &'n Node>,
    span: Span,
) -> Option<Node> {
    let mut reason = None;
    let mut references = Vec::new();
    for node in nodes {
        if let Value::Unknown(u) = &node.value {
            reason.get_or_insert_with(|| u.reason.clone());
            for r in &u.references {
                if !references.contains(r) {
                    references.push(r.clone());
                }
            }
        }
    }
    reason.map(|reason| unknown(span, reason, references))
}

pub(crate) use collection_functions::as_set;
pub(crate) use functions::from_json;
pub(crate) use ops::{to_bool, to_number};

/// A primitive rendered as Terraform converts it to a string.
pub(crate) fn display(value: &Value) -> String {
    ops::to_string(value).unwrap_or_else(|_| value.to_string())
}

/// The (key, value) pairs Terraform iterates a collection as (`for`
/// expressions, template `for` directives, `dynamic` blocks): a list by
/// index, a map by key. `None` for anything else.
pub(crate) fn key_value_pairs(value: &Value) -> Option<Vec<(Node, Node)>> {
    match value {
        Value::List(items) => Some(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    #[allow(clippy::cast_precision_loss)] // list indexes are small
                    (Node::new(Value::Number(i as f64), item.span), item.clone())
                })
                .collect(),
        ),
        Value::Map(map) => Some(
            map.entries
                .iter()
                .map(|e| {
                    (
                        Node::new(Value::String(e.key.clone()), e.key_span),
                        e.value.clone(),
                    )
                })
                .collect(),
        ),
        _ => None,
    }
}
