//! The restricted parser of Microsoft365DSC configuration scripts: the
//! `Configuration` and `Node` blocks, resource blocks with an instance name,
//! and property values (`$True`/`$False`/`$null`, numbers, strings, `@(…)`
//! arrays, nested CIM instances `MSFT_x { … }`). Every other statement is
//! skipped whole; a `$variable` value is kept as unknown. Nothing is run.

use safeguard_model::{Map, Node, Unknown, Value};
use safeguard_source::Span;

use crate::ps1_lex::{Tok, Token, lex};

/// One resource block: `EXOTransportConfig 'name' { … }`.
#[derive(Debug, Clone)]
pub(crate) struct Resource {
    pub kind: String,
    pub name: String,
    pub span: Span,
    /// The resource type and instance name.
    pub header_span: Span,
    pub props: Map,
}

/// A located problem in a configuration script.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub(crate) struct ParseError {
    pub span: Span,
    pub message: String,
}

/// Parses a script into its resources. Problems inside a block are
/// reported and the block skipped; the rest of the file is still read.
pub(crate) fn parse(text: &str) -> (Vec<Resource>, Vec<ParseError>) {
    let tokens = match lex(text) {
        Ok(tokens) => tokens,
        Err(err) => {
            return (
                Vec::new(),
                vec![ParseError {
                    span: err.span,
                    message: err.message,
                }],
            );
        }
    };
    let mut parser = Parser {
        tokens,
        pos: 0,
        resources: Vec::new(),
        errors: Vec::new(),
    };
    if let Err(err) = parser.check_balance() {
        return (Vec::new(), vec![err]);
    }
    parser.statements(false);
    (parser.resources, parser.errors)
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    resources: Vec<Resource>,
    errors: Vec<ParseError>,
}

