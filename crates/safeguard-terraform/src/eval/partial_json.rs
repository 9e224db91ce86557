//! JSON text read back with its unknown parts: a bucket policy merged from
//! documents whose ARNs are only known after apply. Only text whose gaps
//! each hold a whole value or characters inside a string (see
//! `Unknown::known_text_json`) is read; a gap anywhere else (where a key,
//! a comma or a bracket belongs) makes the text unreadable, never guessed.

/// A JSON value with unknown parts.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Parsed {
    Null,
    Bool(bool),
    Number(f64),
    Str(String),
    /// A string with unknown characters: its known pieces, unescaped, and
    /// `None` for each gap.
    PartialStr(Vec<Option<String>>),
    /// A whole value that is unknown.
    Gap,
    Array(Vec<Parsed>),
    /// Members in order; a repeated key keeps its first place and its last
    /// value (as `encoding/json` and `serde_json` both read it).
    Object(Vec<(String, Parsed)>),
}

/// Nesting deeper than this is refused (the text is ours or Terraform's,
/// never this deep; a bound keeps recursion safe).
const MAX_DEPTH: usize = 128;

impl Parsed {
    pub(crate) fn from_serde(json: &serde_json::Value) -> Parsed {
        match json {
            serde_json::Value::Null => Parsed::Null,
            serde_json::Value::Bool(b) => Parsed::Bool(*b),
            serde_json::Value::Number(n) => Parsed::Number(n.as_f64().unwrap_or(f64::NAN)),
            serde_json::Value::String(s) => Parsed::Str(s.clone()),
            serde_json::Value::Array(items) => {
                Parsed::Array(items.iter().map(Parsed::from_serde).collect())
            }
            serde_json::Value::Object(object) => Parsed::Object(
                object
                    .iter()
                    .map(|(k, v)| (k.clone(), Parsed::from_serde(v)))
                    .collect(),
            ),
        }
    }

