//! Where `!include` and `!include_try` get their files. The reader never
//! touches the file system itself: it asks an [`IncludeLoader`], so tests
//! and callers with in-memory trees can serve files their own way, and the
//! standard [`FsIncludeLoader`] keeps includes inside one directory tree.

use std::path::{Component, Path, PathBuf};

use safeguard_source::{SourceFile, decode};

/// Serves the files an include pattern names.
pub trait IncludeLoader {
    /// The files `pattern` (as written after `!include`) names, relative to
    /// the directory of `including_file` unless absolute, sorted by name.
    /// `Ok` with no files when nothing matches (silent for `!include_try`,
    /// an error for `!include`); `Err` when the pattern cannot or may not
    /// be read.
    fn load(&self, including_file: &Path, pattern: &str) -> Result<Vec<SourceFile>, String>;
}

/// Reads includes from the file system, refusing anything outside `root`
/// (after resolving symbolic links). `*` and `?` are expanded in the last
/// path component only; as with glob(3), they do not match a leading `.`.
/// Only regular files are returned, sorted by name bytes (glob(3) in the C
/// locale, which doveconf runs in).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FsIncludeLoader {
    pub root: PathBuf,
}

/// The largest included file read.
pub const MAX_INCLUDE_BYTES: u64 = 64 * 1024 * 1024;

/// Most files one pattern may name; a bound on what a hostile tree costs.
pub const MAX_GLOB_FILES: usize = 1024;

impl FsIncludeLoader {
    #[must_use]
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// Where `path` really is, if that is inside the root (after resolving
    /// symbolic links). A path that does not exist is resolved through its
    /// nearest existing ancestor with the rest applied as written, so one
    /// outside the root is refused whether or not this machine has it (the
    /// mail host may).
    fn inside_root(&self, path: &Path) -> Result<PathBuf, String> {
        let mut existing = path;
        let mut rest = Vec::new();
        while !existing.as_os_str().is_empty() && std::fs::symlink_metadata(existing).is_err() {
            let Some(name) = existing.components().next_back() else {
                break;
            };
            rest.push(name);
            existing = existing.parent().unwrap_or(Path::new(""));
        }
        let existing = if existing.as_os_str().is_empty() {
            Path::new(".")
        } else {
            existing
        };
        let mut real = std::fs::canonicalize(existing)
            .map_err(|e| format!("cannot resolve {}: {e}", existing.display()))?;
        for component in rest.into_iter().rev() {
            match component {
                Component::ParentDir => {
                    real.pop();
                }
                Component::Normal(name) => real.push(name),
                _ => {}
            }
        }
        let root = std::fs::canonicalize(&self.root)
            .map_err(|e| format!("cannot resolve root {}: {e}", self.root.display()))?;
        if real.starts_with(&root) {
            Ok(real)
        } else {
            Err(format!(
                "{} is outside the configuration root {}",
                path.display(),
                self.root.display()
            ))
        }
    }

    fn read(&self, path: &Path) -> Result<SourceFile, String> {
        let real = self.inside_root(path)?;
        // The same bound as for the files a scan reads itself.
        let size = std::fs::metadata(&real)
            .map_err(|e| format!("{}: {e}", path.display()))?
            .len();
        if size > MAX_INCLUDE_BYTES {
            return Err(format!(
                "{}: {size} bytes, over the {MAX_INCLUDE_BYTES}-byte limit",
                path.display()
            ));
        }
        let bytes = std::fs::read(&real).map_err(|e| format!("{}: {e}", path.display()))?;
        let (text, encoding) = decode(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(SourceFile::with_encoding(path, text, encoding))
    }
}

impl IncludeLoader for FsIncludeLoader {
    fn load(&self, including_file: &Path, pattern: &str) -> Result<Vec<SourceFile>, String> {
        let path = resolve(including_file, pattern);
        let file_pattern = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        if dir.to_str().is_some_and(has_wildcards) {
            return Err("wildcards are only supported in the last path component".to_owned());
        }
        let dir_for_fs = if dir.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            dir.clone()
        };
        self.inside_root(&dir_for_fs)?;
        if !dir_for_fs.is_dir() {
            return Ok(Vec::new());
        }
        if !has_wildcards(&file_pattern) {
            if !path.is_file() {
                return Ok(Vec::new());
            }
            return self.read(&path).map(|file| vec![file]);
        }
        let entries =
            std::fs::read_dir(&dir_for_fs).map_err(|e| format!("{}: {e}", dir_for_fs.display()))?;
        let mut names = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| format!("{}: {e}", dir_for_fs.display()))?;
            let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
                continue;
            };
            if glob_match(&file_pattern, &name) && entry.path().is_file() {
                names.push(name);
                if names.len() > MAX_GLOB_FILES {
                    return Err(format!("more than {MAX_GLOB_FILES} files match"));
                }
            }
        }
        names.sort_unstable_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
        names
            .into_iter()
            .map(|name| self.read(&dir.join(name)))
            .collect()
    }
}

