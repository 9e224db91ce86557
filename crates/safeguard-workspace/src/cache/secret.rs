//! The per-user secret that authenticates cache entries. A cache directory
//! lives in the scanned tree, which a pull request controls; without a key
//! the tree cannot hold, an attacker could plant entries that report a
//! clean result for insecure files. The key is 32 random bytes from the
//! operating system, in the user's cache directory (`$XDG_CACHE_HOME/
//! safeguard/cache-key`, else `~/.cache/safeguard/cache-key`), mode 0600.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use hmac::Mac as _;

/// The HMAC-SHA256 of a cache entry.
pub(crate) type Tag = [u8; 32];

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

const KEY_FILE: &str = "cache-key";
const KEY_LEN: usize = 32;

/// The user's cache key, loaded or created on first use.
pub(crate) struct Secret {
    key: [u8; KEY_LEN],
}

impl Secret {
    /// Loads the key from the user's cache directory, creating it when it
    /// does not exist. `None` when there is no usable home or the key can
    /// be neither read nor written: the run then goes uncached.
    pub(crate) fn load() -> Option<Secret> {
        Self::load_from(&user_cache_dir()?)
    }

    pub(crate) fn load_from(dir: &Path) -> Option<Secret> {
        let path = dir.join(KEY_FILE);
        if let Some(secret) = read_key(&path) {
            return Some(secret);
        }
        create_private_dir(dir)?;
        let mut key = [0u8; KEY_LEN];
        getrandom::fill(&mut key).ok()?;
        // Written whole under a temporary name, then renamed: a reader never
        // sees half a key. When two runs race, the last rename wins and the
        // entries the other wrote simply miss later.
        let temp = dir.join(format!("{KEY_FILE}.{}.tmp", std::process::id()));
        let written = create_private_file(&temp).and_then(|mut file| {
            file.write_all(&key)?;
            file.sync_all()
        });
        if written.is_err() || fs::rename(&temp, &path).is_err() {
            let _ = fs::remove_file(&temp);
            return None;
        }
        read_key(&path)
    }

    /// The tag of `parts`, in order.
    pub(crate) fn tag(&self, parts: &[&[u8]]) -> Tag {
        let mut mac = self.mac();
        for part in parts {
            mac.update(part);
        }
        mac.finalize().into_bytes().into()
    }

    /// Whether `tag` authenticates `parts`, in constant time.
    pub(crate) fn verify(&self, parts: &[&[u8]], tag: &[u8]) -> bool {
        let mut mac = self.mac();
        for part in parts {
            mac.update(part);
        }
        mac.verify_slice(tag).is_ok()
    }

    fn mac(&self) -> HmacSha256 {
        // HMAC accepts keys of any length; 32 bytes cannot fail.
        <HmacSha256 as hmac::KeyInit>::new_from_slice(&self.key)
            .unwrap_or_else(|_| unreachable!("HMAC takes a 32-byte key"))
    }
}

/// A key file of exactly the right length; anything else is not a key.
fn read_key(path: &Path) -> Option<Secret> {
    let bytes = fs::read(path).ok()?;
    let key: [u8; KEY_LEN] = bytes.as_slice().try_into().ok()?;
    Some(Secret { key })
}

/// `$XDG_CACHE_HOME/safeguard`, or `~/.cache/safeguard` (relative
/// `XDG_CACHE_HOME` values are ignored, as the XDG specification says).
fn user_cache_dir() -> Option<PathBuf> {
    let xdg = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute());
    let base = xdg.or_else(|| {
        std::env::var_os("HOME")
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
            .map(|home| home.join(".cache"))
    })?;
    Some(base.join("safeguard"))
}

fn create_private_dir(dir: &Path) -> Option<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        builder.mode(0o700);
    }
    builder.create(dir).ok()
}

/// Creates a new file only the user can read (never follows or reuses an
/// existing path).
fn create_private_file(path: &Path) -> std::io::Result<fs::File> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    options.open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creates_a_private_key_once_and_reuses_it() {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("safeguard");
        let first = Secret::load_from(&home).unwrap();
        let second = Secret::load_from(&home).unwrap();
        assert_eq!(first.key, second.key);
        assert_eq!(fs::read(home.join(KEY_FILE)).unwrap().len(), KEY_LEN);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = fs::metadata(home.join(KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let tag = first.tag(&[b"a", b"bc"]);
        assert!(second.verify(&[b"a", b"bc"], &tag));
        assert!(!second.verify(&[b"a", b"bd"], &tag));
        assert!(!second.verify(&[b"a", b"bc"], &tag[..31]));
    }

    #[test]
    fn a_key_file_of_the_wrong_length_is_replaced() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(KEY_FILE), b"short").unwrap();
        let secret = Secret::load_from(dir.path()).unwrap();
        assert_eq!(fs::read(dir.path().join(KEY_FILE)).unwrap(), secret.key);
    }

    #[test]
    fn keys_of_different_users_do_not_verify_each_other() {
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let (a, b) = (
            Secret::load_from(a.path()).unwrap(),
            Secret::load_from(b.path()).unwrap(),
        );
        assert!(!b.verify(&[b"entry"], &a.tag(&[b"entry"])));
    }
}
