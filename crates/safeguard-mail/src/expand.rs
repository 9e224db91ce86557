//! `$name` expansion with Postfix's `mac_expand` semantics.
//!
//! `$name`, `${name}` and `$(name)` expand recursively; an undefined name
//! expands to nothing; `$$` is a literal `$`. `${name?text}` gives `text`
//! when the value is non-empty and `${name:text}` when it is empty or
//! undefined: the test is emptiness of the *raw* value, so `no` counts as
//! set. Since Postfix 3.0, `{ }` operands allow `${name?{a}:{b}}` and
//! relational tests `${{$x} == {y} ? {a} : {b}}`, with `<level` and friends
//! comparing compatibility levels (3.6+).
//!
//! A name whose value only Postfix knows (a built-in default such as
//! `$myhostname`) is [`Lookup::Unknown`]: its reference is kept verbatim in
//! the text and listed in [`Expansion::unknown`]. Expansion stops at the
//! first error, keeping the text produced so far; nesting deeper than
//! [`MAX_DEPTH`] (a `$a` that refers to itself) is such an error.

use std::borrow::Cow;
use std::cmp::Ordering;

use crate::syntax::matching_brace;
use crate::version::CompatLevel;

/// How deep `$name` references may nest, as in Postfix.
pub const MAX_DEPTH: usize = 100;

/// How many references one expansion may evaluate. Postfix has no such
/// bound; we add it so `a = $b$b`, `b = $c$c`, … cannot take exponential time.
pub const MAX_REFERENCES: usize = 100_000;

/// The longest text one expansion may produce (1 MiB), for the same reason.
pub const MAX_OUTPUT: usize = 1 << 20;

/// What a name stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup<'a> {
    Value(Cow<'a, str>),
    /// Defined, but only the running Postfix knows the value.
    Unknown,
    Undefined,
}

/// Where expansion looks names up.
pub trait Resolve {
    fn lookup(&self, name: &str) -> Lookup<'_>;
}

/// The result of expanding a value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Expansion {
    /// The expanded text; references to unknown values are kept as written.
    pub text: String,
    /// Names whose values were needed but unknown, in order of use.
    pub unknown: Vec<String>,
    /// The first error met; the text stops there.
    pub error: Option<ExpandError>,
}

impl Expansion {
    /// True when the text is exactly what Postfix computes.
    #[must_use]
    pub fn is_exact(&self) -> bool {
        self.unknown.is_empty() && self.error.is_none()
    }
}

/// Syntax and nesting errors; Postfix's daemons refuse to start on these.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExpandError {
    #[error("unreasonable macro call nesting: more than {MAX_DEPTH} levels at ${name}")]
    TooDeep { name: String },
    #[error("truncated macro reference: {text:?}")]
    Truncated { text: String },
    #[error("empty macro name: {text:?}")]
    EmptyName { text: String },
    #[error("attribute name syntax error in {text:?}")]
    NameSyntax { text: String },
    #[error("unbalanced {{}} in attribute expression: {text:?}")]
    Unbalanced { text: String },
    #[error("relational operator expected in {text:?}")]
    Operator { text: String },
    #[error("\"{{expression}}\" expected after the operator in {text:?}")]
    Operand { text: String },
    #[error("\"?\" or \":\" expected in {text:?}")]
    Conditional { text: String },
    #[error("unexpected input in {text:?}")]
    Trailing { text: String },
    #[error("malformed compatibility level {text:?}")]
    Level { text: String },
    #[error("expansion too large (more than {MAX_REFERENCES} references or {MAX_OUTPUT} bytes)")]
    TooLarge,
}

/// Expands `value` against `resolver`.
pub fn expand<R: Resolve + ?Sized>(value: &str, resolver: &R) -> Expansion {
    let mut expander = Expander::new(resolver, false);
    expander.parse(value);
    Expansion {
        text: expander.out,
        unknown: expander.unknown,
        error: expander.error,
    }
}

