//! The Terraform functions configurations commonly use. Any other function
//! is unknown with its name as the reason: never a guess.

use std::net::{Ipv4Addr, Ipv6Addr};

use safeguard_hcl::FuncCall;
use safeguard_model::{Map, Node, Value};
use safeguard_source::Span;

use super::ops::{format_number, strict_equal, to_bool, to_number, to_string};
use super::{EvalResult, Evaluator, Frame, first_unknown, unknown};

impl Evaluator<'_> {
    pub(super) fn call(&self, call: &FuncCall, frame: &Frame, span: Span) -> EvalResult {
        let name = call.name.name.as_str();
        if !call.name.namespace.is_empty() {
            let text = self
                .file(frame.file)
                .map(|f| f.slice(span).to_owned())
                .unwrap_or_default();
            let namespace = text.split('(').next().unwrap_or(name).trim().to_owned();
            return Ok(unknown(
                span,
                format!("function `{namespace}` is not evaluated"),
                Vec::new(),
            ));
        }
        let arg_exprs: Vec<_> = call.args.iter().collect();
        // `try` and `can` catch evaluation errors, so they evaluate lazily.
        match name {
            "try" => {
                let mut last = String::from("no arguments");
                for expr in &arg_exprs {
                    match self.eval(expr, frame) {
                        Ok(node) => return Ok(Node::new(node.value, span)),
                        Err(error) => last = error,
                    }
                }
                return Err(format!("try: every argument failed ({last})"));
            }
            "can" => {
                let [expr] = arg_exprs.as_slice() else {
                    return Err("can takes one argument".to_owned());
                };
                return Ok(match self.eval(expr, frame) {
                    Ok(node) => match first_unknown([&node], span) {
                        Some(unknown) => unknown,
                        None => Node::new(Value::Bool(true), span),
                    },
                    Err(_) => Node::new(Value::Bool(false), span),
                });
            }
            _ => {}
        }
        let mut args = arg_exprs
            .iter()
            .map(|e| self.eval(e, frame))
            .collect::<Result<Vec<_>, _>>()?;
        if call.args.expand_final()
            && let Some(last) = args.pop()
        {
            match last.value {
                Value::List(items) => args.extend(items),
                Value::Unknown(_) => return Ok(Node::new(last.value, span)),
                other => {
                    return Err(format!("cannot expand a {} with `...`", other.type_name()));
                }
            }
        }
        if name == "replace"
            && let Some(node) = replace_around_unknowns(&args, span)
        {
            return Ok(node);
        }
        // `coalesce` may skip nulls before an unknown; everything else is
        // unknown as soon as an argument is.
        if name != "coalesce"
            && let Some(unknown) = first_unknown(args.iter(), span)
        {
            return Ok(unknown);
        }
        let values: Vec<&Value> = args.iter().map(|a| &a.value).collect();
        match apply(name, &values, &args, span) {
            Ok(value) => Ok(Node::new(value, span)),
            Err(CallError::Unsupported(what)) => Ok(unknown(
                span,
                format!("{what} is not evaluated"),
                Vec::new(),
            )),
            Err(CallError::Failed(message)) => Err(message),
        }
    }
}

/// `replace` of a plain substring where the text has unknown parts or the
/// replacement is unknown: what is certain of the result (see
/// `partial_text::replace_in_pieces`). `None` sends every other case the
/// usual way.
fn replace_around_unknowns(args: &[Node], span: Span) -> Option<Node> {
    let [text, search, replacement] = args else {
        return None;
    };
    let search = match &search.value {
        Value::String(s) if !s.is_empty() && !is_regex_pattern(s) => s,
        _ => return None,
    };
    let pieces = match &text.value {
        Value::String(t) => vec![Some(t.clone())],
        Value::Unknown(u) => (**u.known_text.as_ref()?).clone(),
        _ => return None,
    };
    let with = match &replacement.value {
        Value::String(w) => Some(w.as_str()),
        Value::Unknown(_) => None,
        _ => return None,
    };
    let mut result = first_unknown([text, replacement], span)?;
    let pieces = super::partial_text::replace_in_pieces(&pieces, search, with);
    if pieces.iter().all(Option::is_some) {
        return Some(Node::new(
            Value::String(pieces.into_iter().flatten().collect()),
            span,
        ));
    }
    if let Value::Unknown(unknown) = &mut result.value {
        unknown.known_text = Some(Box::new(pieces));
    }
    Some(result)
}

