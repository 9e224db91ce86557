//! The result cache (`.safeguard-cache/`): a rerun on an unchanged tree is
//! all hits with byte-identical output in every format; a change misses
//! exactly the units that read the changed file (a module and its caller,
//! a Postfix table, a Dovecot include, a new tfvars or .tf file); planted,
//! forged and corrupt entries are misses; `--no-cache`, `--fix`, `--diff`
//! and `--parse-only` neither read nor write it; entries unused for a month
//! are swept, and `safeguard clean` deletes it all.

mod common;

use std::path::{Path, PathBuf};

use common::{stderr, write};

/// The binary with the cache in its default place, at the project's root:
/// these tests look there.
fn safeguard(dir: &Path) -> assert_cmd::Command {
    let mut cmd = common::safeguard(dir);
    cmd.env_remove("SAFEGUARD_CACHE_DIR");
    cmd
}

const FORMATS: [&str; 7] = [
    "json",
    "sarif",
    "human",
    "junit",
    "github",
    "gitlab",
    "checkstyle",
];

/// Five units: three Terraform modules (`app` calls `modules/db`, which is
/// also a unit of its own), a Postfix directory with a lookup table, and a
/// Dovecot configuration with an include.
fn project(dir: &Path) {
    write(
        dir,
        "app/main.tf",
        "module \"db\" {\n  source    = \"../modules/db\"\n  encrypted = var.encrypted\n}\n\
         variable \"encrypted\" {\n  default = false\n}\n\
         # safeguard:ignore aws-s3-bucket-versioning -- logs are write-once (RISK-2)\n\
         resource \"aws_s3_bucket\" \"logs\" {\n  bucket = \"logs\"\n}\n",
    );
    write(
        dir,
        "modules/db/main.tf",
        "variable \"encrypted\" {\n  default = true\n}\n\
         resource \"aws_db_instance\" \"this\" {\n  storage_encrypted = var.encrypted\n}\n",
    );
    write(
        dir,
        "net/main.tf",
        "resource \"aws_ebs_volume\" \"v\" {\n  availability_zone = \"us-east-1a\"\n  size = 10\n}\n",
    );
    write(
        dir,
        "mail/edge/main.cf",
        "smtpd_tls_security_level = may\nsmtp_tls_security_level = may\n\
         relayhost = [smtp.example.com]:587\n\
         smtp_tls_policy_maps = hash:/etc/postfix/tls_policy\n",
    );
    write(
        dir,
        "mail/edge/tls_policy",
        "[smtp.example.com]:587 encrypt\n",
    );
    write(
        dir,
        "mail/imap/dovecot.conf",
        "ssl = yes\n!include conf.d/*.conf\n",
    );
    write(
        dir,
        "mail/imap/conf.d/10-auth.conf",
        "disable_plaintext_auth = no\n",
    );
}

/// A check of `.` in `dir` writing every format to `out` (suffixed), with
/// the user's cache directory `home`; returns (exit code, hits, misses).
fn check(dir: &Path, home: &Path, out: &Path, extra: &[&str]) -> (i32, Stats) {
    let mut args: Vec<String> = vec!["check".into(), ".".into()];
    for format in FORMATS {
        args.extend([
            "--format".into(),
            format.into(),
            "--output".into(),
            out.join(format).display().to_string(),
        ]);
    }
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    let output = safeguard(dir)
        .args(&args)
        .env("XDG_CACHE_HOME", home)
        .env("SAFEGUARD_TIMINGS", "1")
        .output()
        .unwrap();
    let stats = cache_stats(&stderr(&output));
    (output.status.code().unwrap(), stats)
}

/// `(hits, misses)` when the cache was used.
type Stats = Option<(usize, usize)>;

/// The hits and misses `SAFEGUARD_TIMINGS` printed on standard error.
fn cache_stats(stderr: &str) -> Stats {
    stderr.lines().find_map(|line| {
        let rest = line.strip_prefix("safeguard: cache: ")?;
        let (hits, misses) = rest.split_once(" hits, ")?;
        Some((
            hits.parse().unwrap(),
            misses.strip_suffix(" misses")?.parse().unwrap(),
        ))
    })
}
/// Each format's output, by format.
type Outputs = Vec<(String, String)>;

fn outputs(out: &Path) -> Outputs {
    FORMATS
        .iter()
        .map(|f| {
            (
                (*f).to_owned(),
                std::fs::read_to_string(out.join(f)).unwrap(),
            )
        })
        .collect()
}

struct Setup {
    tree: tempfile::TempDir,
    home: tempfile::TempDir,
    out: tempfile::TempDir,
}