fn err(span: Span, message: impl Into<String>) -> ParseError {
    ParseError {
        span,
        message: message.into(),
    }
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.pos).map(|t| &t.tok)
    }

    fn peek_at(&self, ahead: usize) -> Option<&Tok> {
        self.tokens.get(self.pos + ahead).map(|t| &t.tok)
    }

    fn span(&self) -> Span {
        self.tokens
            .get(self.pos)
            .or_else(|| self.tokens.last())
            .map_or(Span::default(), |t| t.span)
    }

    fn skip_newlines(&mut self) {
        while matches!(self.peek(), Some(Tok::Newline | Tok::Semi)) {
            self.pos += 1;
        }
    }

    /// Brackets must balance before anything is read: an unclosed brace
    /// would otherwise swallow the rest of the file silently.
    fn check_balance(&self) -> Result<(), ParseError> {
        let mut stack: Vec<(&Tok, Span)> = Vec::new();
        for token in &self.tokens {
            match &token.tok {
                Tok::LBrace | Tok::AtBrace | Tok::LParen | Tok::AtParen | Tok::LBracket => {
                    stack.push((&token.tok, token.span));
                }
                Tok::RBrace | Tok::RParen | Tok::RBracket => {
                    let expected = match &token.tok {
                        Tok::RBrace => "}",
                        Tok::RParen => ")",
                        _ => "]",
                    };
                    match stack.pop() {
                        Some((open, _)) if closer(open) == expected => {}
                        Some((open, span)) => {
                            return Err(err(
                                token.span,
                                format!(
                                    "`{expected}` closes `{}` opened at byte {}; the brackets do not balance",
                                    opener(open),
                                    span.start
                                ),
                            ));
                        }
                        None => {
                            return Err(err(
                                token.span,
                                format!("`{expected}` has no matching opening bracket"),
                            ));
                        }
                    }
                }
                _ => {}
            }
        }
        match stack.pop() {
            Some((open, span)) => Err(err(span, format!("`{}` is never closed", opener(open)))),
            None => Ok(()),
        }
    }

    /// Statements of a script, a `Configuration` or a `Node` body, until
    /// the closing brace (`inside`) or the end.
    fn statements(&mut self, inside: bool) {
        loop {
            self.skip_newlines();
            let Some(tok) = self.peek().cloned() else {
                return;
            };
            match tok {
                Tok::RBrace if inside => {
                    self.pos += 1;
                    return;
                }
                Tok::Word(word) => {
                    let lower = word.to_ascii_lowercase();
                    if (lower == "configuration" || lower == "node") && self.opens_named_block() {
                        // `Configuration Name {` / `Node localhost {`
                        self.pos += 2;
                        self.skip_newlines();
                        self.pos += 1;
                        self.statements(true);
                    } else if self.opens_named_block() && !lower.contains('-') {
                        self.resource(word);
                    } else {
                        self.skip_statement();
                    }
                }
                _ => self.skip_statement(),
            }
        }
    }

    /// `Word <name> {`, the name a word, string or variable.
    fn opens_named_block(&self) -> bool {
        let name = matches!(
            self.peek_at(1),
            Some(Tok::Word(_) | Tok::Str { .. } | Tok::Var(_))
        );
        let mut ahead = 2;
        while matches!(self.peek_at(ahead), Some(Tok::Newline)) {
            ahead += 1;
        }
        name && matches!(self.peek_at(ahead), Some(Tok::LBrace))
    }

    /// Skips one statement: to the end of its line, with bracketed parts
    /// (a `param(…)` block, a script block) skipped whole.
    fn skip_statement(&mut self) {
        let start = self.pos;
        let mut depth = 0usize;
        while let Some(tok) = self.peek() {
            match tok {
                Tok::LBrace | Tok::AtBrace | Tok::LParen | Tok::AtParen | Tok::LBracket => {
                    depth += 1
                }
                Tok::RBrace | Tok::RParen | Tok::RBracket => {
                    if depth == 0 {
                        // A closer left over after an error (the brackets
                        // balance, so nothing else leaves one): step over
                        // it, or the caller would meet it again forever.
                        if self.pos == start {
                            self.pos += 1;
                        }
                        return;
                    }
                    depth -= 1;
                }
                Tok::Newline | Tok::Semi if depth == 0 => {
                    self.pos += 1;
                    return;
                }
                _ => {}
            }
            self.pos += 1;
        }
    }

    fn resource(&mut self, kind: String) {
        let start = self.span();
        self.pos += 1;
        let name_token = self.tokens[self.pos].clone();
        let name = match &name_token.tok {
            Tok::Word(w) => w.clone(),
            Tok::Str { value, .. } => value.clone(),
            Tok::Var(v) => format!("${v}"),
            _ => String::new(),
        };
        self.pos += 1;
        self.skip_newlines();
        self.pos += 1; // `{`
        match self.properties() {
            Ok((props, end)) => self.resources.push(Resource {
                kind,
                name,
                span: start.cover(end),
                header_span: start.cover(name_token.span),
                props,
            }),
            Err(error) => {
                self.errors.push(error);
                self.skip_to_close();
            }
        }
    }

    /// Skips to just after the `}` closing the current block.
    fn skip_to_close(&mut self) {
        let mut depth = 0usize;
        while let Some(tok) = self.peek() {
            match tok {
                Tok::LBrace | Tok::AtBrace | Tok::LParen | Tok::AtParen | Tok::LBracket => {
                    depth += 1
                }
                Tok::RBrace | Tok::RParen | Tok::RBracket => {
                    if depth == 0 {
                        self.pos += 1;
                        return;
                    }
                    depth -= 1;
                }
                _ => {}
            }
            self.pos += 1;
        }
    }

    /// `Name = value` pairs up to the closing brace; returns the brace's span.
    fn properties(&mut self) -> Result<(Map, Span), ParseError> {
        let mut map = Map::default();
        loop {
            self.skip_newlines();
            let span = self.span();
            match self.peek().cloned() {
                Some(Tok::RBrace) => {
                    self.pos += 1;
                    return Ok((map, span));
                }
                Some(Tok::Word(key)) => {
                    self.pos += 1;
                    if self.peek() != Some(&Tok::Eq) {
                        return Err(err(
                            self.span(),
                            format!("expected `=` after the property `{key}`"),
                        ));
                    }
                    self.pos += 1;
                    let value = self.value()?;
                    map.insert(key, span, value);
                    match self.peek() {
                        Some(Tok::Newline | Tok::Semi | Tok::RBrace) => {}
                        _ => {
                            return Err(err(
                                self.span(),
                                format!(
                                    "unsupported expression in the value of `{}`: only literals, arrays, CIM instances and variables are read",
                                    map.entries.last().map_or("", |e| e.key.as_str())
                                ),
                            ));
                        }
                    }
                }
                Some(_) => return Err(err(span, "expected a property name or `}`")),
                None => return Err(err(span, "unexpected end of file in a block")),
            }
        }
    }

    /// One value, or several separated by commas (an array without `@()`).
    fn value(&mut self) -> Result<Node, ParseError> {
        let first = self.single()?;
        if self.peek() != Some(&Tok::Comma) {
            return Ok(first);
        }
        let mut span = first.span;
        let mut items = vec![first];
        while self.peek() == Some(&Tok::Comma) {
            self.pos += 1;
            while self.peek() == Some(&Tok::Newline) {
                self.pos += 1;
            }
            let item = self.single()?;
            span = span.cover(item.span);
            items.push(item);
        }
        Ok(Node::new(Value::List(items), span))
    }

    fn single(&mut self) -> Result<Node, ParseError> {
        let Some(token) = self.tokens.get(self.pos).cloned() else {
            return Err(err(self.span(), "expected a value"));
        };
        self.pos += 1;
        let node = |value| Node::new(value, token.span);
        match token.tok {
            Tok::Str {
                value,
                interpolates: None,
            } => Ok(node(Value::String(value))),
            Tok::Str {
                interpolates: Some(var),
                ..
            } => Ok(node(unresolved(&format!(
                "a string that interpolates `${var}`"
            )))),
            Tok::Var(name) => Ok(match name.to_ascii_lowercase().as_str() {
                "true" => node(Value::Bool(true)),
                "false" => node(Value::Bool(false)),
                "null" => node(Value::Null),
                _ => node(unresolved(&format!("`${name}`"))),
            }),
            Tok::Word(word) => {
                if let Ok(n) = word.parse::<f64>() {
                    return Ok(node(Value::Number(n)));
                }
                if self.peek() == Some(&Tok::LBrace) {
                    // A nested CIM instance: `MSFT_Type { … }`.
                    self.pos += 1;
                    let (props, end) = self.properties()?;
                    return Ok(Node::new(Value::Map(props), token.span.cover(end)));
                }
                Err(err(
                    token.span,
                    format!("unsupported bare word `{word}` as a value; quote strings"),
                ))
            }
            Tok::AtParen => {
                let mut items = Vec::new();
                loop {
                    while matches!(self.peek(), Some(Tok::Newline | Tok::Comma | Tok::Semi)) {
                        self.pos += 1;
                    }
                    if self.peek() == Some(&Tok::RParen) {
                        let end = self.span();
                        self.pos += 1;
                        return Ok(Node::new(Value::List(items), token.span.cover(end)));
                    }
                    items.push(self.single()?);
                }
            }
            Tok::AtBrace => {
                let (props, end) = self.properties()?;
                Ok(Node::new(Value::Map(props), token.span.cover(end)))
            }
            Tok::LBracket => {
                // A type cast such as `[System.String]"x"`: skip the type.
                while !matches!(self.peek(), Some(Tok::RBracket) | None) {
                    self.pos += 1;
                }
                self.pos += 1;
                self.single()
            }
            _ => Err(err(token.span, "expected a value")),
        }
    }
}

