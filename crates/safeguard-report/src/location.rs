use std::path::{Component, Path};

use safeguard_engine::Finding;
use safeguard_source::{ColumnUnit, SourceFile, Span};
use serde::Serialize;

/// A 1-based line and character column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Position {
    pub line: u32,
    pub column: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Range {
    pub start: Position,
    pub end: Position,
}

pub(crate) fn span_range(file: &SourceFile, span: Span) -> Range {
    let at = |offset| {
        let lc = file.line_column(offset, ColumnUnit::Chars);
        Position {
            line: lc.line,
            column: lc.column,
        }
    };
    Range {
        start: at(span.start),
        end: at(span.end),
    }
}

#[must_use]
pub fn finding_range(finding: &Finding) -> Range {
    span_range(&finding.file, finding.span)
}

/// A path as the user should see it: relative to `cwd` when it is below it,
/// with `./` dropped, `/` separators.
#[must_use]
pub fn display_path(path: &Path, cwd: &Path) -> String {
    let relative = if path.is_absolute() {
        path.strip_prefix(cwd).unwrap_or(path)
    } else {
        path
    };
    let parts: Vec<String> = relative
        .components()
        .filter(|c| !matches!(c, Component::CurDir))
        .map(|c| match c {
            Component::RootDir => String::new(),
            other => other.as_os_str().to_string_lossy().into_owned(),
        })
        .collect();
    let joined = parts.join("/");
    if relative.is_absolute() && !joined.starts_with('/') {
        format!("/{joined}")
    } else {
        joined
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_relative_to_cwd() {
        assert_eq!(
            display_path(Path::new("/work/x/main.tf"), Path::new("/work")),
            "x/main.tf"
        );
        assert_eq!(
            display_path(Path::new("./x/main.tf"), Path::new("/work")),
            "x/main.tf"
        );
        assert_eq!(
            display_path(Path::new("/elsewhere/main.tf"), Path::new("/work")),
            "/elsewhere/main.tf"
        );
    }
}