impl Setup {
    fn new() -> Self {
        let setup = Setup {
            tree: tempfile::tempdir().unwrap(),
            home: tempfile::tempdir().unwrap(),
            out: tempfile::tempdir().unwrap(),
        };
        project(setup.tree.path());
        setup
    }

    fn run(&self, extra: &[&str]) -> (i32, Stats, Outputs) {
        let (code, stats) = check(self.tree.path(), self.home.path(), self.out.path(), extra);
        (code, stats, outputs(self.out.path()))
    }

    /// The same check without the cache: the reference output.
    fn cold(&self) -> (i32, Outputs) {
        let (code, stats, out) = self.run(&["--no-cache"]);
        assert_eq!(stats, None, "--no-cache consulted the cache");
        (code, out)
    }

    /// A cached run after a change: exactly these hits and misses, and
    /// the same output as a run without the cache.
    fn rerun_equals_cold(&self, hits: usize, misses: usize) {
        let (_, stats, cached) = self.run(&[]);
        assert_eq!(stats, Some((hits, misses)));
        assert_eq!(cached, self.cold().1);
    }

    /// A cached check with one format, to standard output, with the
    /// cache's figures on standard error.
    fn check_one(&self, format: &str) -> std::process::Output {
        safeguard(self.tree.path())
            .args(["check", ".", "--format", format])
            .env("XDG_CACHE_HOME", self.home.path())
            .env("SAFEGUARD_TIMINGS", "1")
            .output()
            .unwrap()
    }

    /// That check's hits and misses, and its output.
    fn only(&self, format: &str) -> (Stats, String) {
        let output = self.check_one(format);
        (
            cache_stats(&stderr(&output)),
            String::from_utf8(output.stdout).unwrap(),
        )
    }

    /// How many files cache hits took on their stamps' word, unread.
    fn unread(&self) -> usize {
        stderr(&self.check_one("json"))
            .lines()
            .find_map(|line| {
                line.strip_prefix("safeguard: cache: ")?
                    .strip_suffix(" files vouched for by their stamps, not read")?
                    .parse()
                    .ok()
            })
            .unwrap()
    }

    fn entries(&self) -> Vec<PathBuf> {
        let dir = self.tree.path().join(".safeguard-cache/safeguard-cache-4");
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        entries
    }
}

#[test]
fn a_rerun_is_all_hits_with_identical_output_in_every_format() {
    let setup = Setup::new();
    let (cold_code, cold) = setup.cold();
    let (code, stats, first) = setup.run(&[]);
    assert_eq!(stats, Some((0, 5)));
    assert_eq!((code, &first), (cold_code, &cold));
    let (code, stats, second) = setup.run(&[]);
    assert_eq!(stats, Some((5, 0)));
    assert_eq!(code, cold_code);
    for ((format, cached), (_, reference)) in second.iter().zip(&cold) {
        assert_eq!(cached, reference, "{format} differs on a cache hit");
    }
    // The fixture has what a hit must rebuild: a used suppression, a
    // finding in a called module pointing at the caller, snippets.
    let json: serde_json::Value = serde_json::from_str(&second[0].1).unwrap();
    assert_eq!(json["summary"]["suppressed"], 1);
    assert!(second[2].1.contains("encrypted = var.encrypted"));
    let ignore = setup.tree.path().join(".safeguard-cache/.gitignore");
    assert!(std::fs::read_to_string(ignore).unwrap().ends_with("*\n"));
    assert_eq!(setup.entries().len(), 5);
}

#[test]
fn passes_only_counted_by_one_run_are_replayed_in_full_for_a_run_that_lists_them() {
    let setup = Setup::new();
    let (_, cold) = setup.cold();
    let reference = |format: &str| &cold.iter().find(|(f, _)| f == format).unwrap().1;
    let cold_json: serde_json::Value = serde_json::from_str(reference("json")).unwrap();
    assert!(cold_json["summary"]["pass"].as_u64().unwrap() > 0);
    // JSON lists no passes: the run counts them, and its entries still
    // hold them.
    let (stats, json) = setup.only("json");
    assert_eq!(stats, Some((0, 5)));
    assert_eq!(&json, reference("json"));
    // A JSON or human hit only counts passes and skips them unread, with
    // the same count; JUnit lists every pass, and the same entries give
    // them back, in order.
    for format in ["json", "human", "junit"] {
        let (stats, output) = setup.only(format);
        assert_eq!(stats, Some((5, 0)), "{format}");
        assert_eq!(&output, reference(format), "{format} differs on a hit");
    }
    let junit = reference("junit");
    let summary = &cold_json["summary"];
    let verdicts = ["pass", "fail", "unknown", "suppressed"]
        .iter()
        .map(|k| summary[k].as_u64().unwrap())
        .sum::<u64>();
    assert_eq!(junit.matches("<testcase ").count() as u64, verdicts);
}

