//! What a work unit read, as a log of questions put to the file system
//! with a hash of each answer. A unit's inputs are only known once it has
//! run (tfvars, local modules, includes, tables), so the frontends record
//! every read through a [`Recorder`]; a later run replays the log in order,
//! asking each question again through the same functions (with the same
//! root confinement and size limits) and comparing the answers' hashes.
//! The first differing answer ends the replay: up to there the state the
//! unit saw is unchanged, so the real run would ask exactly the next
//! question too, and replay never reads anything the real run would not.
//! A new `.tf` file or tfvars in a directory, or a new glob match for an
//! include, changes the answer of a listing question, so it is a miss.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use safeguard_mail::{FsIncludeLoader, FsTableLoader, IncludeLoader, TableFileError, TableLoader};
use safeguard_model::InputError;
use safeguard_source::SourceFile;
use safeguard_terraform::{LoadedModule, ModuleLoader as _};

use super::codec::{Fingerprint, Hash, Reader, Writer};
use crate::frontends::{ModuleFiles, auto_loaded_var_files, read_source};

/// One question a unit put to the file system; each carries everything
/// needed to ask it again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Question {
    /// `read_source(path, max)`.
    File { path: PathBuf, max: u64 },
    /// The auto-loaded tfvars files of a module directory.
    VarFiles { dir: PathBuf },
    /// Whether a file exists (Postfix's master.cf).
    Exists { path: PathBuf },
    /// A local Terraform module, read through the root-confined loader.
    Module {
        root: PathBuf,
        max: u64,
        caller_dir: PathBuf,
        source: String,
    },
    /// A module `terraform init` installed (`.terraform/modules/modules.json`).
    Installed {
        root: PathBuf,
        max: u64,
        root_dir: PathBuf,
        key: String,
    },
    /// A Dovecot or Exim include (a file or a glob).
    Include {
        root: PathBuf,
        including: PathBuf,
        pattern: String,
    },
    /// A Postfix lookup table's source file.
    Table {
        config_dir: PathBuf,
        root: PathBuf,
        path: String,
    },
}

/// A question, the hash of its answer and, for a file read, the file's
/// stamp when it can stand for the content (see [`Stamp`]).
pub(crate) type Answer = (Question, Hash, Option<Stamp>);

/// What `stat` says of a file: while it is unchanged, so is the content
/// (as `git status` and ruff's cache assume), and a hit need not read the
/// file. Only stamps taken before and after the read alike, of a file last
/// changed more than [`RACY_SECONDS`] before, are kept: a file written
/// within the file system's timestamp granularity of the read could change
/// again without its stamp changing ("racy git").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stamp {
    len: u64,
    modified: (i64, i64),
    changed: (i64, i64),
    inode: u64,
    device: u64,
}

const RACY_SECONDS: i64 = 2;

impl Stamp {
    /// A regular file's stamp.
    pub(crate) fn of(path: &Path) -> Option<Stamp> {
        Self::of_kind(path, true)
    }

    /// A directory's stamp: its times change whenever an entry is added,
    /// removed or renamed, so an unchanged stamp means an unchanged listing.
    pub(crate) fn of_dir(path: &Path) -> Option<Stamp> {
        Self::of_kind(path, false)
    }

    #[cfg(unix)]
    fn of_kind(path: &Path, file: bool) -> Option<Stamp> {
        use std::os::unix::fs::MetadataExt as _;
        let meta = std::fs::metadata(path).ok()?;
        let kind = if file { meta.is_file() } else { meta.is_dir() };
        kind.then(|| Stamp {
            len: meta.len(),
            modified: (meta.mtime(), meta.mtime_nsec()),
            changed: (meta.ctime(), meta.ctime_nsec()),
            inode: meta.ino(),
            device: meta.dev(),
        })
    }

    /// Elsewhere every hit reads its files.
    #[cfg(not(unix))]
    fn of_kind(_path: &Path, _file: bool) -> Option<Stamp> {
        None
    }

    /// The stamp taken before a read, kept when the one taken after it is
    /// the same and the file was settled: then it can stand for what was read.
    fn vouching(before: Option<Stamp>, after: Option<Stamp>) -> Option<Stamp> {
        before.filter(|before| before.settled() && after.as_ref() == Some(before))
    }