/// Every name `value` refers to, in both branches of every conditional,
/// without following the references (Postfix's "scan" mode, which postconf
/// uses to decide which user-defined parameters are in use).
#[must_use]
pub fn references(value: &str) -> Vec<String> {
    let mut expander = Expander::new(&NoValues, true);
    expander.parse(value);
    expander.refs
}

struct NoValues;

impl Resolve for NoValues {
    fn lookup(&self, _name: &str) -> Lookup<'_> {
        Lookup::Undefined
    }
}

/// Whitespace inside `${ … }` (Postfix `CHARS_SPACE`).
fn is_blank(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

fn skip_blanks(text: &str, mut i: usize) -> usize {
    while text.as_bytes().get(i).is_some_and(|&b| is_blank(b)) {
        i += 1;
    }
    i
}

/// A relational operator.
#[derive(Debug, Clone, Copy)]
enum Relation {
    Eq,
    Ne,
    Lt,
    Le,
    Ge,
    Gt,
}

impl Relation {
    fn parse(op: &str) -> Option<Relation> {
        Some(match op {
            "==" => Relation::Eq,
            "!=" => Relation::Ne,
            "<" => Relation::Lt,
            "<=" => Relation::Le,
            ">=" => Relation::Ge,
            ">" => Relation::Gt,
            _ => return None,
        })
    }

    fn holds(self, ordering: Ordering) -> bool {
        match self {
            Relation::Eq => ordering == Ordering::Equal,
            Relation::Ne => ordering != Ordering::Equal,
            Relation::Lt => ordering == Ordering::Less,
            Relation::Le => ordering != Ordering::Greater,
            Relation::Ge => ordering != Ordering::Less,
            Relation::Gt => ordering == Ordering::Greater,
        }
    }
}

/// The value a named reference or relational test produced.
enum Found<'a> {
    Value(Cow<'a, str>),
    Unknown,
    Undefined,
}

impl Found<'_> {
    /// Postfix's `lookup != 0 && *lookup != 0`.
    fn non_empty(&self) -> bool {
        matches!(self, Found::Value(v) if !v.is_empty())
    }
}

struct Expander<'r, R: ?Sized> {
    resolver: &'r R,
    scan: bool,
    out: String,
    unknown: Vec<String>,
    refs: Vec<String>,
    error: Option<ExpandError>,
    depth: usize,
    steps: usize,
}

impl<'r, R: Resolve + ?Sized> Expander<'r, R> {
    fn new(resolver: &'r R, scan: bool) -> Self {
        Self {
            resolver,
            scan,
            out: String::new(),
            unknown: Vec::new(),
            refs: Vec::new(),
            error: None,
            depth: 0,
            steps: 0,
        }
    }

    fn fail(&mut self, error: ExpandError) {
        if self.error.is_none() {
            self.error = Some(error);
        }
    }

    fn literal(&mut self, text: &str) {
        if self.scan || self.error.is_some() {
            return;
        }
        if self.out.len() + text.len() > MAX_OUTPUT {
            return self.fail(ExpandError::TooLarge);
        }
        self.out.push_str(text);
    }