    /// What the value is, for messages.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Parsed::Null => "null",
            Parsed::Bool(_) => "boolean",
            Parsed::Number(_) => "number",
            Parsed::Str(_) | Parsed::PartialStr(_) => "string",
            Parsed::Gap => "value not known before apply",
            Parsed::Array(_) => "list",
            Parsed::Object(_) => "object",
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Token {
    Char(char),
    Gap,
}

/// Reads `pieces` (known text, `None` for each gap) as one JSON value.
pub(crate) fn parse_pieces(pieces: &[Option<String>]) -> Result<Parsed, String> {
    let tokens: Vec<Token> = pieces
        .iter()
        .flat_map(|piece| match piece {
            Some(text) => text.chars().map(Token::Char).collect::<Vec<_>>(),
            None => vec![Token::Gap],
        })
        .collect();
    let mut reader = Reader { tokens, at: 0 };
    let value = reader.value(0)?;
    reader.whitespace();
    match reader.next() {
        None => Ok(value),
        Some(_) => Err("text after the JSON value".to_owned()),
    }
}

struct Reader {
    tokens: Vec<Token>,
    at: usize,
}

impl Reader {
    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.at).copied();
        self.at += 1;
        token
    }

    fn peek(&self) -> Option<Token> {
        self.tokens.get(self.at).copied()
    }

    fn whitespace(&mut self) {
        while let Some(Token::Char(' ' | '\n' | '\r' | '\t')) = self.peek() {
            self.at += 1;
        }
    }

    fn expect(&mut self, wanted: char) -> Result<(), String> {
        match self.next() {
            Some(Token::Char(c)) if c == wanted => Ok(()),
            Some(Token::Gap) => Err(format!("an unknown part where `{wanted}` belongs")),
            _ => Err(format!("expected `{wanted}`")),
        }
    }

    fn value(&mut self, depth: usize) -> Result<Parsed, String> {
        if depth > MAX_DEPTH {
            return Err("nested too deeply".to_owned());
        }
        self.whitespace();
        match self.next() {
            Some(Token::Gap) => Ok(Parsed::Gap),
            Some(Token::Char('{')) => self.object(depth),
            Some(Token::Char('[')) => self.array(depth),
            Some(Token::Char('"')) => self.string(),
            Some(Token::Char('t')) => self.word("rue", Parsed::Bool(true)),
            Some(Token::Char('f')) => self.word("alse", Parsed::Bool(false)),
            Some(Token::Char('n')) => self.word("ull", Parsed::Null),
            Some(Token::Char(c)) if c == '-' || c.is_ascii_digit() => self.number(c),
            Some(Token::Char(c)) => Err(format!("unexpected `{c}`")),
            None => Err("the text ends where a value belongs".to_owned()),
        }
    }

    fn word(&mut self, rest: &str, value: Parsed) -> Result<Parsed, String> {
        for c in rest.chars() {
            self.expect(c)?;
        }
        Ok(value)
    }

    fn number(&mut self, first: char) -> Result<Parsed, String> {
        let mut text = String::from(first);
        while let Some(Token::Char(c)) = self.peek() {
            if !(c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-')) {
                break;
            }
            text.push(c);
            self.at += 1;
        }
        // serde_json holds the grammar (no leading zeros, a digit after `.`).
        match serde_json::from_str::<serde_json::Value>(&text) {
            Ok(serde_json::Value::Number(n)) => Ok(Parsed::Number(n.as_f64().unwrap_or(f64::NAN))),
            _ => Err(format!("`{text}` is not a JSON number")),
        }
    }

    /// After the opening quote.
    fn string(&mut self) -> Result<Parsed, String> {
        let mut pieces: Vec<Option<String>> = Vec::new();
        let mut current = String::new();
        loop {
            match self.next() {
                None => return Err("a string that does not end".to_owned()),
                Some(Token::Gap) => {
                    if !current.is_empty() {
                        pieces.push(Some(std::mem::take(&mut current)));
                    }
                    if pieces.last() != Some(&None) {
                        pieces.push(None);
                    }
                }
                Some(Token::Char('"')) => break,
                Some(Token::Char('\\')) => current.push(self.escape()?),
                Some(Token::Char(c)) if u32::from(c) < 0x20 => {
                    return Err("a control character in a string".to_owned());
                }
                Some(Token::Char(c)) => current.push(c),
            }
        }
        if pieces.is_empty() {
            return Ok(Parsed::Str(current));
        }
        if !current.is_empty() {
            pieces.push(Some(current));
        }
        Ok(Parsed::PartialStr(pieces))
    }

    /// After a backslash; a lone surrogate becomes U+FFFD, as Go reads it.
    fn escape(&mut self) -> Result<char, String> {
        let c = match self.next() {
            Some(Token::Char(c)) => c,
            _ => return Err("an escape cut by an unknown part".to_owned()),
        };
        Ok(match c {
            '"' => '"',
            '\\' => '\\',
            '/' => '/',
            'b' => '\u{8}',
            'f' => '\u{c}',
            'n' => '\n',
            'r' => '\r',
            't' => '\t',
            'u' => {
                let high = self.hex4()?;
                if !(0xD800..0xDC00).contains(&high) {
                    return Ok(char::from_u32(high).unwrap_or('\u{FFFD}'));
                }
                let save = self.at;
                if self.next() == Some(Token::Char('\\')) && self.next() == Some(Token::Char('u')) {
                    let low = self.hex4()?;
                    if (0xDC00..0xE000).contains(&low) {
                        let code = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
                        return Ok(char::from_u32(code).unwrap_or('\u{FFFD}'));
                    }
                }
                self.at = save;
                '\u{FFFD}'
            }
            other => return Err(format!("`\\{other}` is not a JSON escape")),
        })
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let mut code = 0;
        for _ in 0..4 {
            match self.next() {
                Some(Token::Char(c)) if c.is_ascii_hexdigit() => {
                    code = code * 16 + c.to_digit(16).unwrap_or(0);
                }
                _ => return Err("a bad `\\u` escape".to_owned()),
            }
        }
        Ok(code)
    }

    fn array(&mut self, depth: usize) -> Result<Parsed, String> {
        let mut items = Vec::new();
        self.whitespace();
        if self.peek() == Some(Token::Char(']')) {
            self.at += 1;
            return Ok(Parsed::Array(items));
        }
        loop {
            items.push(self.value(depth + 1)?);
            self.whitespace();
            match self.next() {
                Some(Token::Char(',')) => {}
                Some(Token::Char(']')) => return Ok(Parsed::Array(items)),
                _ => return Err("expected `,` or `]`".to_owned()),
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<Parsed, String> {
        let mut members: Vec<(String, Parsed)> = Vec::new();
        self.whitespace();
        if self.peek() == Some(Token::Char('}')) {
            self.at += 1;
            return Ok(Parsed::Object(members));
        }
        loop {
            self.whitespace();
            self.expect('"')?;
            let key = match self.string()? {
                Parsed::Str(key) => key,
                _ => return Err("a key that is not known".to_owned()),
            };
            self.whitespace();
            self.expect(':')?;
            let value = self.value(depth + 1)?;
            match members.iter_mut().find(|(k, _)| *k == key) {
                Some(member) => member.1 = value,
                None => members.push((key, value)),
            }
            self.whitespace();
            match self.next() {
                Some(Token::Char(',')) => {}
                Some(Token::Char('}')) => return Ok(Parsed::Object(members)),
                _ => return Err("expected `,` or `}`".to_owned()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces(parts: &[Option<&str>]) -> Vec<Option<String>> {
        parts.iter().map(|p| p.map(str::to_owned)).collect()
    }

    #[test]
    fn gaps_in_values_and_strings_are_read_others_refused() {
        let text = pieces(&[
            Some(r#"{"Resource":"#),
            None,
            Some(r#","Name":"a\n"#),
            None,
            Some(r#"/*","Deep":[1,true,null,{"k":"\u00e9\ud83d\ude00"}],"Name":"b"}"#),
        ]);
        assert_eq!(
            parse_pieces(&text),
            Ok(Parsed::Object(vec![
                ("Resource".to_owned(), Parsed::Gap),
                ("Name".to_owned(), Parsed::Str("b".to_owned())),
                (
                    "Deep".to_owned(),
                    Parsed::Array(vec![
                        Parsed::Number(1.0),
                        Parsed::Bool(true),
                        Parsed::Null,
                        Parsed::Object(vec![("k".to_owned(), Parsed::Str("é😀".to_owned()))]),
                    ])
                ),
            ]))
        );
        let partial = pieces(&[Some(r#"["a"#), None, Some(r#"/*"]"#)]);
        assert_eq!(
            parse_pieces(&partial),
            Ok(Parsed::Array(vec![Parsed::PartialStr(pieces(&[
                Some("a"),
                None,
                Some("/*")
            ]))]))
        );
        for refused in [
            pieces(&[Some("{"), None, Some(r#""a":1}"#)]),
            pieces(&[Some(r#"{"a""#), None, Some("1}")]),
            pieces(&[Some(r#"{""#), None, Some(r#"":1}"#)]),
            pieces(&[Some("[1"), None]),
            pieces(&[Some(r#"["\"#), None, Some(r#""]"#)]),
            pieces(&[Some("[01]")]),
            pieces(&[Some("[1] x")]),
        ] {
            assert!(parse_pieces(&refused).is_err(), "{refused:?}");
        }
    }
}
