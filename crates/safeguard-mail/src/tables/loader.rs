//! Where table files come from. The reader never opens files itself: it
//! asks a [`TableLoader`] for the text at a Postfix path, so policy examples
//! (no files at all) and tests can serve tables their own way.
//!
//! [`FsTableLoader`] maps Postfix's absolute paths into the scanned tree:
//! the directory holding main.cf stands in for `/etc/postfix`, so
//! `/etc/postfix/tls_policy` is read from `<config dir>/tls_policy`. When
//! that directory is itself `…/etc/postfix` inside the scanned root (a tree
//! that mirrors the file system), the directory above `etc` stands in for
//! `/`, so `/etc/mail/x` is read from `…/etc/mail/x` too. Anything else
//! (a relative path, another absolute path) is not in the tree. Whatever
//! the mapping, a file that resolves (symbolic links included) outside the
//! scanned root is refused. A path whose `..` climbs out of the directory
//! it is mapped through (`/etc/postfix/../../etc/shadow`) is refused before
//! anything is opened: it is written to leave the configuration, so the
//! document reports it as an error ([`leaves_mapped_directory`]), rather
//! than as an unmapped path.

use std::path::{Component, Path, PathBuf};

use safeguard_source::{SourceFile, decode};

use crate::dovecot::normalize;

/// Why a table's text cannot be had.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TableFileError {
    #[error("source file not in the scanned tree (looked for {looked})")]
    NotInTree { looked: String },
    #[error(
        "{0} is not mapped into the scanned tree (only /etc/postfix/… is, to the main.cf directory)"
    )]
    Unmapped(String),
    #[error("{0} leaves {1} through `..`; refused, not read")]
    Escapes(String, &'static str),
    #[error("relative path {0}: the running Postfix resolves it against its working directory")]
    Relative(String),
    #[error("{path} resolves outside the scanned root; not read")]
    OutsideRoot { path: String },
    #[error("cannot read {path}: {message}")]
    Unreadable { path: String, message: String },
    #[error("no table files are read here")]
    NoFiles,
}

/// Serves the source text of table files.
pub trait TableLoader {
    /// The file for `path`, the Postfix path as written after `type:`.
    ///
    /// # Errors
    /// Why the file cannot or may not be read; the caller reports the table
    /// as unknown with this reason.
    fn load(&self, path: &str) -> Result<SourceFile, TableFileError>;
}

/// Reads table sources from the scanned tree (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FsTableLoader {
    /// The directory holding main.cf.
    pub config_dir: PathBuf,
    /// The scanned root: nothing outside it is read.
    pub root: PathBuf,
}

/// Table files larger than this are not read (no real table comes near it).
const MAX_TABLE_BYTES: u64 = 64 * 1024 * 1024;

impl FsTableLoader {
    #[must_use]
    pub fn new(config_dir: impl Into<PathBuf>, root: impl Into<PathBuf>) -> Self {
        Self {
            config_dir: config_dir.into(),
            root: root.into(),
        }
    }

    /// Where `path` would be in the scanned tree.
    fn map(&self, path: &str) -> Result<PathBuf, TableFileError> {
        let written = Path::new(path);
        if !written.is_absolute() {
            return Err(TableFileError::Relative(path.to_owned()));
        }
        if let Some(directory) = leaves_mapped_directory(path) {
            return Err(TableFileError::Escapes(path.to_owned(), directory));
        }
        let clean = normalize(written);
        if let Ok(rest) = clean.strip_prefix("/etc/postfix") {
            return Ok(self.config_dir.join(rest));
        }
        // A mirrored file system: <prefix>/etc/postfix is the config dir.
        let config =
            std::path::absolute(&self.config_dir).unwrap_or_else(|_| self.config_dir.clone());
        let root = std::path::absolute(&self.root).unwrap_or_else(|_| self.root.clone());
        if config.ends_with("etc/postfix")
            && let Some(prefix) = config.parent().and_then(Path::parent)
            && prefix.starts_with(&root)
        {
            let relative: PathBuf = clean
                .components()
                .filter(|c| matches!(c, Component::Normal(_)))
                .collect();
            return Ok(prefix.join(relative));
        }
        Err(TableFileError::Unmapped(path.to_owned()))
    }
}

/// The directory an absolute table path climbs out of with `..`, if it
/// does: `/etc/postfix` for a path written below it
/// (`/etc/postfix/../../etc/shadow`), else `/` (`/../etc/shadow`). Purely
/// lexical, so it is decided before any file is looked at. A `..` that
/// stays inside (`/etc/postfix/maps/../tls_policy`) is fine, and so is one
/// that only leads into `/etc/postfix` (`/etc/../etc/postfix/x`).
#[must_use]
pub fn leaves_mapped_directory(path: &str) -> Option<&'static str> {
    let written = Path::new(path);
    if !written.is_absolute() {
        return None;
    }
    let (directory, rest) = match written.strip_prefix("/etc/postfix") {
        Ok(rest) => ("/etc/postfix", rest),
        Err(_) => ("/", written.strip_prefix("/").unwrap_or(written)),
    };
    let mut depth = 0usize;
    for component in rest.components() {
        match component {
            Component::ParentDir if depth == 0 => return Some(directory),
            Component::ParentDir => depth -= 1,
            Component::Normal(_) => depth += 1,
            _ => {}
        }
    }
    None
}