    /// Postfix `mac_parse`: literal text, `$$`, and `$name` / `${…}` / `$(…)`.
    fn parse(&mut self, value: &str) {
        let bytes = value.as_bytes();
        let mut literal = String::new();
        let mut run = 0;
        let mut i = 0;
        while i < bytes.len() && self.error.is_none() {
            if bytes.get(i) != Some(&b'$') {
                i += 1;
                continue;
            }
            literal.push_str(value.get(run..i).unwrap_or(""));
            if bytes.get(i + 1) == Some(&b'$') {
                literal.push('$');
                i += 2;
                run = i;
                continue;
            }
            self.literal(&literal);
            literal.clear();
            let dollar = i;
            i += 1;
            let inner = match bytes.get(i) {
                Some(&open @ (b'{' | b'(')) => {
                    let close = if open == b'{' { b'}' } else { b')' };
                    let mut level = 1usize;
                    let mut end = i + 1;
                    while level > 0 {
                        match bytes.get(end) {
                            None => break,
                            Some(&b) if b == open => level += 1,
                            Some(&b) if b == close => level -= 1,
                            Some(_) => {}
                        }
                        end += 1;
                    }
                    if level > 0 {
                        self.fail(ExpandError::Truncated {
                            text: value.to_owned(),
                        });
                        return;
                    }
                    let inner = i + 1..end - 1;
                    i = end;
                    inner
                }
                _ => {
                    let start = i;
                    while bytes
                        .get(i)
                        .is_some_and(|&b| b.is_ascii_alphanumeric() || b == b'_')
                    {
                        i += 1;
                    }
                    start..i
                }
            };
            run = i;
            if inner.is_empty() {
                self.fail(ExpandError::EmptyName {
                    text: value.to_owned(),
                });
                return;
            }
            let verbatim = value.get(dollar..i).unwrap_or("");
            self.reference(value.get(inner).unwrap_or(""), verbatim);
        }
        literal.push_str(value.get(run..).unwrap_or(""));
        if self.error.is_none() {
            self.literal(&literal);
        }
    }

    /// Postfix `mac_expand_callback` for one `$…` reference.
    fn reference(&mut self, inner: &str, verbatim: &str) {
        self.depth += 1;
        self.steps += 1;
        if self.steps > MAX_REFERENCES {
            self.fail(ExpandError::TooLarge);
        }
        if self.depth > MAX_DEPTH {
            self.fail(ExpandError::TooDeep {
                name: inner.to_owned(),
            });
        }
        if self.error.is_none() {
            self.evaluate(inner, verbatim);
        }
        self.depth -= 1;
    }

    fn evaluate(&mut self, inner: &str, verbatim: &str) {
        let bytes = inner.as_bytes();
        let start = skip_blanks(inner, 0);
        let (found, mut cursor, operator) = if bytes.get(start) == Some(&b'{') {
            let Some((found, after)) = self.relational(inner, start) else {
                return;
            };
            match bytes.get(after) {
                None => (found, after, None),
                Some(&op @ (b'?' | b':')) => (found, after + 1, Some(op)),
                Some(_) => {
                    return self.fail(ExpandError::Conditional {
                        text: inner.to_owned(),
                    });
                }
            }
        } else {
            let Some((name, after, operator)) = self.name(inner, start) else {
                return;
            };
            let found = if self.scan {
                if !self.refs.iter().any(|r| r == name) {
                    self.refs.push(name.to_owned());
                }
                Found::Undefined
            } else {
                match self.resolver.lookup(name) {
                    Lookup::Value(v) => Found::Value(v),
                    Lookup::Unknown => {
                        self.note_unknown(name);
                        Found::Unknown
                    }
                    Lookup::Undefined => Found::Undefined,
                }
            };
            (found, after, operator)
        };
        if matches!(found, Found::Unknown) {
            // The outcome depends on a value we cannot know: keep the whole
            // reference as written.
            self.literal(verbatim);
            return;
        }
        let mut operator = operator;
        if operator == Some(b'?') {
            let (branch, after) = match self.operand(inner, cursor) {
                Some(result) => result,
                None => return,
            };
            if self.scan || found.non_empty() {
                self.parse(branch);
            }
            cursor = after;
            match bytes.get(cursor) {
                None => return,
                Some(b':') => {
                    cursor += 1;
                    operator = Some(b':');
                }
                Some(_) => {
                    return self.fail(ExpandError::Conditional {
                        text: inner.to_owned(),
                    });
                }
            }
        }
        if operator == Some(b':') {
            let (branch, after) = match self.operand(inner, cursor) {
                Some(result) => result,
                None => return,
            };
            if self.scan || !found.non_empty() {
                self.parse(branch);
            }
            if after < inner.len() {
                self.fail(ExpandError::Trailing {
                    text: inner.to_owned(),
                });
            }
            return;
        }
        // A plain reference: expand the value recursively.
        if let Found::Value(value) = found
            && !self.scan
            && !value.is_empty()
        {
            self.parse(&value);
        }
    }

