//! The regular expression of a `matches` condition.

use std::sync::OnceLock;

use regex::Regex;

/// A `matches` pattern, in the syntax of Rust's `regex` crate.
///
/// Its syntax is checked when the policy loads, with the errors `regex`
/// gives; its automaton is built the first time a value is matched. Building
/// automata was a quarter of loading the bundled policies, paid on every
/// run, and a run that replays cached results matches no value at all.
#[derive(Debug, Clone)]
pub struct Pattern {
    source: String,
    compiled: OnceLock<Result<Regex, String>>,
}

impl Pattern {
    /// Checks the pattern's syntax.
    ///
    /// # Errors
    /// The last line of `regex`'s message (the one that says what is wrong)
    /// when the pattern is not a regular expression.
    pub fn new(source: &str) -> Result<Self, String> {
        // `regex` parses with this parser's default settings.
        regex_syntax::Parser::new()
            .parse(source)
            .map_err(|err| last_line(&err.to_string()))?;
        Ok(Self {
            source: source.to_owned(),
            compiled: OnceLock::new(),
        })
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// The compiled expression, built on first use.
    ///
    /// # Errors
    /// Why it cannot be built: valid syntax can still compile to more than
    /// `regex`'s size limit (`\w{1000}`), which only building shows.
    pub fn regex(&self) -> Result<&Regex, &str> {
        self.compiled
            .get_or_init(|| Regex::new(&self.source).map_err(|err| last_line(&err.to_string())))
            .as_ref()
            .map_err(String::as_str)
    }
}

fn last_line(message: &str) -> String {
    message.lines().last().unwrap_or_default().trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_errors_are_regex_own() {
        for source in [
            "foo(bar",
            "[z-a]",
            "a{2,1}",
            "(?P<n>a)(?P<n>b)",
            "\\p{Nope}",
        ] {
            let expected = Regex::new(source).unwrap_err().to_string();
            assert_eq!(Pattern::new(source).unwrap_err(), last_line(&expected));
        }
    }

    #[test]
    fn a_pattern_too_large_to_build_says_so_when_used() {
        let pattern = Pattern::new(r"\w{1000}").unwrap();
        let reason = pattern.regex().unwrap_err();
        assert!(reason.contains("size limit"), "{reason}");
    }

    #[test]
    fn a_pattern_is_built_once_and_matches() {
        let pattern = Pattern::new(r"^TLSv1\.[23]_").unwrap();
        assert!(pattern.regex().unwrap().is_match("TLSv1.2_2021"));
        assert!(!pattern.regex().unwrap().is_match("TLSv1.0_2019"));
        assert!(std::ptr::eq(
            pattern.regex().unwrap(),
            pattern.regex().unwrap()
        ));
        assert_eq!(pattern.as_str(), r"^TLSv1\.[23]_");
    }
}