#[test]
fn settled_files_are_vouched_for_by_their_stamps_and_a_same_size_edit_still_misses() {
    let setup = Setup::new();
    let tree = setup.tree.path();
    // Written just now: within the racy window a stamp proves nothing, so
    // the first hits read every file.
    setup.run(&[]);
    assert_eq!(setup.unread(), 0);
    // Settled (older than the window): refilled, the stamps now stand for
    // the content, and hits read nothing, yet render the same snippets.
    std::thread::sleep(std::time::Duration::from_millis(3200));
    std::fs::remove_dir_all(tree.join(".safeguard-cache")).unwrap();
    setup.run(&[]);
    let (code, stats, cached) = setup.run(&[]);
    assert_eq!(stats, Some((5, 0)));
    let (cold_code, cold) = setup.cold();
    assert_eq!((code, &cached), (cold_code, &cold));
    assert!(cached[2].1.contains("encrypted = var.encrypted"));
    // Each unit's own files: the three .tf files, main.cf and dovecot.conf.
    // What a unit reads through a loader (the module `app` calls, the
    // Postfix table, the Dovecot include) is still read and compared.
    assert_eq!(setup.unread(), 5);
    // The same number of bytes, another value: the stamp differs, the
    // content is read, and exactly that unit misses.
    let before = std::fs::read_to_string(tree.join("net/main.tf")).unwrap();
    let after = before.replace("size = 10", "size = 99");
    assert_eq!(before.len(), after.len());
    std::fs::write(tree.join("net/main.tf"), after).unwrap();
    setup.rerun_equals_cold(4, 1);
    // A settled directory's listing is vouched for by its stamp too; a new
    // tfvars file changes it, and only the module that lists it misses.
    write(tree, "app/terraform.tfvars", "encrypted = true\n");
    setup.rerun_equals_cold(4, 1);
}

/// Sets a file's modification time `days` before now.
fn age(path: &Path, days: u64) {
    let then = std::time::SystemTime::now() - std::time::Duration::from_secs(days * 86_400);
    std::fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(then)
        .unwrap();
}

fn modified_within_a_minute(path: &Path) -> bool {
    let modified = std::fs::metadata(path).unwrap().modified().unwrap();
    modified.elapsed().is_ok_and(|e| e.as_secs() < 60)
}

#[test]
fn entries_unused_for_a_month_are_swept_at_most_daily_and_hits_keep_theirs() {
    let setup = Setup::new();
    let tree = setup.tree.path();
    setup.run(&[]);
    let cache = tree.join(".safeguard-cache");
    let marker = cache.join(".last-sweep");
    assert!(modified_within_a_minute(&marker), "the first run swept");
    // A month and more unused, the last sweep two days ago, and a format
    // directory an older safeguard left.
    for entry in setup.entries() {
        age(&entry, 40);
    }
    age(&marker, 2);
    write(tree, ".safeguard-cache/safeguard-cache-3/0123abcd", "old");
    age(&cache.join("safeguard-cache-3/0123abcd"), 40);
    // The Dovecot unit is gone: its entry is no longer asked for.
    std::fs::remove_dir_all(tree.join("mail/imap")).unwrap();
    setup.rerun_equals_cold(4, 0);
    let entries = setup.entries();
    assert_eq!(entries.len(), 4, "the unused entry was not swept");
    for entry in &entries {
        assert!(
            modified_within_a_minute(entry),
            "{} not refreshed by its hit",
            entry.display()
        );
    }
    assert!(!cache.join("safeguard-cache-3").exists());
    assert!(modified_within_a_minute(&marker));
    // Swept today: an old entry stays until tomorrow's sweep.
    let stale = entries[0].with_file_name("0000stale");
    std::fs::write(&stale, "old").unwrap();
    age(&stale, 40);
    setup.rerun_equals_cold(4, 0);
    assert!(stale.exists());
}