/// `replace` takes a search string written `/…/` as a regular expression.
fn is_regex_pattern(search: &str) -> bool {
    search.len() > 1 && search.starts_with('/') && search.ends_with('/')
}

/// Why a call produced no value.
enum CallError {
    /// A function (or format verb) this evaluator does not implement.
    Unsupported(String),
    /// What Terraform itself would reject.
    Failed(String),
}

impl From<String> for CallError {
    fn from(message: String) -> Self {
        CallError::Failed(message)
    }
}

impl From<&str> for CallError {
    fn from(message: &str) -> Self {
        CallError::Failed(message.to_owned())
    }
}

pub(super) fn arity<'v>(
    name: &str,
    values: &[&'v Value],
    n: usize,
) -> Result<Vec<&'v Value>, String> {
    if values.len() == n {
        Ok(values.to_vec())
    } else {
        Err(format!("{name} takes {n} arguments, got {}", values.len()))
    }
}

pub(super) fn list_of<'v>(value: &'v Value, what: &str) -> Result<&'v [Node], String> {
    match value {
        Value::List(items) => Ok(items),
        other => Err(format!("{what} needs a list, got a {}", other.type_name())),
    }
}

fn map_of<'v>(value: &'v Value, what: &str) -> Result<&'v Map, String> {
    match value {
        Value::Map(map) => Ok(map),
        other => Err(format!("{what} needs a map, got a {}", other.type_name())),
    }
}

/// Go's `strings.ToUpper`/`ToLower`, which Terraform's `upper` and `lower`
/// are: each character maps to one character, so `ß` stays `ß` (Rust's
/// full mapping makes it `SS`) and `İ` lowers to `i`. A character whose
/// only mapping is to several is left as it is; Unicode's simple mappings
/// differ from that for a few Greek letters with iota subscript only.
fn simple_case(text: &str, upper: bool) -> String {
    text.chars()
        .map(|c| {
            let mut mapped = if upper {
                c.to_uppercase().collect::<Vec<char>>()
            } else {
                c.to_lowercase().collect::<Vec<char>>()
            };
            match mapped.len() {
                1 => mapped.pop().unwrap_or(c),
                _ if !upper && c == '\u{130}' => 'i',
                _ => c,
            }
        })
        .collect()
}

/// A number Terraform takes only whole (an index, an offset, a length).
fn whole(value: &Value, what: &str) -> Result<i64, String> {
    let n = to_number(value)?;
    #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
    // in range and whole, checked here
    if n.fract() == 0.0 && n.abs() < 9.0e18 {
        Ok(n as i64)
    } else {
        Err(format!(
            "{what} must be a whole number, got {}",
            format_number(n)
        ))
    }
}

fn node(value: Value, span: Span) -> Node {
    Node::new(value, span)
}