    /// Old enough, at the time of the read, to stand for the content.
    fn settled(&self) -> bool {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
        self.modified.0 < now - RACY_SECONDS && self.changed.0 < now - RACY_SECONDS
    }

    fn write(&self, w: &mut Writer) {
        w.u64(self.len);
        for (seconds, nanos) in [self.modified, self.changed] {
            w.u64(seconds.cast_unsigned());
            w.u64(nanos.cast_unsigned());
        }
        w.u64(self.inode);
        w.u64(self.device);
    }

    fn read(r: &mut Reader<'_>) -> Option<Stamp> {
        let len = r.u64()?;
        let modified = (r.u64()?.cast_signed(), r.u64()?.cast_signed());
        let changed = (r.u64()?.cast_signed(), r.u64()?.cast_signed());
        Some(Stamp {
            len,
            modified,
            changed,
            inode: r.u64()?,
            device: r.u64()?,
        })
    }
}

/// Collects a unit's questions while it runs. Shared by reference with the
/// loaders, which are called from inside the frontends.
#[derive(Default)]
pub(crate) struct Recorder {
    log: Mutex<Log>,
}

#[derive(Default)]
pub(crate) struct Log {
    pub(crate) answers: Vec<Answer>,
    /// Every file an answer carried, for findings to point into.
    pub(crate) files: Vec<SourceFile>,
}

impl Recorder {
    pub(crate) fn into_log(self) -> Log {
        self.log.into_inner().unwrap_or_else(|e| e.into_inner())
    }

    fn push(&self, question: Question, hash: Hash, files: &[SourceFile]) {
        self.push_stamped(question, hash, None, files);
    }

    fn push_stamped(
        &self,
        question: Question,
        hash: Hash,
        stamp: Option<Stamp>,
        files: &[SourceFile],
    ) {
        let mut log = self.log.lock().unwrap_or_else(|e| e.into_inner());
        log.answers.push((question, hash, stamp));
        log.files.extend(files.iter().cloned());
    }

    /// A file read; `before` is its stamp taken before the read.
    pub(crate) fn file(
        &self,
        path: &Path,
        max: u64,
        answer: &Result<SourceFile, InputError>,
        before: Option<Stamp>,
    ) {
        let question = Question::File {
            path: path.to_path_buf(),
            max,
        };
        let stamp = if answer.is_ok() {
            Stamp::vouching(before, Stamp::of(path))
        } else {
            None
        };
        self.push_stamped(question, file_hash(answer), stamp, one(answer));
    }

    /// A directory listed for auto-loaded tfvars; `before` is its stamp
    /// taken before the listing.
    pub(crate) fn var_files(&self, dir: &Path, answer: &[PathBuf], before: Option<Stamp>) {
        let question = Question::VarFiles {
            dir: dir.to_path_buf(),
        };
        let stamp = Stamp::vouching(before, Stamp::of_dir(dir));
        self.push_stamped(question, paths_hash(answer), stamp, &[]);
    }

    pub(crate) fn exists(&self, path: &Path, answer: bool) {
        let question = Question::Exists {
            path: path.to_path_buf(),
        };
        self.push(question, bool_hash(answer), &[]);
    }

    pub(crate) fn module(
        &self,
        loader: &ModuleFiles,
        caller_dir: &Path,
        source: &str,
        answer: &Result<LoadedModule, String>,
    ) {
        let question = Question::Module {
            root: loader.root.clone(),
            max: loader.max_file_size,
            caller_dir: caller_dir.to_path_buf(),
            source: source.to_owned(),
        };
        let files = answer.as_ref().map_or(&[][..], |m| &m.files);
        self.push(question, module_hash(Some(answer)), files);
    }

    pub(crate) fn installed(
        &self,
        loader: &ModuleFiles,
        root_dir: &Path,
        key: &str,
        answer: Option<&Result<LoadedModule, String>>,
    ) {
        let question = Question::Installed {
            root: loader.root.clone(),
            max: loader.max_file_size,
            root_dir: root_dir.to_path_buf(),
            key: key.to_owned(),
        };
        let files = answer
            .and_then(|a| a.as_ref().ok())
            .map_or(&[][..], |m| &m.files);
        self.push(question, module_hash(answer), files);
    }