/// `--cache-dir` (or `SAFEGUARD_CACHE_DIR`) keeps the cache out of the tree,
/// for a CI cache step or a read-only checkout; `clean` takes the same.
#[test]
fn a_cache_directory_elsewhere_is_used_instead_of_the_trees() {
    let setup = Setup::new();
    let tree = setup.tree.path();
    let elsewhere = tempfile::tempdir().unwrap();
    let dir = elsewhere.path().join("ci/safeguard");
    let flag = ["--cache-dir", &dir.display().to_string()].map(str::to_owned);
    let flag: Vec<&str> = flag.iter().map(String::as_str).collect();
    let (code, cold) = setup.cold();
    let (_, stats, _) = setup.run(&flag);
    assert_eq!(stats, Some((0, 5)));
    assert!(dir.join(".gitignore").is_file(), "created with its parents");
    let (cached_code, stats, cached) = setup.run(&flag);
    assert_eq!(stats, Some((5, 0)));
    assert_eq!((cached_code, cached), (code, cold));
    assert!(!tree.join(".safeguard-cache").exists());
    // `clean` finds it through the variable as well as the flag.
    let output = safeguard(tree)
        .arg("clean")
        .env("SAFEGUARD_CACHE_DIR", &dir)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert!(!dir.exists(), "{}", stderr(&output));
}

#[test]
fn clean_deletes_the_cache_that_check_uses() {
    let setup = Setup::new();
    let tree = setup.tree.path();
    setup.run(&[]);
    assert!(tree.join(".safeguard-cache").is_dir());
    let output = safeguard(tree).arg("clean").output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert!(stderr(&output).contains("removed"), "{}", stderr(&output));
    assert!(!tree.join(".safeguard-cache").exists());
    let output = safeguard(tree).arg("clean").output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert!(
        stderr(&output).contains("no cache at"),
        "{}",
        stderr(&output)
    );
    setup.rerun_equals_cold(0, 5);
}

#[test]
fn a_changed_file_misses_exactly_the_units_that_read_it() {
    let setup = Setup::new();
    setup.run(&[]);
    let tree = setup.tree.path();
    // A called module: the module itself and its caller.
    write(
        tree,
        "modules/db/main.tf",
        "variable \"encrypted\" {\n  default = true\n}\n\
         resource \"aws_db_instance\" \"this\" {\n  storage_encrypted = true\n}\n",
    );
    setup.rerun_equals_cold(3, 2);
    // A Postfix lookup table: only the Postfix unit.
    write(tree, "mail/edge/tls_policy", "[smtp.example.com]:587 may\n");
    setup.rerun_equals_cold(4, 1);
    // A new file matched by a Dovecot include glob: only Dovecot.
    write(
        tree,
        "mail/imap/conf.d/20-ssl.conf",
        "ssl_min_protocol = TLSv1\n",
    );
    setup.rerun_equals_cold(4, 1);
    // A new tfvars file and a new .tf file: only their module.
    write(tree, "app/terraform.tfvars", "encrypted = true\n");
    setup.rerun_equals_cold(4, 1);
    write(
        tree,
        "net/extra.tf",
        "resource \"aws_ebs_volume\" \"w\" {\n  availability_zone = \"us-east-1a\"\n  size = 1\n  encrypted = true\n}\n",
    );
    setup.rerun_equals_cold(4, 1);
    // Options that change results are part of the key.
    let (_, stats, _) = setup.run(&["--select", "encryption-at-rest"]);
    assert_eq!(stats, Some((0, 5)));
    let (_, stats, _) = setup.run(&["--var", "encrypted=true"]);
    assert_eq!(stats, Some((0, 5)));
    let (_, stats, _) = setup.run(&[]);
    assert_eq!(stats, Some((5, 0)));
}

#[test]
fn entries_authenticated_with_another_key_are_ignored() {
    let setup = Setup::new();
    let (_, reference) = setup.cold();
    // The attacker's own run (their key) plants entries in the tree.
    let attacker = tempfile::tempdir().unwrap();
    let (_, stats) = check(setup.tree.path(), attacker.path(), setup.out.path(), &[]);
    assert_eq!(stats, Some((0, 5)));
    let (code, stats, out) = setup.run(&[]);
    assert_eq!(stats, Some((0, 5)), "an entry under another key was used");
    assert_eq!(out, reference);
    assert!(matches!(code, 1));
    for entry in setup.entries() {
        let mut bytes = std::fs::read(&entry).unwrap();
        let middle = bytes.len() / 2;
        bytes[middle] ^= 0x01;
        std::fs::write(&entry, bytes).unwrap();
    }
    let (_, stats, out) = setup.run(&[]);
    assert_eq!(stats, Some((0, 5)), "a modified entry was used");
    assert_eq!(out, reference);
}