#[allow(clippy::too_many_lines)] // one match arm per function reads best as a table
fn apply(name: &str, values: &[&Value], args: &[Node], span: Span) -> Result<Value, CallError> {
    Ok(match name {
        "lower" => Value::String(simple_case(&to_string(arity(name, values, 1)?[0])?, false)),
        "upper" => Value::String(simple_case(&to_string(arity(name, values, 1)?[0])?, true)),
        "trimspace" => Value::String(to_string(arity(name, values, 1)?[0])?.trim().to_owned()),
        "tostring" => match arity(name, values, 1)?[0] {
            Value::Null => Value::Null,
            v => Value::String(to_string(v)?),
        },
        "tonumber" => match arity(name, values, 1)?[0] {
            Value::Null => Value::Null,
            v => Value::Number(to_number(v)?),
        },
        "tobool" => match arity(name, values, 1)?[0] {
            Value::Null => Value::Null,
            v => Value::Bool(to_bool(v)?),
        },
        "startswith" => {
            let v = arity(name, values, 2)?;
            Value::Bool(to_string(v[0])?.starts_with(&to_string(v[1])?))
        }
        "endswith" => {
            let v = arity(name, values, 2)?;
            Value::Bool(to_string(v[0])?.ends_with(&to_string(v[1])?))
        }
        "replace" => {
            let v = arity(name, values, 3)?;
            let (text, search, with) = (to_string(v[0])?, to_string(v[1])?, to_string(v[2])?);
            if is_regex_pattern(&search) {
                let re = regex::Regex::new(&search[1..search.len() - 1])
                    .map_err(|e| format!("replace: {e}"))?;
                Value::String(
                    re.replace_all(&text, terraform_replacement(&with).as_str())
                        .into_owned(),
                )
            } else {
                Value::String(text.replace(&search, &with))
            }
        }
        "substr" => {
            let v = arity(name, values, 3)?;
            let text: Vec<char> = to_string(v[0])?.chars().collect();
            let offset = whole(v[1], "substr's offset")?;
            let length = whole(v[2], "substr's length")?;
            #[allow(clippy::cast_possible_wrap, clippy::cast_possible_truncation)]
            // string lengths are small
            let len = text.len() as i64;
            let mut start = offset;
            if start < 0 {
                start += len;
            }
            let start = start.clamp(0, len);
            let end = if length < 0 {
                len
            } else {
                start.saturating_add(length).min(len)
            };
            #[allow(clippy::cast_sign_loss, clippy::cast_possible_truncation)] // clamped to 0..=len
            Value::String(
                text[start as usize..end.max(start) as usize]
                    .iter()
                    .collect(),
            )
        }
        "join" => {
            let v = arity(name, values, 2)?;
            let sep = to_string(v[0])?;
            let parts = list_of(v[1], name)?
                .iter()
                .map(|n| to_string(&n.value))
                .collect::<Result<Vec<_>, _>>()?;
            Value::String(parts.join(&sep))
        }
        "split" => {
            let v = arity(name, values, 2)?;
            let (sep, text) = (to_string(v[0])?, to_string(v[1])?);
            // Go's strings.Split: an empty separator cuts between characters.
            let parts: Vec<String> = if sep.is_empty() {
                text.chars().map(String::from).collect()
            } else {
                text.split(sep.as_str()).map(str::to_owned).collect()
            };
            Value::List(
                parts
                    .into_iter()
                    .map(|p| node(Value::String(p), span))
                    .collect(),
            )
        }
        "format" => format(values)?,
        "length" => {
            #[allow(clippy::cast_precision_loss)] // lengths are small
            let n = match arity(name, values, 1)?[0] {
                Value::List(items) => items.len() as f64,
                Value::Map(map) => map.len() as f64,
                Value::String(s) => s.chars().count() as f64,
                other => return Err(format!("length of a {}", other.type_name()).into()),
            };
            Value::Number(n)
        }
        "contains" => {
            let v = arity(name, values, 2)?;
            Value::Bool(
                list_of(v[0], name)?
                    .iter()
                    .any(|item| strict_equal(&item.value, v[1])),
            )
        }
        "element" => {
            let v = arity(name, values, 2)?;
            let items = list_of(v[0], name)?;
            if items.is_empty() {
                return Err("element of an empty list".into());
            }
            // Wraps past either end, as cty's `element` does.
            #[allow(clippy::cast_possible_wrap, clippy::cast_possible_truncation)]
            let len = items.len() as i64;
            let index = whole(v[1], "element's index")?.rem_euclid(len);
            #[allow(clippy::cast_sign_loss, clippy::cast_possible_truncation)] // 0..len
            items[index as usize].value.clone()
        }
        "concat" => Value::List(
            values
                .iter()
                .map(|v| list_of(v, name).map(<[Node]>::to_vec))
                .collect::<Result<Vec<_>, _>>()?
                .concat(),
        ),
        "flatten" => {
            fn flat(items: &[Node], out: &mut Vec<Node>) {
                for item in items {
                    match &item.value {
                        Value::List(inner) => flat(inner, out),
                        _ => out.push(item.clone()),
                    }
                }
            }
            let mut out = Vec::new();
            flat(list_of(arity(name, values, 1)?[0], name)?, &mut out);
            Value::List(out)
        }
        "toset" => Value::List(super::collection_functions::as_set(
            list_of(arity(name, values, 1)?[0], name)?.to_vec(),
        )),
        "tolist" => Value::List(list_of(arity(name, values, 1)?[0], name)?.to_vec()),
        "tomap" => Value::Map(map_of(arity(name, values, 1)?[0], name)?.clone()),
        "keys" => {
            let mut keys: Vec<&str> = map_of(arity(name, values, 1)?[0], name)?
                .entries
                .iter()
                .map(|e| e.key.as_str())
                .collect();
            keys.sort_unstable();
            Value::List(
                keys.into_iter()
                    .map(|k| node(Value::String(k.to_owned()), span))
                    .collect(),
            )
        }
        "values" => {
            let map = map_of(arity(name, values, 1)?[0], name)?;
            let mut entries: Vec<_> = map.entries.iter().collect();
            entries.sort_by(|a, b| a.key.cmp(&b.key));
            Value::List(entries.into_iter().map(|e| e.value.clone()).collect())
        }
        "lookup" => {
            if values.len() != 2 && values.len() != 3 {
                return Err("lookup takes 2 or 3 arguments".into());
            }
            let map = map_of(values[0], name)?;
            let key = to_string(values[1])?;
            match (map.get(&key), values.get(2)) {
                (Some(entry), _) => entry.value.value.clone(),
                (None, Some(default)) => (*default).clone(),
                (None, None) => return Err(format!("lookup: no key \"{key}\"").into()),
            }
        }
        "merge" => {
            let mut merged = Map::default();
            for value in values {
                match value {
                    Value::Null => {}
                    value => {
                        for entry in &map_of(value, name)?.entries {
                            merged.entries.retain(|e| e.key != entry.key);
                            merged.entries.push(entry.clone());
                        }
                    }
                }
            }
            Value::Map(merged)
        }
        "coalesce" => {
            for arg in args {
                match &arg.value {
                    Value::Null => {}
                    Value::String(s) if s.is_empty() => {}
                    Value::Unknown(_) => return Ok(arg.value.clone()),
                    other => return Ok(other.clone()),
                }
            }
            return Err("coalesce: no non-null, non-empty argument".into());
        }
        "min" | "max" => {
            let numbers = values
                .iter()
                .map(|v| to_number(v))
                .collect::<Result<Vec<_>, _>>()?;
            let pick = if name == "min" { f64::min } else { f64::max };
            Value::Number(
                numbers
                    .into_iter()
                    .reduce(pick)
                    .ok_or_else(|| format!("{name} needs arguments"))?,
            )
        }
        "jsonencode" => {
            // An unknown inside leaves the text unknown, with what can be
            // known of it (not an error: `try` must not skip it).
            let mut text = super::partial_text::PartialText::default();
            text.push_json(arity(name, values, 1)?[0]);
            text.into_node(span).value
        }
        "jsondecode" => {
            let text = to_string(arity(name, values, 1)?[0])?;
            let json: serde_json::Value =
                serde_json::from_str(&text).map_err(|e| format!("jsondecode: {e}"))?;
            from_json(&json, span)
        }
        "regex" => {
            let v = arity(name, values, 2)?;
            let re = regex::Regex::new(&to_string(v[0])?).map_err(|e| format!("regex: {e}"))?;
            let text = to_string(v[1])?;
            let captures = re.captures(&text).ok_or("regex: no match")?;
            let names: Vec<Option<&str>> = re.capture_names().skip(1).collect();
            let text_of = |m: Option<regex::Match<'_>>| {
                m.map_or(Value::Null, |m| Value::String(m.as_str().to_owned()))
            };
            if names.is_empty() {
                text_of(captures.get(0))
            } else if names.iter().all(Option::is_some) {
                let mut map = Map::default();
                for (i, group) in names.iter().enumerate() {
                    map.insert(
                        group.unwrap_or_default(),
                        span,
                        node(text_of(captures.get(i + 1)), span),
                    );
                }
                Value::Map(map)
            } else {
                Value::List(
                    (1..=names.len())
                        .map(|i| node(text_of(captures.get(i)), span))
                        .collect(),
                )
            }
        }
        "cidrsubnet" => {
            let v = arity(name, values, 3)?;
            Value::String(cidrsubnet(
                &to_string(v[0])?,
                to_number(v[1])?,
                to_number(v[2])?,
            )?)
        }
        "strcontains" => {
            let v = arity(name, values, 2)?;
            Value::Bool(to_string(v[0])?.contains(&to_string(v[1])?))
        }
        "trimprefix" | "trimsuffix" => {
            let v = arity(name, values, 2)?;
            let (text, part) = (to_string(v[0])?, to_string(v[1])?);
            let trimmed = if name == "trimprefix" {
                text.strip_prefix(part.as_str())
            } else {
                text.strip_suffix(part.as_str())
            };
            Value::String(trimmed.unwrap_or(&text).to_owned())
        }
        "chomp" => Value::String(
            to_string(arity(name, values, 1)?[0])?
                .trim_end_matches(['\r', '\n'])
                .to_owned(),
        ),
        "abs" => Value::Number(to_number(arity(name, values, 1)?[0])?.abs()),
        "ceil" => Value::Number(to_number(arity(name, values, 1)?[0])?.ceil()),
        "floor" => Value::Number(to_number(arity(name, values, 1)?[0])?.floor()),
        // Sensitivity changes how Terraform shows a value, not the value.
        "sensitive" | "nonsensitive" => arity(name, values, 1)?[0].clone(),
        other => match super::collection_functions::apply(other, values) {
            Some(result) => result?,
            None => return Err(CallError::Unsupported(format!("function `{other}`"))),
        },
    })
}