    fn note_unknown(&mut self, name: &str) {
        if !self.unknown.iter().any(|n| n == name) {
            self.unknown.push(name.to_owned());
        }
    }

    /// A parameter name, then optional blanks and `?` or `:`.
    fn name<'i>(&mut self, inner: &'i str, start: usize) -> Option<(&'i str, usize, Option<u8>)> {
        let bytes = inner.as_bytes();
        let mut i = start;
        loop {
            let after_blanks = skip_blanks(inner, i);
            match bytes.get(after_blanks) {
                None => return Some((inner.get(start..i).unwrap_or(""), after_blanks, None)),
                Some(&op @ (b'?' | b':')) => {
                    return Some((
                        inner.get(start..i).unwrap_or(""),
                        after_blanks + 1,
                        Some(op),
                    ));
                }
                Some(_) => {}
            }
            if !bytes
                .get(i)
                .is_some_and(|&b| b.is_ascii_alphanumeric() || b == b'_')
            {
                self.fail(ExpandError::NameSyntax {
                    text: inner.to_owned(),
                });
                return None;
            }
            i += 1;
        }
    }

    /// A `?`/`:` result: a `{ }` operand (blanks around it skipped), or
    /// else all the remaining text.
    fn operand<'i>(&mut self, inner: &'i str, cursor: usize) -> Option<(&'i str, usize)> {
        let open = skip_blanks(inner, cursor);
        if inner.as_bytes().get(open) != Some(&b'{') {
            return Some((inner.get(cursor..).unwrap_or(""), inner.len()));
        }
        self.braced(inner, open)
    }

    /// The payload of the `{ }` at `open` and the position after it and the
    /// blanks that follow.
    fn braced<'i>(&mut self, inner: &'i str, open: usize) -> Option<(&'i str, usize)> {
        let Some(close) = matching_brace(inner, open) else {
            self.fail(ExpandError::Unbalanced {
                text: inner.to_owned(),
            });
            return None;
        };
        Some((
            inner.get(open + 1..close).unwrap_or(""),
            skip_blanks(inner, close + 1),
        ))
    }

    /// `{left} op {right}`: the test's value (`"true"` or `""`) and the
    /// position after it.
    fn relational(&mut self, inner: &str, open: usize) -> Option<(Found<'static>, usize)> {
        let bytes = inner.as_bytes();
        let (left, mut i) = self.braced(inner, open)?;
        let op_start = i;
        while bytes.get(i).is_some_and(|b| b"<>!=?+-*/~&|%".contains(b)) {
            i += 1;
        }
        let Some(relation) = inner.get(op_start..i).and_then(Relation::parse) else {
            self.fail(ExpandError::Operator {
                text: inner.to_owned(),
            });
            return None;
        };
        // Postfix registers one operator suffix, `level` (compatibility
        // levels); any other suffix is an error.
        let suffix_start = i;
        while bytes.get(i).is_some_and(u8::is_ascii_alphanumeric) {
            i += 1;
        }
        let level = match inner.get(suffix_start..i) {
            Some("") => false,
            Some("level") => true,
            _ => {
                self.fail(ExpandError::Operator {
                    text: inner.to_owned(),
                });
                return None;
            }
        };
        let open = skip_blanks(inner, i);
        if bytes.get(open) != Some(&b'{') {
            self.fail(ExpandError::Operand {
                text: inner.to_owned(),
            });
            return None;
        }
        let (right, after) = self.braced(inner, open)?;
        let (left, left_unknown) = self.sub_expand(left);
        let (right, right_unknown) = self.sub_expand(right);
        if self.error.is_some() {
            return None;
        }
        if self.scan {
            return Some((Found::Undefined, after));
        }
        if left_unknown || right_unknown {
            return Some((Found::Unknown, after));
        }
        let ordering = if level {
            match (CompatLevel::parse(&left), CompatLevel::parse(&right)) {
                (Some(l), Some(r)) => l.cmp(&r),
                (None, _) => {
                    self.fail(ExpandError::Level { text: left });
                    return None;
                }
                (_, None) => {
                    self.fail(ExpandError::Level { text: right });
                    return None;
                }
            }
        } else {
            compare_values(&left, &right)
        };
        let value = if relation.holds(ordering) { "true" } else { "" };
        Some((Found::Value(Cow::Borrowed(value)), after))
    }

    /// Expands an operand on its own: its text, and whether it used an
    /// unknown value.
    fn sub_expand(&mut self, text: &str) -> (String, bool) {
        let saved_out = std::mem::take(&mut self.out);
        let unknown_before = self.unknown.len();
        self.parse(text);
        let result = std::mem::replace(&mut self.out, saved_out);
        (result, self.unknown.len() > unknown_before)
    }
}

