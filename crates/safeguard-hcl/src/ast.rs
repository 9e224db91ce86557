//! The syntax tree. It keeps what evaluation and diagnostics need (values,
//! structure and the byte span of every node) and drops what only an editor
//! needs (whitespace, comments, quoting style). Names follow `hcl-edit`'s, so
//! the code that reads the tree reads like the HCL specification.

use std::ops::Deref;

use safeguard_source::Span;

/// A value with the span it was parsed from.
#[derive(Debug, Clone, PartialEq)]
pub struct Spanned<T> {
    value: T,
    span: Span,
}

impl<T> Spanned<T> {
    pub fn new(value: T, span: Span) -> Self {
        Spanned { value, span }
    }

    pub fn value(&self) -> &T {
        &self.value
    }

    pub fn span(&self) -> Span {
        self.span
    }

    pub fn into_value(self) -> T {
        self.value
    }
}

impl<T> Deref for Spanned<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.value
    }
}

/// An identifier: an attribute or block name, a variable, a function name.
#[derive(Debug, Clone, PartialEq)]
pub struct Ident {
    name: Box<str>,
    span: Span,
}

impl Ident {
    pub fn new(name: impl Into<Box<str>>, span: Span) -> Self {
        Ident {
            name: name.into(),
            span,
        }
    }

    pub fn as_str(&self) -> &str {
        &self.name
    }

    pub fn span(&self) -> Span {
        self.span
    }
}

/// A file, or the inside of a block: attributes and blocks in source order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Body {
    structures: Vec<Structure>,
    span: Span,
}

impl Body {
    pub(crate) fn new(structures: Vec<Structure>, span: Span) -> Self {
        Body { structures, span }
    }

    pub fn span(&self) -> Span {
        self.span
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Structure> {
        self.structures.iter()
    }

    pub fn attributes(&self) -> impl Iterator<Item = &Attribute> {
        self.structures.iter().filter_map(|s| match s {
            Structure::Attribute(attr) => Some(attr),
            Structure::Block(_) => None,
        })
    }

    pub fn blocks(&self) -> impl Iterator<Item = &Block> {
        self.structures.iter().filter_map(|s| match s {
            Structure::Block(block) => Some(block),
            Structure::Attribute(_) => None,
        })
    }

    /// The attribute with this name. A body holds at most one: the parser
    /// rejects a repeated attribute, as Terraform does.
    pub fn get_attribute(&self, key: &str) -> Option<&Attribute> {
        self.attributes().find(|attr| attr.key.as_str() == key)
    }

    pub fn get_blocks<'a>(&'a self, ident: &'a str) -> impl Iterator<Item = &'a Block> {
        self.blocks()
            .filter(move |block| block.ident.as_str() == ident)
    }
}

/// One item of a body.
#[derive(Debug, Clone, PartialEq)]
pub enum Structure {
    Attribute(Attribute),
    Block(Block),
}

impl Structure {
    pub fn span(&self) -> Span {
        match self {
            Structure::Attribute(attr) => attr.span,
            Structure::Block(block) => block.span,
        }
    }
}

/// `key = value`.
#[derive(Debug, Clone, PartialEq)]
pub struct Attribute {
    pub key: Ident,
    pub value: Expression,
    pub(crate) span: Span,
}

impl Attribute {
    pub fn span(&self) -> Span {
        self.span
    }
}

/// `ident "label" label { body }`.
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    pub ident: Ident,
    pub labels: Vec<BlockLabel>,
    pub body: Body,
    pub(crate) span: Span,
}

impl Block {
    pub fn span(&self) -> Span {
        self.span
    }
}

/// A block label, quoted or bare.
#[derive(Debug, Clone, PartialEq)]
pub enum BlockLabel {
    Ident(Ident),
    String(Spanned<String>),
}

impl BlockLabel {
    pub fn as_str(&self) -> &str {
        match self {
            BlockLabel::Ident(ident) => ident.as_str(),
            BlockLabel::String(s) => s.value(),
        }
    }

    pub fn span(&self) -> Span {
        match self {
            BlockLabel::Ident(ident) => ident.span(),
            BlockLabel::String(s) => s.span(),
        }
    }
}