/// A PowerShell variable's value: never evaluated, so unknown.
fn unresolved(what: &str) -> Value {
    Value::Unknown(Unknown {
        reason: format!("{what} is a PowerShell variable, not resolved (safeguard runs no code)"),
        references: Vec::new(),
        presence_unknown: false,
        ..Unknown::default()
    })
}

fn opener(tok: &Tok) -> &'static str {
    match tok {
        Tok::LBrace => "{",
        Tok::AtBrace => "@{",
        Tok::LParen => "(",
        Tok::AtParen => "@(",
        _ => "[",
    }
}

fn closer(tok: &Tok) -> &'static str {
    match tok {
        Tok::LBrace | Tok::AtBrace => "}",
        Tok::LParen | Tok::AtParen => ")",
        _ => "]",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by fuzzing (`dsc`): after an error inside a CIM instance in an
    /// array, recovery stopped before the array's `)`, and the statement
    /// loop met that `)` again and again without moving.
    #[test]
    fn recovery_never_stalls_on_a_stray_closer() {
        let script = "Configuration C\n{\n    Node localhost\n    {\n        SCDLPComplianceRule 'R'\n        {\n            Rules = @(MSFT_X { name = 'a' $}; MSFT_X { name = 'b' })\n        }\n    }\n}\n";
        let (resources, errors) = parse(script);
        assert!(resources.is_empty());
        let messages: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(
            messages,
            vec![
                "unsupported expression in the value of `name`: only literals, arrays, CIM instances and variables are read"
            ]
        );
        // Stray closers at the top level too.
        for script in [")", "]", "}", "x ) y ] z }"] {
            let _ = parse(script);
        }
    }

    const SCRIPT: &str = r#"
Configuration M365TenantConfig
{
    param([Parameter()] [System.String] $TenantId)
    $OrganizationName = $ConfigurationData.NonNodeData.OrganizationName
    Import-DscResource -ModuleName 'Microsoft365DSC' -ModuleVersion '1.24.717.1'
    Node localhost
    {
        EXOTransportConfig dded6538-415e-4c16-bad1-68ebe92913d9
        {
            IsSingleInstance                 = "Yes";
            SmtpClientAuthenticationDisabled = $True;
            Credential                       = $Credscredential;
        }
        SCDLPComplianceRule 'Rule'
        {
            ContentContainsSensitiveInformation = MSFT_SCDLPContainsSensitiveInformation {
                SensitiveInformation = @(MSFT_SCDLPSensitiveInformation { name = 'U.S. Social Security Number (SSN)'; mincount = 1 })
            }
            Priority = 0
            Locations = "a","b"
        }
    }
}
"#;

    #[test]
    fn resources_values_and_variables() {
        let (resources, errors) = parse(SCRIPT);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(resources.len(), 2);
        let transport = &resources[0];
        assert_eq!(transport.kind, "EXOTransportConfig");
        assert_eq!(transport.name, "dded6538-415e-4c16-bad1-68ebe92913d9");
        let auth = transport
            .props
            .get("SmtpClientAuthenticationDisabled")
            .unwrap();
        assert_eq!(auth.value.value, Value::Bool(true));
        assert_eq!(&SCRIPT[auth.value.span.range()], "$True");
        assert!(matches!(
            transport.props.get("Credential").unwrap().value.value,
            Value::Unknown(_)
        ));
        let rule = &resources[1];
        let content = rule
            .props
            .get("ContentContainsSensitiveInformation")
            .unwrap();
        assert!(
            content
                .value
                .value
                .to_string()
                .contains("U.S. Social Security Number (SSN)")
        );
        assert_eq!(
            rule.props.get("Priority").unwrap().value.value,
            Value::Number(0.0)
        );
        assert_eq!(
            rule.props.get("Locations").unwrap().value.value.to_string(),
            "[\"a\", \"b\"]"
        );
    }

    #[test]
    fn unbalanced_brace_is_a_located_error() {
        let text = "Configuration C\n{\n    Node localhost\n    {\n        TeamsClientConfiguration 'x'\n        {\n            AllowBox = $True\n    }\n}\n";
        let (resources, errors) = parse(text);
        assert!(resources.is_empty());
        assert_eq!(errors.len(), 1);
        assert_eq!(&text[errors[0].span.range()], "{");
        assert_eq!(errors[0].span.start, 16);
    }
}