/// Terraform writes `$1` in replacements where Rust's regex wants `${1}`.
fn terraform_replacement(with: &str) -> String {
    let mut out = String::new();
    let mut chars = with.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' && chars.peek().is_some_and(char::is_ascii_digit) {
            let mut digits = String::new();
            while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
                digits.push(d);
                chars.next();
            }
            out.push_str(&format!("${{{digits}}}"));
        } else {
            out.push(c);
        }
    }
    out
}

fn format(values: &[&Value]) -> Result<Value, CallError> {
    let Some((spec, args)) = values.split_first() else {
        return Err("format needs a format string".into());
    };
    let spec = to_string(spec)?;
    let given = args.len();
    let mut used = 0;
    let mut out = String::new();
    let mut args = args.iter();
    let mut chars = spec.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        // Flags, width and precision: `%-5s`, `%03d`, `%.2f`.
        let mut left = false;
        let mut zero = false;
        while let Some(&flag) = chars.peek().filter(|c| matches!(c, '-' | '0' | '+' | ' ')) {
            left |= flag == '-';
            zero |= flag == '0';
            chars.next();
        }
        let mut width = String::new();
        while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
            width.push(d);
            chars.next();
        }
        let width: usize = width.parse().unwrap_or(0);
        let mut precision = None;
        if chars.peek() == Some(&'.') {
            chars.next();
            let mut digits = String::new();
            while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
                digits.push(d);
                chars.next();
            }
            precision = digits.parse::<usize>().ok();
        }
        let verb = chars.next().ok_or("format: trailing %")?;
        if verb == '%' {
            out.push('%');
            continue;
        }
        let arg = args.next().ok_or("format: not enough arguments")?;
        used += 1;
        let text = match verb {
            's' => to_string(arg)?,
            #[allow(clippy::cast_precision_loss)] // whole and in range, checked
            'd' => format_number(whole(arg, "`%d`'s argument")? as f64),
            'f' => format!("{:.*}", precision.unwrap_or(6), to_number(arg)?),
            'v' => match arg {
                Value::String(s) => s.clone(),
                other => to_json(other)?.to_string(),
            },
            'q' => serde_json::Value::String(to_string(arg)?).to_string(),
            't' => to_bool(arg)?.to_string(),
            other => return Err(CallError::Unsupported(format!("format verb `%{other}`"))),
        };
        let pad = width.saturating_sub(text.chars().count());
        if left {
            out.push_str(&text);
            out.extend(std::iter::repeat_n(' ', pad));
        } else if zero && matches!(verb, 'd' | 'f') {
            let (sign, digits) = text
                .strip_prefix('-')
                .map_or(("", text.as_str()), |rest| ("-", rest));
            out.push_str(sign);
            out.extend(std::iter::repeat_n('0', pad));
            out.push_str(digits);
        } else {
            out.extend(std::iter::repeat_n(' ', pad));
            out.push_str(&text);
        }
    }
    if used < given {
        return Err(
            format!("format: too many arguments; only {used} used by the format string").into(),
        );
    }
    Ok(Value::String(out))
}