/// An expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expression {
    Null(Span),
    Bool(Spanned<bool>),
    /// HCL numbers are arbitrary precision; Terraform's practical range, and
    /// everything safeguard compares, fits a double.
    Number(Spanned<f64>),
    /// A quoted string without interpolations or directives, unescaped.
    String(Spanned<String>),
    Array(Array),
    Object(Object),
    StringTemplate(Template),
    HeredocTemplate(Box<HeredocTemplate>),
    Parenthesis(Box<Parenthesis>),
    Variable(Ident),
    Conditional(Box<Conditional>),
    FuncCall(Box<FuncCall>),
    Traversal(Box<Traversal>),
    UnaryOp(Box<UnaryOp>),
    BinaryOp(Box<BinaryOp>),
    ForExpr(Box<ForExpr>),
}

impl Expression {
    /// The text of a plain quoted string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Expression::String(s) => Some(s.value()),
            _ => None,
        }
    }

    pub fn span(&self) -> Span {
        match self {
            Expression::Null(span) => *span,
            Expression::Bool(b) => b.span(),
            Expression::Number(n) => n.span(),
            Expression::String(s) => s.span(),
            Expression::Array(a) => a.span,
            Expression::Object(o) => o.span,
            Expression::StringTemplate(t) => t.span,
            Expression::HeredocTemplate(h) => h.span,
            Expression::Parenthesis(p) => p.span,
            Expression::Variable(v) => v.span(),
            Expression::Conditional(c) => c.span,
            Expression::FuncCall(f) => f.span,
            Expression::Traversal(t) => t.span,
            Expression::UnaryOp(u) => u.span,
            Expression::BinaryOp(b) => b.span,
            Expression::ForExpr(f) => f.span,
        }
    }
}

/// `[a, b, c]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Array {
    pub(crate) items: Vec<Expression>,
    pub(crate) span: Span,
}

impl Array {
    pub fn iter(&self) -> std::slice::Iter<'_, Expression> {
        self.items.iter()
    }
}

/// `{ key = value, ... }`.
#[derive(Debug, Clone, PartialEq)]
pub struct Object {
    pub(crate) items: Vec<(ObjectKey, Expression)>,
    pub(crate) span: Span,
}

impl Object {
    pub fn iter(&self) -> impl Iterator<Item = (&ObjectKey, &Expression)> {
        self.items.iter().map(|(key, value)| (key, value))
    }
}

/// An object key: a bare name is the name itself, never a variable.
#[derive(Debug, Clone, PartialEq)]
pub enum ObjectKey {
    Ident(Ident),
    Expression(Expression),
}

/// `( expr )`.
#[derive(Debug, Clone, PartialEq)]
pub struct Parenthesis {
    pub(crate) inner: Expression,
    pub(crate) span: Span,
}

impl Parenthesis {
    pub fn inner(&self) -> &Expression {
        &self.inner
    }
}

/// `cond ? a : b`.
#[derive(Debug, Clone, PartialEq)]
pub struct Conditional {
    pub cond_expr: Expression,
    pub true_expr: Expression,
    pub false_expr: Expression,
    pub(crate) span: Span,
}