/// Postfix compares two all-digit operands as numbers, anything else as
/// bytes. Digit strings are compared without converting, so no length of
/// number overflows.
fn compare_values(left: &str, right: &str) -> Ordering {
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if all_digits(left) && all_digits(right) {
        let l = left.trim_start_matches('0');
        let r = right.trim_start_matches('0');
        l.len().cmp(&r.len()).then_with(|| l.cmp(r))
    } else {
        left.as_bytes().cmp(right.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    struct Table(HashMap<&'static str, &'static str>, Vec<&'static str>);

    impl Resolve for Table {
        fn lookup(&self, name: &str) -> Lookup<'_> {
            if self.1.contains(&name) {
                return Lookup::Unknown;
            }
            self.0
                .get(name)
                .map_or(Lookup::Undefined, |v| Lookup::Value(Cow::Borrowed(v)))
        }
    }

    fn table(pairs: &[(&'static str, &'static str)]) -> Table {
        Table(pairs.iter().copied().collect(), vec!["myhostname"])
    }

    fn exp(value: &str, pairs: &[(&'static str, &'static str)]) -> String {
        let result = expand(value, &table(pairs));
        assert!(result.is_exact(), "{value}: {result:?}");
        result.text
    }

    #[test]
    fn plain_references_expand_recursively() {
        let vars = [("a", "x$b"), ("b", "${c}y"), ("c", "$(d)"), ("d", "z")];
        assert_eq!(exp("<$a>", &vars), "<xzy>");
        assert_eq!(exp("$undefined.", &vars), ".");
        assert_eq!(exp("$$a $$", &vars), "$a $");
        assert_eq!(exp("${ a }", &vars), "xzy");
    }

    #[test]
    fn conditionals_test_emptiness_not_truth() {
        let vars = [("x", "no"), ("e", "")];
        assert_eq!(exp("${x?yes}", &vars), "yes");
        assert_eq!(exp("${x:yes}", &vars), "");
        assert_eq!(exp("${e?yes}", &vars), "");
        assert_eq!(exp("${e:yes}", &vars), "yes");
        assert_eq!(exp("${undefined:yes}", &vars), "yes");
        // Before Postfix 3.0 syntax, the text after `?` is all literal.
        assert_eq!(exp("${x?a:b}", &vars), "a:b");
        assert_eq!(exp("${x?{a}:{b}}", &vars), "a");
        assert_eq!(exp("${e ? {a} : {b}}", &vars), "b");
        assert_eq!(exp("${x?{$x}}", &vars), "no");
    }

    #[test]
    fn relational_tests() {
        let vars = [("compatibility_level", "3.6"), ("n", "10")];
        let relay = "${{$compatibility_level} <level {1} ? {} : {permit_mynetworks}}";
        assert_eq!(exp(relay, &vars), "permit_mynetworks");
        assert_eq!(
            exp(
                "${{$compatibility_level} <level {3.11} ? {old} : {new}}",
                &vars
            ),
            "old"
        );
        assert_eq!(exp("${{$n} > {9} ? {num}}", &vars), "num");
        assert_eq!(exp("${{$n} > {9x} ? {num} : {str}}", &vars), "str");
        assert_eq!(exp("${{a} == {a}}", &vars), "true");
        let bad = expand("${{a} =~ {b}}", &table(&vars));
        assert!(matches!(bad.error, Some(ExpandError::Operator { .. })));
        let bad = expand("${{a} <level {b}}", &table(&vars));
        assert!(matches!(bad.error, Some(ExpandError::Level { .. })));
    }

    #[test]
    fn unknown_values_stay_verbatim() {
        let result = expand("$myhostname ESMTP ${myhostname?x} ok", &table(&[]));
        assert_eq!(result.text, "$myhostname ESMTP ${myhostname?x} ok");
        assert_eq!(result.unknown, vec!["myhostname".to_owned()]);
        assert!(!result.is_exact());
        let vars = [("banner", "$myhostname x")];
        let result = expand("[$banner]", &table(&vars));
        assert_eq!(result.text, "[$myhostname x]");
    }

    #[test]
    fn loops_terminate_with_partial_text() {
        let vars = [("a", "a$a"), ("b", "$c"), ("c", "$b")];
        let result = expand("start $a", &table(&vars));
        assert!(matches!(result.error, Some(ExpandError::TooDeep { .. })));
        assert!(result.text.starts_with("start aaaa"));
        let result = expand("$b", &table(&vars));
        assert!(matches!(result.error, Some(ExpandError::TooDeep { .. })));
    }

    #[test]
    fn exponential_expansion_is_bounded() {
        let vars = [
            ("a", "$b$b"),
            ("b", "$c$c"),
            ("c", "$d$d"),
            ("d", "$e$e"),
            ("e", "$f$f"),
            ("f", "$g$g"),
            ("g", "$h$h"),
            ("h", "$i$i"),
            ("i", "$j$j"),
            ("j", "$k$k"),
            ("k", "$l$l"),
            ("l", "$m$m"),
            ("m", "$n$n"),
            ("n", "$o$o"),
            ("o", "$p$p"),
            ("p", "$q$q"),
            ("q", "$r$r"),
            ("r", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
        ];
        let result = expand("$a", &table(&vars));
        assert_eq!(result.error, Some(ExpandError::TooLarge));
    }

    #[test]
    fn syntax_errors_stop_expansion() {
        let vars = [("a", "1")];
        type Check = fn(&ExpandError) -> bool;
        let cases: [(&str, Check, &str); 5] = [
            (
                "x ${a",
                |e| matches!(e, ExpandError::Truncated { .. }),
                "x ",
            ),
            (
                "x $ y",
                |e| matches!(e, ExpandError::EmptyName { .. }),
                "x ",
            ),
            (
                "x ${a b} y",
                |e| matches!(e, ExpandError::NameSyntax { .. }),
                "x ",
            ),
            (
                "x ${a?{b} y} z",
                |e| matches!(e, ExpandError::Conditional { .. }),
                "x b",
            ),
            (
                "x ${a?{b",
                |e| matches!(e, ExpandError::Truncated { .. }),
                "x ",
            ),
        ];
        for (value, check, text) in cases {
            let result = expand(value, &table(&vars));
            assert!(
                result.error.as_ref().is_some_and(check),
                "{value}: {result:?}"
            );
            assert_eq!(result.text, text, "{value}");
        }
    }

    #[test]
    fn scan_finds_every_branch() {
        assert_eq!(
            references("$a ${b?$c} ${d?{$e}:{$f}} ${{$g} == {x}} $$h $(i)"),
            vec!["a", "b", "c", "d", "e", "f", "g", "i"]
        );
    }
}