    pub(crate) fn include(
        &self,
        root: &Path,
        including: &Path,
        pattern: &str,
        answer: &Result<Vec<SourceFile>, String>,
    ) {
        let question = Question::Include {
            root: root.to_path_buf(),
            including: including.to_path_buf(),
            pattern: pattern.to_owned(),
        };
        let files = answer.as_ref().map_or(&[][..], Vec::as_slice);
        self.push(question, include_hash(answer), files);
    }

    pub(crate) fn table(
        &self,
        loader: &FsTableLoader,
        path: &str,
        answer: &Result<SourceFile, TableFileError>,
    ) {
        let question = Question::Table {
            config_dir: loader.config_dir.clone(),
            root: loader.root.clone(),
            path: path.to_owned(),
        };
        self.push(question, table_hash(answer), one(answer));
    }
}

fn file_hash(answer: &Result<SourceFile, InputError>) -> Hash {
    let mut f = Fingerprint::new("file");
    match answer {
        Ok(file) => f.u64(0).source(file),
        Err(error) => f.u64(1).input_error(error),
    };
    f.finish()
}

fn paths_hash(paths: &[PathBuf]) -> Hash {
    let mut f = Fingerprint::new("paths");
    for path in paths {
        f.path(path);
    }
    f.finish()
}

fn bool_hash(value: bool) -> Hash {
    Fingerprint::new("exists").u64(u64::from(value)).finish()
}

fn module_hash(answer: Option<&Result<LoadedModule, String>>) -> Hash {
    let mut f = Fingerprint::new("module");
    match answer {
        None => f.u64(0),
        Some(Err(message)) => f.u64(1).str(message),
        Some(Ok(module)) => {
            f.u64(2).path(&module.dir).u64(module.files.len() as u64);
            for file in &module.files {
                f.source(file);
            }
            for error in &module.errors {
                f.input_error(error);
            }
            &mut f
        }
    };
    f.finish()
}

fn include_hash(answer: &Result<Vec<SourceFile>, String>) -> Hash {
    let mut f = Fingerprint::new("include");
    match answer {
        Err(message) => f.u64(0).str(message),
        Ok(files) => {
            f.u64(1);
            for file in files {
                f.source(file);
            }
            &mut f
        }
    };
    f.finish()
}

fn table_hash(answer: &Result<SourceFile, TableFileError>) -> Hash {
    let mut f = Fingerprint::new("table");
    match answer {
        Ok(file) => f.u64(0).source(file),
        Err(error) => f.u64(1).str(&error.to_string()),
    };
    f.finish()
}

/// The file of an answer that may carry one.
fn one<E>(answer: &Result<SourceFile, E>) -> &[SourceFile] {
    answer.as_ref().map_or(&[], std::slice::from_ref)
}

/// What a replay found unchanged: the files it read, and those whose
/// stamps vouched for them unread (with the size limit to read them by).
#[derive(Default)]
pub(crate) struct Replayed {
    pub(crate) read: foldhash::HashMap<PathBuf, SourceFile>,
    pub(crate) unread: foldhash::HashMap<PathBuf, u64>,
}

