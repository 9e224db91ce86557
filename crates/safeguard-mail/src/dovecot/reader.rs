//! The lines of a whole configuration tree in the order Dovecot reads them:
//! an `!include` is replaced by the lines of the files it names, in name
//! order, wherever it stands (a section may continue into an included
//! file). Includes are bounded: at most [`MAX_INCLUDE_DEPTH`] files deep,
//! and a file that includes itself, directly or not, is an error at the
//! directive, as in doveconf ("Recursive include file").

use std::collections::HashSet;
use std::path::PathBuf;

use safeguard_source::{SourceFile, Span};

use crate::dovecot::error::{DovecotError, DovecotErrorKind, Loc};
use crate::dovecot::include::{IncludeLoader, normalize};
use crate::dovecot::lexer::{Line, LineKind, lines};

/// How many files deep includes may nest (the main file is depth 0).
pub const MAX_INCLUDE_DEPTH: usize = 16;

/// How many times files may be read through includes in one tree. Files
/// that include each other's globs are read again at every level (Dovecot
/// does the same), which without a budget grows exponentially.
pub const MAX_INCLUDE_READS: usize = 4096;

/// A line and the index of the file it is in.
#[derive(Debug, Clone)]
pub(crate) struct Statement {
    pub(crate) file: usize,
    pub(crate) line: Line,
}

pub(crate) struct Tree {
    pub(crate) files: Vec<SourceFile>,
    /// For each file, the `!include` directive that first read it (`None`
    /// for the main file).
    pub(crate) included_at: Vec<Option<Loc>>,
    pub(crate) statements: Vec<Statement>,
    pub(crate) errors: Vec<DovecotError>,
}

pub(crate) fn read_tree(main: SourceFile, loader: Option<&dyn IncludeLoader>) -> Tree {
    let mut reader = Reader {
        loader,
        tree: Tree {
            files: Vec::new(),
            included_at: Vec::new(),
            statements: Vec::new(),
            errors: Vec::new(),
        },
        known: Vec::new(),
        reads: 0,
        reported: HashSet::new(),
    };
    let index = reader.add_file(main, None);
    reader.read(index, &mut Vec::new());
    reader.tree
}

struct Reader<'a> {
    loader: Option<&'a dyn IncludeLoader>,
    tree: Tree,
    /// The normalized path of each file in `tree.files`.
    known: Vec<PathBuf>,
    /// Files read through includes so far.
    reads: usize,
    /// Errors reported, so a directive read again (files included at
    /// several levels) reports each problem once.
    reported: HashSet<(usize, Span, String)>,
}