fn to_json(value: &Value) -> Result<serde_json::Value, String> {
    Ok(match value {
        Value::Null => serde_json::Value::Null,
        Value::Bool(b) => serde_json::Value::Bool(*b),
        Value::Number(n) => {
            #[allow(clippy::cast_possible_truncation)] // whole numbers within range
            if n.fract() == 0.0 && n.abs() < 1e15 {
                serde_json::Value::from(*n as i64)
            } else {
                serde_json::Number::from_f64(*n)
                    .map_or(serde_json::Value::Null, serde_json::Value::Number)
            }
        }
        Value::String(s) => serde_json::Value::String(s.clone()),
        Value::List(items) => serde_json::Value::Array(
            items
                .iter()
                .map(|i| to_json(&i.value))
                .collect::<Result<_, _>>()?,
        ),
        Value::Map(map) => {
            // jsonencode sorts object keys, as Terraform's does.
            let mut entries: Vec<_> = map.entries.iter().collect();
            entries.sort_by(|a, b| a.key.cmp(&b.key));
            let mut object = serde_json::Map::new();
            for entry in entries {
                object.insert(entry.key.clone(), to_json(&entry.value.value)?);
            }
            serde_json::Value::Object(object)
        }
        Value::Unknown(u) => return Err(u.reason.clone()),
    })
}