/// The include path as doveconf builds it: relative to the directory of the
/// including file, with `.` and `..` resolved lexically.
fn resolve(including_file: &Path, pattern: &str) -> PathBuf {
    let joined = if Path::new(pattern).is_absolute() {
        PathBuf::from(pattern)
    } else {
        including_file
            .parent()
            .map_or_else(|| PathBuf::from(pattern), |dir| dir.join(pattern))
    };
    normalize(&joined)
}

/// `path` with `.` dropped and `..` applied to the part before it (a
/// leading `..` of a relative path is kept).
pub(crate) fn normalize(path: &Path) -> PathBuf {
    let mut out: Vec<Component<'_>> = Vec::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => match out.last() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => out.push(component),
            },
            other => out.push(other),
        }
    }
    out.iter().collect()
}

fn has_wildcards(text: &str) -> bool {
    text.contains(['*', '?', '['])
}

/// glob(3) matching of one name: `*` any run, `?` one character, a leading
/// `.` only matched literally. `[...]` classes are not supported (a name
/// with `[` in the pattern matches nothing).
pub(crate) fn glob_match(pattern: &str, name: &str) -> bool {
    if name.starts_with('.') && !pattern.starts_with('.') {
        return false;
    }
    if pattern.contains('[') {
        return false;
    }
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    // Iterative matching with one backtrack point: linear in practice, no
    // recursion.
    let (mut pi, mut ni) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ni));
                pi += 1;
            }
            Some('?') => {
                pi += 1;
                ni += 1;
            }
            Some(c) if Some(c) == n.get(ni) => {
                pi += 1;
                ni += 1;
            }
            _ => match star {
                Some((star_p, star_n)) => {
                    pi = star_p + 1;
                    ni = star_n + 1;
                    star = Some((star_p, star_n + 1));
                }
                None => return false,
            },
        }
    }
    p.get(pi..)
        .is_some_and(|rest| rest.iter().all(|&c| c == '*'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match("*.conf", "10-ssl.conf"));
        assert!(!glob_match("*.conf", "10-ssl.conf.ext"));
        assert!(glob_match("*.conf*", "10-ssl.conf.ext"));
        assert!(glob_match("1?-*.conf", "10-ssl.conf"));
        assert!(!glob_match("*.conf", ".hidden.conf"));
        assert!(glob_match(".*.conf", ".hidden.conf"));
        assert!(glob_match("exact", "exact"));
        assert!(!glob_match("exact", "exactly"));
        assert!(glob_match("*", "x"));
        assert!(!glob_match("a*b*c", "aXbY"));
    }

    #[test]
    fn paths_resolve_against_the_including_file() {
        assert_eq!(
            resolve(Path::new("/etc/dovecot/dovecot.conf"), "conf.d/*.conf"),
            PathBuf::from("/etc/dovecot/conf.d/*.conf")
        );
        assert_eq!(
            resolve(Path::new("/etc/dovecot/conf.d/10-auth.conf"), "../x.ext"),
            PathBuf::from("/etc/dovecot/x.ext")
        );
        assert_eq!(
            resolve(Path::new("/etc/dovecot/dovecot.conf"), "/usr/share/x"),
            PathBuf::from("/usr/share/x")
        );
        assert_eq!(
            resolve(Path::new("dovecot.conf"), "local.conf"),
            PathBuf::from("local.conf")
        );
    }

    #[test]
    fn fs_loader_sorts_refuses_outside_and_reports_no_match() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("etc");
        std::fs::create_dir_all(root.join("conf.d")).expect("mkdir");
        for name in ["20-b.conf", "10-a.conf", ".hidden.conf", "x.txt"] {
            std::fs::write(root.join("conf.d").join(name), name).expect("write");
        }
        std::fs::write(dir.path().join("outside.conf"), "x = 1").expect("write");
        let loader = FsIncludeLoader::new(&root);
        let main = root.join("dovecot.conf");
        let files = loader.load(&main, "conf.d/*.conf").expect("load");
        let names: Vec<&str> = files.iter().map(SourceFile::text).collect();
        assert_eq!(names, vec!["10-a.conf", "20-b.conf"]);
        assert!(
            loader
                .load(&main, "missing/*.conf")
                .expect("load")
                .is_empty()
        );
        assert!(loader.load(&main, "conf.d/none").expect("load").is_empty());
        let outside = loader.load(&main, "../outside.conf");
        assert!(outside.is_err_and(|e| e.contains("outside")));
        // A directory outside that this machine lacks is refused as well,
        // not reported as matching nothing.
        for pattern in ["../missing/x.conf", "missing/../../gone/*.conf"] {
            let refused = loader.load(&main, pattern);
            assert!(
                refused
                    .as_ref()
                    .is_err_and(|e| e.contains("is outside the configuration root")),
                "{pattern}: {refused:?}"
            );
        }
        assert!(loader.load(&main, "*/x.conf").is_err());
    }
}