impl Reader<'_> {
    /// The index of a file: an already read path keeps its first index.
    fn add_file(&mut self, file: SourceFile, included_at: Option<Loc>) -> usize {
        let path = normalize(file.path());
        if let Some(index) = self.known.iter().position(|p| *p == path) {
            return index;
        }
        self.known.push(path);
        self.tree.files.push(file);
        self.tree.included_at.push(included_at);
        self.tree.files.len() - 1
    }

    /// Appends the statements of file `index`; `stack` holds the normalized
    /// paths of the files being read around it.
    fn read(&mut self, index: usize, stack: &mut Vec<PathBuf>) {
        let Some(file) = self.tree.files.get(index).cloned() else {
            return;
        };
        stack.push(normalize(file.path()));
        for line in lines(file.text()) {
            match &line.kind {
                LineKind::Include {
                    optional,
                    pattern,
                    pattern_span,
                } => {
                    let at = Loc::new(index, *pattern_span);
                    self.include(&file, at, line.span, *optional, pattern, stack);
                }
                _ => self.tree.statements.push(Statement { file: index, line }),
            }
        }
        stack.pop();
    }

    fn include(
        &mut self,
        including: &SourceFile,
        at: Loc,
        directive_span: Span,
        optional: bool,
        pattern: &str,
        stack: &mut Vec<PathBuf>,
    ) {
        let directive = Loc::new(at.file, directive_span);
        if self.reads >= MAX_INCLUDE_READS {
            // Spent: read nothing more (reported once, where first hit).
            self.error(
                directive,
                DovecotErrorKind::TooManyIncludes {
                    limit: MAX_INCLUDE_READS,
                },
            );
            return;
        }
        let Some(loader) = self.loader else {
            let name = if optional { "!include_try" } else { "!include" };
            self.error(
                directive,
                DovecotErrorKind::IncludeNotRead {
                    directive: name.to_owned(),
                    pattern: pattern.to_owned(),
                },
            );
            return;
        };
        let files = match loader.load(including.path(), pattern) {
            Ok(files) => files,
            Err(message) => {
                self.error(
                    at,
                    DovecotErrorKind::IncludeFailed {
                        pattern: pattern.to_owned(),
                        message,
                    },
                );
                return;
            }
        };
        if files.is_empty() && !optional {
            self.error(
                at,
                DovecotErrorKind::IncludeNoMatch {
                    pattern: pattern.to_owned(),
                },
            );
        }
        for file in files {
            let path = normalize(file.path());
            if stack.contains(&path) {
                self.error(
                    directive,
                    DovecotErrorKind::IncludeCycle {
                        path: file.path().display().to_string(),
                    },
                );
                continue;
            }
            if stack.len() > MAX_INCLUDE_DEPTH {
                self.error(
                    directive,
                    DovecotErrorKind::IncludeTooDeep {
                        limit: MAX_INCLUDE_DEPTH,
                    },
                );
                return;
            }
            if self.reads >= MAX_INCLUDE_READS {
                self.error(
                    directive,
                    DovecotErrorKind::TooManyIncludes {
                        limit: MAX_INCLUDE_READS,
                    },
                );
                return;
            }
            self.reads += 1;
            let index = self.add_file(file, Some(directive));
            self.read(index, stack);
        }
    }

    fn error(&mut self, at: Loc, kind: DovecotErrorKind) {
        if let DovecotErrorKind::TooManyIncludes { .. } = kind {
            // Once spent, the budget is reported once, wherever hit first.
            if self.reported.iter().any(|(_, _, m)| *m == kind.to_string()) {
                return;
            }
        }
        if self.reported.insert((at.file, at.span, kind.to_string())) {
            self.tree.errors.push(DovecotError::new(at, kind));
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::path::Path;

    use super::*;

    /// Files by path; patterns are exact paths relative to the including
    /// file's directory (or `*` for every file in the map under it).
    struct MapLoader(HashMap<&'static str, &'static str>);

    impl IncludeLoader for MapLoader {
        fn load(&self, including: &Path, pattern: &str) -> Result<Vec<SourceFile>, String> {
            let dir = including.parent().unwrap_or(Path::new(""));
            let wanted = normalize(&dir.join(pattern));
            let mut found: Vec<SourceFile> = self
                .0
                .iter()
                .filter(|(path, _)| Path::new(path) == wanted)
                .map(|(path, text)| SourceFile::new(*path, *text))
                .collect();
            found.sort_by(|a, b| a.path().cmp(b.path()));
            Ok(found)
        }
    }

    fn keys(tree: &Tree) -> Vec<(usize, String)> {
        tree.statements
            .iter()
            .filter_map(|s| match &s.line.kind {
                LineKind::Setting { key, .. } => Some((s.file, key.clone())),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn includes_are_read_in_place_relative_to_the_including_file() {
        let loader = MapLoader(HashMap::from([
            ("/e/conf.d/a.conf", "a = 1\n!include ../b.ext\n"),
            ("/e/b.ext", "b = 2\n"),
        ]));
        let main = SourceFile::new("/e/dovecot.conf", "x = 0\n!include conf.d/a.conf\ny = 3\n");
        let tree = read_tree(main, Some(&loader));
        assert!(tree.errors.is_empty(), "{:?}", tree.errors);
        let got = keys(&tree);
        let want: Vec<(usize, String)> = [(0, "x"), (1, "a"), (2, "b"), (0, "y")]
            .into_iter()
            .map(|(f, k)| (f, k.to_owned()))
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn cycles_and_missing_files_are_located_errors() {
        let text = "!include a.conf\n!include missing.conf\n!include_try gone.conf\n";
        let loader = MapLoader(HashMap::from([
            ("/e/a.conf", "a = 1\n!include dovecot.conf\n"),
            ("/e/dovecot.conf", text),
        ]));
        let tree = read_tree(SourceFile::new("/e/dovecot.conf", text), Some(&loader));
        let kinds: Vec<(usize, &DovecotErrorKind)> =
            tree.errors.iter().map(|e| (e.at.file, &e.kind)).collect();
        assert_eq!(kinds.len(), 2, "{kinds:?}");
        assert!(matches!(
            kinds[0],
            (1, DovecotErrorKind::IncludeCycle { .. })
        ));
        assert!(matches!(
            kinds[1],
            (0, DovecotErrorKind::IncludeNoMatch { pattern }) if pattern == "missing.conf"
        ));
        let missing = tree.errors[1].at.span;
        assert_eq!(&text[missing.range()], "missing.conf");
    }
}
