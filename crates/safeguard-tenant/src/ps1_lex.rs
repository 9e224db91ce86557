//! The lexer of the restricted PowerShell subset Microsoft365DSC writes.
//! It recognises words, quoted strings (backtick escapes, `''` and `""`),
//! `$variables` with member chains, punctuation and comments, and nothing
//! else; no PowerShell is ever run.

use safeguard_source::Span;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    /// A bare word: a keyword, a resource or property name, a number, a GUID.
    Word(String),
    /// A quoted string; `interpolates` names the first `$variable` inside a
    /// double-quoted string, whose value is then unknown.
    Str {
        value: String,
        interpolates: Option<String>,
    },
    /// `$name.member…`, without the `$`.
    Var(String),
    LBrace,
    RBrace,
    LParen,
    RParen,
    /// `@(`
    AtParen,
    /// `@{`
    AtBrace,
    LBracket,
    RBracket,
    Eq,
    Semi,
    Comma,
    Newline,
    Other(char),
}

#[derive(Debug, Clone)]
pub(crate) struct Token {
    pub tok: Tok,
    pub span: Span,
}

/// A lexing problem: an unterminated string or comment.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub(crate) struct LexError {
    pub span: Span,
    pub message: String,
}

fn is_word_char(c: char) -> bool {
    !(c.is_whitespace() || "{}()[];=,\"'$#@`|".contains(c))
}

pub(crate) fn lex(text: &str) -> Result<Vec<Token>, LexError> {
    let mut tokens = Vec::new();
    let mut chars = text.char_indices().peekable();
    let span = |a: usize, b: usize| Span::new(a as u32, b as u32);
    while let Some((start, c)) = chars.next() {
        let single = |tok| Token {
            tok,
            span: span(start, start + c.len_utf8()),
        };
        match c {
            '\n' => tokens.push(single(Tok::Newline)),
            c if c.is_whitespace() => {}
            // A backtick at the end of a line continues the statement.
            '`' if matches!(chars.peek(), Some((_, '\r' | '\n'))) => {
                while let Some((_, '\r' | '\n')) = chars.peek() {
                    chars.next();
                }
            }
            '#' => {
                while let Some((_, c)) = chars.peek() {
                    if *c == '\n' {
                        break;
                    }
                    chars.next();
                }
            }
            '<' if matches!(chars.peek(), Some((_, '#'))) => {
                chars.next();
                let mut closed = false;
                while let Some((_, c)) = chars.next() {
                    if c == '#' && matches!(chars.peek(), Some((_, '>'))) {
                        chars.next();
                        closed = true;
                        break;
                    }
                }
                if !closed {
                    return Err(LexError {
                        span: span(start, start + 2),
                        message: "block comment `<#` is never closed with `#>`".to_owned(),
                    });
                }
            }
            '{' => tokens.push(single(Tok::LBrace)),
            '}' => tokens.push(single(Tok::RBrace)),
            '(' => tokens.push(single(Tok::LParen)),
            ')' => tokens.push(single(Tok::RParen)),
            '[' => tokens.push(single(Tok::LBracket)),
            ']' => tokens.push(single(Tok::RBracket)),
            '=' => tokens.push(single(Tok::Eq)),
            ';' => tokens.push(single(Tok::Semi)),
            ',' => tokens.push(single(Tok::Comma)),
            '@' if matches!(chars.peek(), Some((_, '('))) => {
                chars.next();
                tokens.push(Token {
                    tok: Tok::AtParen,
                    span: span(start, start + 2),
                });
            }
            '@' if matches!(chars.peek(), Some((_, '{'))) => {
                chars.next();
                tokens.push(Token {
                    tok: Tok::AtBrace,
                    span: span(start, start + 2),
                });
            }
            '\'' | '"' => {
                let (tok, end) = string(text, start, c, &mut chars)?;
                tokens.push(Token {
                    tok,
                    span: span(start, end),
                });
            }
            '$' => {
                let mut end = start + 1;
                while let Some(&(i, c)) = chars.peek() {
                    if is_word_char(c) || c == '.' && end > start + 1 {
                        end = i + c.len_utf8();
                        chars.next();
                    } else {
                        break;
                    }
                }
                tokens.push(Token {
                    tok: Tok::Var(text[start + 1..end].to_owned()),
                    span: span(start, end),
                });
            }
            c if is_word_char(c) => {
                let mut end = start + c.len_utf8();
                while let Some(&(i, c)) = chars.peek() {
                    if is_word_char(c) {
                        end = i + c.len_utf8();
                        chars.next();
                    } else {
                        break;
                    }
                }
                tokens.push(Token {
                    tok: Tok::Word(text[start..end].to_owned()),
                    span: span(start, end),
                });
            }
            other => tokens.push(single(Tok::Other(other))),
        }
    }
    Ok(tokens)
}

/// A quoted string from its opening quote. Single quotes: `''` is a quote,
/// nothing else is special. Double quotes: backtick escapes, `""`, and
/// `$name` interpolation (kept as text, flagged).
fn string(
    text: &str,
    start: usize,
    quote: char,
    chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>,
) -> Result<(Tok, usize), LexError> {
    let mut value = String::new();
    let mut interpolates = None;
    while let Some((i, c)) = chars.next() {
        if c == quote {
            if matches!(chars.peek(), Some((_, q)) if *q == quote) {
                chars.next();
                value.push(quote);
                continue;
            }
            return Ok((
                Tok::Str {
                    value,
                    interpolates,
                },
                i + 1,
            ));
        }
        if quote == '"' && c == '`' {
            if let Some((_, escaped)) = chars.next() {
                value.push(match escaped {
                    'n' => '\n',
                    'r' => '\r',
                    't' => '\t',
                    '0' => '\0',
                    'a' => '\u{7}',
                    'b' => '\u{8}',
                    'f' => '\u{c}',
                    'v' => '\u{b}',
                    'e' => '\u{1b}',
                    other => other,
                });
            }
            continue;
        }
        if quote == '"' && c == '$' && interpolates.is_none() {
            let rest = &text[i + 1..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '(' || *c == ':')
                .collect();
            if !name.is_empty() {
                interpolates = Some(name);
            }
        }
        value.push(c);
    }
    Err(LexError {
        span: Span::new(start as u32, start as u32 + 1),
        message: format!("string opened with {quote} is never closed"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_escapes_and_variables() {
        let tokens = lex("A = \"device.trustType -eq `\"AzureAD`\"\"; B = 'it''s'; C = $ConfigurationData.NonNodeData.TenantId # c\n").unwrap();
        let kinds: Vec<&Tok> = tokens.iter().map(|t| &t.tok).collect();
        assert_eq!(
            kinds[2],
            &Tok::Str {
                value: "device.trustType -eq \"AzureAD\"".into(),
                interpolates: None
            }
        );
        assert_eq!(
            kinds[6],
            &Tok::Str {
                value: "it's".into(),
                interpolates: None
            }
        );
        assert_eq!(
            kinds[10],
            &Tok::Var("ConfigurationData.NonNodeData.TenantId".into())
        );
        assert_eq!(kinds[11], &Tok::Newline);
    }

    #[test]
    fn interpolation_is_flagged() {
        let tokens = lex("\"admin@$Domain\"").unwrap();
        assert!(matches!(&tokens[0].tok, Tok::Str { interpolates: Some(v), .. } if v == "Domain"));
    }

    #[test]
    fn unterminated_string_is_located() {
        let err = lex("A = \"open").unwrap_err();
        assert_eq!(err.span, Span::new(4, 5));
    }
}