impl TableLoader for FsTableLoader {
    fn load(&self, path: &str) -> Result<SourceFile, TableFileError> {
        let mapped = self.map(path)?;
        let shown = mapped.display().to_string();
        if !mapped.is_file() {
            return Err(TableFileError::NotInTree { looked: shown });
        }
        let real = std::fs::canonicalize(&mapped).map_err(|e| TableFileError::Unreadable {
            path: shown.clone(),
            message: e.to_string(),
        })?;
        let root = std::fs::canonicalize(&self.root).map_err(|e| TableFileError::Unreadable {
            path: self.root.display().to_string(),
            message: e.to_string(),
        })?;
        if !real.starts_with(&root) {
            return Err(TableFileError::OutsideRoot { path: shown });
        }
        let unreadable = |message: String| TableFileError::Unreadable {
            path: shown.clone(),
            message,
        };
        let size = std::fs::metadata(&real)
            .map_err(|e| unreadable(e.to_string()))?
            .len();
        if size > MAX_TABLE_BYTES {
            return Err(unreadable(format!(
                "{size} bytes, over the {MAX_TABLE_BYTES}-byte limit"
            )));
        }
        let bytes = std::fs::read(&real).map_err(|e| unreadable(e.to_string()))?;
        let (text, encoding) = decode(&bytes).map_err(|e| unreadable(e.to_string()))?;
        Ok(SourceFile::with_encoding(mapped, text, encoding))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_dot_out_of_the_mapped_directory_is_lexical() {
        for (path, expected) in [
            ("/etc/postfix/../../../etc/shadow", Some("/etc/postfix")),
            ("/etc/postfix/..", Some("/etc/postfix")),
            ("/etc/postfix/a/../../b", Some("/etc/postfix")),
            ("/../etc/passwd", Some("/")),
            ("/etc/../../x", Some("/")),
            ("/etc/postfix/a/../b", None),
            ("/etc/../etc/postfix/x", None),
            ("/etc/postfixes/../x", None),
            ("/var/lib/../maps", None),
            ("/etc/postfix/tls_policy", None),
            ("relative/../../x", None),
        ] {
            assert_eq!(leaves_mapped_directory(path), expected, "{path}");
        }
    }

    #[test]
    fn maps_etc_postfix_and_mirrored_trees_and_refuses_escapes() {
        let root = tempfile::tempdir().unwrap();
        let config = root.path().join("etc/postfix");
        std::fs::create_dir_all(&config).unwrap();
        std::fs::create_dir_all(root.path().join("etc/mail")).unwrap();
        std::fs::write(config.join("tls_policy"), "a may\n").unwrap();
        std::fs::write(root.path().join("etc/mail/relays"), "b encrypt\n").unwrap();
        let loader = FsTableLoader::new(&config, root.path());
        assert_eq!(
            loader.load("/etc/postfix/tls_policy").unwrap().text(),
            "a may\n"
        );
        assert_eq!(
            loader.load("/etc/mail/relays").unwrap().text(),
            "b encrypt\n"
        );
        assert!(matches!(
            loader.load("/etc/postfix/missing"),
            Err(TableFileError::NotInTree { .. })
        ));
        assert!(matches!(
            loader.load("tls_policy"),
            Err(TableFileError::Relative(_))
        ));
        // `..` out of /etc/postfix, or above `/`, is refused unread.
        std::fs::write(root.path().join("etc/passwd"), "root x\n").unwrap();
        assert_eq!(
            loader.load("/../../../../etc/passwd").unwrap_err(),
            TableFileError::Escapes("/../../../../etc/passwd".to_owned(), "/")
        );
        assert_eq!(
            loader.load("/etc/postfix/../passwd").unwrap_err(),
            TableFileError::Escapes("/etc/postfix/../passwd".to_owned(), "/etc/postfix")
        );
        // A `..` that stays inside is read.
        assert_eq!(
            loader.load("/etc/postfix/x/../tls_policy").unwrap().text(),
            "a may\n"
        );

        // A config dir not shaped like etc/postfix maps only /etc/postfix.
        let flat = root.path().join("relay");
        std::fs::create_dir_all(&flat).unwrap();
        let loader = FsTableLoader::new(&flat, root.path());
        assert!(matches!(
            loader.load("/etc/mail/relays"),
            Err(TableFileError::Unmapped(_))
        ));
        assert!(matches!(
            loader.load("/etc/postfix/../../../etc/shadow"),
            Err(TableFileError::Escapes(..))
        ));
        #[cfg(unix)]
        {
            let outside = tempfile::tempdir().unwrap();
            std::fs::write(outside.path().join("secret"), "x y\n").unwrap();
            std::os::unix::fs::symlink(outside.path().join("secret"), flat.join("link")).unwrap();
            assert!(matches!(
                loader.load("/etc/postfix/link"),
                Err(TableFileError::OutsideRoot { .. })
            ));
        }
    }
}