#[test]
fn corrupt_truncated_and_odd_entries_are_misses() {
    let setup = Setup::new();
    let (cold_code, reference) = setup.cold();
    setup.run(&[]);
    let entries = setup.entries();
    assert_eq!(entries.len(), 5);
    std::fs::write(&entries[0], b"").unwrap();
    std::fs::write(&entries[1], b"SGCACHE4 not an entry").unwrap();
    let bytes = std::fs::read(&entries[2]).unwrap();
    std::fs::write(&entries[2], &bytes[..bytes.len() - 1]).unwrap();
    std::fs::remove_file(&entries[3]).unwrap();
    std::fs::create_dir(&entries[3]).unwrap();
    #[cfg(unix)]
    {
        std::fs::remove_file(&entries[4]).unwrap();
        std::os::unix::fs::symlink("/dev/zero", &entries[4]).unwrap();
    }
    let (code, stats, out) = setup.run(&[]);
    assert_eq!(code, cold_code);
    assert_eq!(stats, Some((0, 5)));
    assert_eq!(out, reference);
}

#[test]
fn no_cache_fix_diff_and_parse_only_neither_read_nor_write() {
    let setup = Setup::new();
    let cache = setup.tree.path().join(".safeguard-cache");
    setup.cold();
    for flags in [&["--diff"][..], &["--parse-only"][..]] {
        let (_, stats) = check(
            setup.tree.path(),
            setup.home.path(),
            setup.out.path(),
            flags,
        );
        assert_eq!(stats, None, "{flags:?}");
    }
    assert!(!cache.exists(), "a run without the cache created it");
    // Written once, then --no-cache leaves every entry as it was.
    setup.run(&[]);
    let before: Vec<(PathBuf, Vec<u8>)> = setup
        .entries()
        .into_iter()
        .map(|p| (p.clone(), std::fs::read(p).unwrap()))
        .collect();
    write(
        setup.tree.path(),
        "net/main.tf",
        "resource \"aws_ebs_volume\" \"v\" {\n  availability_zone = \"us-east-1a\"\n  size = 10\n  encrypted = true\n}\n",
    );
    setup.cold();
    let after: Vec<(PathBuf, Vec<u8>)> = setup
        .entries()
        .into_iter()
        .map(|p| (p.clone(), std::fs::read(p).unwrap()))
        .collect();
    assert_eq!(before, after);
    let (_, stats) = check(
        setup.tree.path(),
        setup.home.path(),
        setup.out.path(),
        &["--fix"],
    );
    assert_eq!(stats, None);
}

#[test]
fn an_unusable_cache_directory_never_fails_the_run() {
    let setup = Setup::new();
    let (cold_code, reference) = setup.cold();
    // A file where the directory should be.
    write(setup.tree.path(), ".safeguard-cache", "not a directory");
    let (code, _, out) = setup.run(&[]);
    assert_eq!((code, &out), (cold_code, &reference));
    std::fs::remove_file(setup.tree.path().join(".safeguard-cache")).unwrap();
    // A link planted to steer writes elsewhere: nothing is written there.
    #[cfg(unix)]
    {
        let elsewhere = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(elsewhere.path(), setup.tree.path().join(".safeguard-cache"))
            .unwrap();
        let (code, stats, out) = setup.run(&[]);
        assert_eq!((code, &out), (cold_code, &reference));
        assert_eq!(stats, None);
        assert_eq!(std::fs::read_dir(elsewhere.path()).unwrap().count(), 0);
    }
    // No usable home for the key: the run goes uncached.
    let output = safeguard(setup.tree.path())
        .args(["check", ".", "--format", "json"])
        .env_remove("XDG_CACHE_HOME")
        .env_remove("HOME")
        .env("SAFEGUARD_TIMINGS", "1")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(cold_code));
    assert!(!stderr(&output).contains("safeguard: cache:"));
}

#[test]
fn the_cache_lives_beside_the_governing_safeguard_toml() {
    let setup = Setup::new();
    let project = setup.tree.path().join("net");
    write(&project, "safeguard.toml", "fail-on = \"high\"\n");
    let output = safeguard(setup.tree.path())
        .args(["check", "net", "--format", "json"])
        .env("XDG_CACHE_HOME", setup.home.path())
        .output()
        .unwrap();
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "{}",
        stderr(&output)
    );
    assert!(project.join(".safeguard-cache/.gitignore").is_file());
    assert!(!setup.tree.path().join(".safeguard-cache").exists());
    // The key is the user's, private.
    let key = setup.home.path().join("safeguard/cache-key");
    assert_eq!(std::fs::read(&key).unwrap().len(), 32);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        assert_eq!(
            std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
}
