use crate::Pattern;
use safeguard_model::Value;
use safeguard_source::Span;

use crate::AttrPath;

/// A compiled condition. Evaluation is three-valued (pass, fail, unknown) and
/// lives in the engine; this is only the validated shape.
#[derive(Debug, Clone)]
pub enum Condition {
    All(Vec<Condition>),
    Any(Vec<Condition>),
    Not(Box<Condition>),
    Leaf(Leaf),
    ReferencedBy(ReferencedBy),
    ExistsObject(ExistsObject),
    /// `hipaa-eligible-service: true`: the judged object's resource type
    /// belongs to a service on its provider's eligible-services list. The
    /// span is where the condition is written.
    EligibleService(Span),
}

/// `attr: PATH` with one operator, e.g. `{attr: storage_encrypted, equals: true}`.
#[derive(Debug, Clone)]
pub struct Leaf {
    pub path: AttrPath,
    pub operator: Operator,
    /// The value to assume when the attribute is absent: the provider's or
    /// server's documented default.
    pub default: Option<Value>,
    /// Where the leaf is written in the policy file.
    pub span: Span,
}

#[derive(Debug, Clone)]
pub enum Operator {
    Exists(bool),
    Equals(Value),
    NotEquals(Value),
    In(Vec<Value>),
    NotIn(Vec<Value>),
    Matches(Pattern),
    Gte(f64),
    Lte(f64),
    Contains(Value),
    AnyItem(Box<Condition>),
    AllItems(Box<Condition>),
    /// The value names a vendor whose BAA status (catalogue and the
    /// organisation's register together) is one of these keywords.
    VendorBaa(Vec<String>),
}

impl Operator {
    pub const NAMES: [&'static str; 12] = [
        "exists",
        "equals",
        "not-equals",
        "in",
        "not-in",
        "matches",
        "gte",
        "lte",
        "contains",
        "any-item",
        "all-items",
        "vendor-baa",
    ];

    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            Operator::Exists(_) => "exists",
            Operator::Equals(_) => "equals",
            Operator::NotEquals(_) => "not-equals",
            Operator::In(_) => "in",
            Operator::NotIn(_) => "not-in",
            Operator::Matches(_) => "matches",
            Operator::Gte(_) => "gte",
            Operator::Lte(_) => "lte",
            Operator::Contains(_) => "contains",
            Operator::AnyItem(_) => "any-item",
            Operator::AllItems(_) => "all-items",
            Operator::VendorBaa(_) => "vendor-baa",
        }
    }

    /// Negative operators hold only when no value of the attribute matches;
    /// positive ones when any does.
    #[must_use]
    pub fn is_negative(&self) -> bool {
        matches!(self, Operator::NotEquals(_) | Operator::NotIn(_))
    }
}

/// Holds when another object of `types` points at this one through `attr`
/// (for example an `aws_s3_bucket_server_side_encryption_configuration` whose
/// `bucket` references the bucket) and, if given, satisfies `require`.
#[derive(Debug, Clone)]
pub struct ReferencedBy {
    pub types: Vec<String>,
    pub attr: AttrPath,
    pub require: Option<Box<Condition>>,
    /// An attribute of this object whose literal value a referencing object
    /// may use instead of a reference (a bucket's `bucket` name).
    pub name_attr: Option<AttrPath>,
    pub span: Span,
}

/// Holds when the document contains an object of `types` satisfying `where`.
#[derive(Debug, Clone)]
pub struct ExistsObject {
    pub types: Vec<String>,
    pub filter: Option<Box<Condition>>,
    pub span: Span,
}