pub(crate) fn from_json(json: &serde_json::Value, span: Span) -> Value {
    match json {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => Value::Number(n.as_f64().unwrap_or(f64::NAN)),
        serde_json::Value::String(s) => Value::String(s.clone()),
        serde_json::Value::Array(items) => Value::List(
            items
                .iter()
                .map(|i| Node::new(from_json(i, span), span))
                .collect(),
        ),
        serde_json::Value::Object(object) => {
            let mut map = Map::default();
            for (key, value) in object {
                map.insert(key.clone(), span, Node::new(from_json(value, span), span));
            }
            Value::Map(map)
        }
    }
}

fn cidrsubnet(prefix: &str, newbits: f64, netnum: f64) -> Result<String, String> {
    let (addr, len) = prefix
        .split_once('/')
        .ok_or_else(|| format!("cidrsubnet: `{prefix}` is not a CIDR prefix"))?;
    let len: u32 = len
        .parse()
        .map_err(|_| format!("cidrsubnet: bad prefix length in `{prefix}`"))?;
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // validated below
    let (newbits, netnum) = (newbits as u32, netnum as u128);
    let total = len + newbits;
    if let Ok(v4) = addr.parse::<Ipv4Addr>() {
        if total > 32 || (newbits < 32 && netnum >= (1u128 << newbits)) {
            return Err(format!(
                "cidrsubnet: {newbits} new bits cannot hold network {netnum} in /{len}"
            ));
        }
        let base = u32::from(v4) & if len == 0 { 0 } else { u32::MAX << (32 - len) };
        #[allow(clippy::cast_possible_truncation)] // netnum < 2^newbits <= 2^32
        let subnet = base
            | if total == 32 && newbits == 0 {
                0
            } else {
                (netnum as u32) << (32 - total)
            };
        return Ok(format!("{}/{total}", Ipv4Addr::from(subnet)));
    }
    if let Ok(v6) = addr.parse::<Ipv6Addr>() {
        if total > 128 || (newbits < 128 && netnum >= (1u128 << newbits)) {
            return Err(format!(
                "cidrsubnet: {newbits} new bits cannot hold network {netnum} in /{len}"
            ));
        }
        let base = u128::from(v6)
            & if len == 0 {
                0
            } else {
                u128::MAX << (128 - len)
            };
        let subnet = base
            | if total == 128 {
                0
            } else {
                netnum << (128 - total)
            };
        return Ok(format!("{}/{total}", Ipv6Addr::from(subnet)));
    }
    Err(format!("cidrsubnet: `{addr}` is not an IP address"))
}