/// Asks every question again, in order. `Some` with the files the answers
/// carried (by path) when every answer is the same; `None` at the first
/// difference. A file whose stamp is unchanged is not read.
pub(crate) fn replay(answers: &[Answer]) -> Option<Replayed> {
    let mut files = foldhash::HashMap::<PathBuf, SourceFile>::default();
    let mut unread = foldhash::HashMap::<PathBuf, u64>::default();
    let mut keep = |found: &[SourceFile]| {
        for file in found {
            files
                .entry(file.path().to_path_buf())
                .or_insert_with(|| file.clone());
        }
    };
    for (question, expected, stamp) in answers {
        match (question, stamp) {
            (Question::File { path, max }, Some(stamp))
                if Stamp::of(path).as_ref() == Some(stamp) =>
            {
                unread.insert(path.clone(), *max);
                continue;
            }
            (Question::VarFiles { dir }, Some(stamp))
                if Stamp::of_dir(dir).as_ref() == Some(stamp) =>
            {
                continue;
            }
            _ => {}
        }
        let hash = match question {
            Question::File { path, max } => {
                let answer = read_source(path, *max);
                keep(one(&answer));
                file_hash(&answer)
            }
            Question::VarFiles { dir } => paths_hash(&auto_loaded_var_files(dir)),
            Question::Exists { path } => bool_hash(path.exists()),
            Question::Module {
                root,
                max,
                caller_dir,
                source,
            } => {
                let answer = ModuleFiles::on_disk(root.clone(), *max).load(caller_dir, source);
                keep(answer.as_ref().map_or(&[][..], |m| &m.files));
                module_hash(Some(&answer))
            }
            Question::Installed {
                root,
                max,
                root_dir,
                key,
            } => {
                let answer = ModuleFiles::on_disk(root.clone(), *max).installed(root_dir, key);
                keep(
                    answer
                        .as_ref()
                        .and_then(|a| a.as_ref().ok())
                        .map_or(&[][..], |m| &m.files),
                );
                module_hash(answer.as_ref())
            }
            Question::Include {
                root,
                including,
                pattern,
            } => {
                let answer = FsIncludeLoader::new(root.clone()).load(including, pattern);
                keep(answer.as_ref().map_or(&[][..], Vec::as_slice));
                include_hash(&answer)
            }
            Question::Table {
                config_dir,
                root,
                path,
            } => {
                let answer = FsTableLoader::new(config_dir.clone(), root.clone()).load(path);
                keep(one(&answer));
                table_hash(&answer)
            }
        };
        if hash != *expected {
            return None;
        }
    }
    Some(Replayed {
        read: files,
        unread,
    })
}

pub(crate) fn write_answers(w: &mut Writer, answers: &[Answer]) -> Option<()> {
    w.len(answers.len())?;
    for (question, hash, stamp) in answers {
        match question {
            Question::File { path, max } => {
                w.u8(0);
                w.path(path)?;
                w.u64(*max);
            }
            Question::VarFiles { dir } => {
                w.u8(1);
                w.path(dir)?;
            }
            Question::Exists { path } => {
                w.u8(2);
                w.path(path)?;
            }
            Question::Module {
                root,
                max,
                caller_dir,
                source,
            } => {
                w.u8(3);
                w.path(root)?;
                w.u64(*max);
                w.path(caller_dir)?;
                w.str(source)?;
            }
            Question::Installed {
                root,
                max,
                root_dir,
                key,
            } => {
                w.u8(4);
                w.path(root)?;
                w.u64(*max);
                w.path(root_dir)?;
                w.str(key)?;
            }
            Question::Include {
                root,
                including,
                pattern,
            } => {
                w.u8(5);
                w.path(root)?;
                w.path(including)?;
                w.str(pattern)?;
            }
            Question::Table {
                config_dir,
                root,
                path,
            } => {
                w.u8(6);
                w.path(config_dir)?;
                w.path(root)?;
                w.str(path)?;
            }
        }
        w.hash(hash);
        match stamp {
            None => w.u8(0),
            Some(stamp) => {
                w.u8(1);
                stamp.write(w);
            }
        }
    }
    Some(())
}

pub(crate) fn read_answers(r: &mut Reader<'_>) -> Option<Vec<Answer>> {
    let count = r.len()?;
    let mut answers = Vec::with_capacity(count);
    for _ in 0..count {
        let question = match r.u8()? {
            0 => Question::File {
                path: r.path()?,
                max: r.u64()?,
            },
            1 => Question::VarFiles { dir: r.path()? },
            2 => Question::Exists { path: r.path()? },
            3 => Question::Module {
                root: r.path()?,
                max: r.u64()?,
                caller_dir: r.path()?,
                source: r.string()?,
            },
            4 => Question::Installed {
                root: r.path()?,
                max: r.u64()?,
                root_dir: r.path()?,
                key: r.string()?,
            },
            5 => Question::Include {
                root: r.path()?,
                including: r.path()?,
                pattern: r.string()?,
            },
            6 => Question::Table {
                config_dir: r.path()?,
                root: r.path()?,
                path: r.string()?,
            },
            _ => return None,
        };
        let hash = r.hash()?;
        let stamp = match r.u8()? {
            0 => None,
            1 => Some(Stamp::read(r)?),
            _ => return None,
        };
        answers.push((question, hash, stamp));
    }
    Some(answers)
}