/// `name(args)` or `provider::aws::name(args)`.
#[derive(Debug, Clone, PartialEq)]
pub struct FuncCall {
    pub name: FuncName,
    pub args: FuncArgs,
    pub(crate) span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FuncName {
    pub namespace: Vec<Ident>,
    pub name: Ident,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FuncArgs {
    pub(crate) items: Vec<Expression>,
    pub(crate) expand_final: bool,
}

impl FuncArgs {
    pub fn iter(&self) -> std::slice::Iter<'_, Expression> {
        self.items.iter()
    }

    /// Whether the last argument ends in `...`, to be spread into arguments.
    pub fn expand_final(&self) -> bool {
        self.expand_final
    }
}

/// `expr.attr[index].*`: an expression and the operators applied to it.
#[derive(Debug, Clone, PartialEq)]
pub struct Traversal {
    pub expr: Expression,
    pub operators: Vec<Spanned<TraversalOperator>>,
    pub(crate) span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TraversalOperator {
    /// `.*`
    AttrSplat,
    /// `[*]`
    FullSplat,
    /// `.name`
    GetAttr(Ident),
    /// `[expr]`
    Index(Expression),
    /// `.0`, the index syntax of Terraform before 0.12.
    LegacyIndex(u64),
}

/// `-expr` or `!expr`.
#[derive(Debug, Clone, PartialEq)]
pub struct UnaryOp {
    pub operator: Spanned<UnaryOperator>,
    pub expr: Expression,
    pub(crate) span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOperator {
    Neg,
    Not,
}

/// `lhs op rhs`.
#[derive(Debug, Clone, PartialEq)]
pub struct BinaryOp {
    pub lhs_expr: Expression,
    pub operator: Spanned<BinaryOperator>,
    pub rhs_expr: Expression,
    pub(crate) span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOperator {
    Eq,
    NotEq,
    LessEq,
    GreaterEq,
    Less,
    Greater,
    Plus,
    Minus,
    Mul,
    Div,
    Mod,
    And,
    Or,
}

impl BinaryOperator {
    /// Binding strength: higher binds tighter. All levels associate left.
    pub fn precedence(self) -> u8 {
        match self {
            BinaryOperator::Mul | BinaryOperator::Div | BinaryOperator::Mod => 6,
            BinaryOperator::Plus | BinaryOperator::Minus => 5,
            BinaryOperator::LessEq
            | BinaryOperator::GreaterEq
            | BinaryOperator::Less
            | BinaryOperator::Greater => 4,
            BinaryOperator::Eq | BinaryOperator::NotEq => 3,
            BinaryOperator::And => 2,
            BinaryOperator::Or => 1,
        }
    }
}

/// `[for k, v in coll : value if cond]` or `{for k, v in coll : key => value... if cond}`.
#[derive(Debug, Clone, PartialEq)]
pub struct ForExpr {
    pub intro: ForIntro,
    /// Present for an object `for`.
    pub key_expr: Option<Expression>,
    pub value_expr: Expression,
    /// `...` after the value: values of equal keys are grouped into lists.
    pub grouping: bool,
    pub cond: Option<ForCond>,
    pub(crate) span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ForIntro {
    pub key_var: Option<Ident>,
    pub value_var: Ident,
    pub collection_expr: Expression,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ForCond {
    pub expr: Expression,
}

/// The elements of a quoted template or a heredoc.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Template {
    pub(crate) elements: Vec<Element>,
    pub(crate) span: Span,
}

impl Template {
    pub fn iter(&self) -> std::slice::Iter<'_, Element> {
        self.elements.iter()
    }

    pub fn elements(&self) -> &[Element] {
        &self.elements
    }

    pub fn span(&self) -> Span {
        self.span
    }
}

/// `<<EOT` or `<<-EOT`. For `<<-`, the literals are already dedented, and
/// in both the `~` strip markers are already applied.
#[derive(Debug, Clone, PartialEq)]
pub struct HeredocTemplate {
    pub delimiter: Ident,
    pub template: Template,
    /// How many leading whitespace characters `<<-` removed from the lines
    /// it dedented.
    pub indent: Option<usize>,
    pub(crate) span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Element {
    /// Text, with escapes and `$${`/`%%{` resolved and the whitespace that
    /// strip markers and `<<-` remove already removed.
    Literal(Spanned<String>),
    Interpolation(Interpolation),
    Directive(Box<Directive>),
}

/// `${ expr }`.
#[derive(Debug, Clone, PartialEq)]
pub struct Interpolation {
    pub expr: Expression,
    pub strip: Strip,
    pub(crate) span: Span,
}

/// The `~` markers of one `${ }` or `%{ }` sequence: `${~` trims the
/// whitespace that ends the text before it, `~}` the whitespace that
/// starts the text after it. The parser has applied them to the literals.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Strip {
    pub start: bool,
    pub end: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Directive {
    If(IfDirective),
    For(ForDirective),
}

/// `%{ if cond }...%{ else }...%{ endif }`.
#[derive(Debug, Clone, PartialEq)]
pub struct IfDirective {
    pub cond_expr: Expression,
    pub true_template: Template,
    pub false_template: Option<Template>,
    /// The markers of `%{ if }`, `%{ else }` (when present) and `%{ endif }`.
    pub if_strip: Strip,
    pub else_strip: Strip,
    pub endif_strip: Strip,
}

/// `%{ for k, v in coll }...%{ endfor }`.
#[derive(Debug, Clone, PartialEq)]
pub struct ForDirective {
    pub key_var: Option<Ident>,
    pub value_var: Ident,
    pub collection_expr: Expression,
    pub template: Template,
    /// The markers of `%{ for }` and `%{ endfor }`.
    pub for_strip: Strip,
    pub endfor_strip: Strip,
}
