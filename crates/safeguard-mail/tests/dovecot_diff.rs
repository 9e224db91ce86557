//! Differential test: our reading of Dovecot configuration trees against
//! the real `doveconf -n` (Dovecot 2.3.19.1 on Debian 12): its committed
//! output for the docker-mailserver tree (shared/fixtures/mail/expected)
//! and, when Dovecot is installed, live runs on that tree, on every tree
//! under tests/fixtures/dovecot, on inline cases and on generated ones.
//!
//! The docker-mailserver tree is Debian's stock configuration (from the
//! installed `dovecot-core`, `/usr/share/dovecot`) with docker-mailserver's
//! `target/dovecot/*` at f984d9c2 copied over `conf.d/` (the shared
//! `10-ssl.dovecot23.conf` is its `10-ssl.conf`). The machine that produced
//! the committed output had no `/usr/share/dovecot/protocols.d/*.protocol`
//! (only dovecot-core installed), so for that comparison we serve that
//! include as matching nothing; the live run reads it.
//!
//! doveconf's `#` header lines (version, OS, host name) are not compared.
//! Without `doveconf` the live part is skipped, unless `CI` is set, where a
//! missing Dovecot is a failure. CI installs it with
//! `apt-get install -y --no-install-recommends dovecot-core dovecot-imapd dovecot-pop3d`.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use safeguard_mail::{
    DovecotConfig, FsIncludeLoader, IncludeLoader, dovecot_default_names, dovecot_default_value,
    read_dovecot, render_doveconf_n,
};
use safeguard_source::SourceFile;

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixtures() -> PathBuf {
    manifest_dir().join("tests/fixtures/dovecot")
}

/// The repository's sibling `shared/fixtures/mail`.
fn shared_mail() -> PathBuf {
    manifest_dir().join("../../../shared/fixtures/mail")
}

/// Debian's pristine copy of the stock configuration.
const STOCK: &str = "/usr/share/dovecot";

const OWN: [&str; 3] = ["includes", "filters", "quirks"];

fn read(path: &Path) -> SourceFile {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    SourceFile::new(path, text)
}

fn assert_same(what: &str, expected: &str, actual: &str) {
    common::assert_same_output("doveconf", what, expected, actual);
}

/// doveconf's output without its `# ` header lines.
fn without_header(text: &str) -> String {
    text.lines()
        .skip_while(|l| l.starts_with("# "))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// Runs `doveconf ARGS`; `None` when Dovecot is not installed.
fn doveconf(args: &[&str]) -> Option<String> {
    let run = |program: &str| Command::new(program).args(args).output();
    let output = match run("doveconf").or_else(|_| run("/usr/bin/doveconf")) {
        Ok(output) => output,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => panic!("cannot run doveconf: {e}"),
    };
    assert!(
        output.status.success() && !String::from_utf8_lossy(&output.stderr).contains("Fatal"),
        "doveconf {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    Some(String::from_utf8(output.stdout).expect("doveconf prints UTF-8"))
}

/// The installed Dovecot release (`2.3.19.1`), from doveconf's header.
fn installed_version() -> Option<String> {
    let defaults = doveconf(&["-c", "/dev/null", "-d"])?;
    let first = defaults.lines().next().unwrap_or_default();
    Some(
        first
            .trim_start_matches("# ")
            .split(' ')
            .next()
            .unwrap_or_default()
            .to_owned(),
    )
}

/// True when Dovecot 2.3 and its stock tree are installed, so the
/// comparisons can run; under CI anything else is a failure.
fn dovecot_2_3_available() -> bool {
    let version = installed_version();
    let stock = Path::new(STOCK).join("dovecot.conf").is_file();
    let problem = match &version {
        None => "doveconf is not installed".to_owned(),
        Some(v) if !v.starts_with("2.3.") => {
            format!("Dovecot {v} is installed; this test targets 2.3 (Debian 12)")
        }
        Some(_) if !stock => format!("{STOCK} is missing"),
        Some(_) => return true,
    };
    assert!(
        std::env::var_os("CI").is_none(),
        "{problem} but CI is set: install Debian 12's dovecot-core, dovecot-imapd and dovecot-pop3d"
    );
    eprintln!("{problem}: skipping the comparison with doveconf");
    false
}

/// True when the live comparison can run.
fn doveconf_available() -> bool {
    dovecot_2_3_available()
}

fn render_tree(main: &Path, loader: &dyn IncludeLoader) -> (DovecotConfig, String) {
    let config = read_dovecot(read(main), Some(loader));
    let rendered = render_doveconf_n(&config);
    (config, rendered)
}

fn assert_no_errors(what: &str, config: &DovecotConfig) {
    let errors: Vec<String> = config
        .errors
        .iter()
        .map(|e| {
            let path = config.files.get(e.at.file).map(SourceFile::path);
            format!("{path:?} {:?}: {e}", e.at.span)
        })
        .collect();
    assert!(errors.is_empty(), "{what}: {errors:#?}");
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create directory");
    for entry in std::fs::read_dir(from).unwrap_or_else(|e| panic!("{}: {e}", from.display())) {
        let entry = entry.expect("directory entry");
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// Debian's stock tree with docker-mailserver's files over `conf.d/`.
fn docker_mailserver_tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temporary directory");
    let stock = Path::new(STOCK);
    std::fs::copy(stock.join("dovecot.conf"), dir.path().join("dovecot.conf")).expect("copy");
    for entry in std::fs::read_dir(stock).expect("stock directory") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "ext") {
            std::fs::copy(&path, dir.path().join(path.file_name().expect("name"))).expect("copy");
        }
    }
    let conf_d = dir.path().join("conf.d");
    copy_dir(&stock.join("conf.d"), &conf_d);
    let ours = fixtures().join("docker-mailserver-f984d9c2");
    for entry in std::fs::read_dir(&ours).expect("fixture directory") {
        let path = entry.expect("entry").path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name != "LICENSE" {
            std::fs::copy(&path, conf_d.join(name)).expect("copy");
        }
    }
    std::fs::copy(
        shared_mail().join("docker-mailserver/10-ssl.dovecot23.conf"),
        conf_d.join("10-ssl.conf"),
    )
    .expect("copy 10-ssl.conf");
    dir
}

/// Serves the tree under its root, and `protocols.d` as empty, like the
/// machine that produced the committed output.
struct WithoutProtocolsD(FsIncludeLoader);

impl IncludeLoader for WithoutProtocolsD {
    fn load(&self, including: &Path, pattern: &str) -> Result<Vec<SourceFile>, String> {
        if pattern.starts_with("/usr/share/dovecot/protocols.d/") {
            return Ok(Vec::new());
        }
        self.0.load(including, pattern)
    }
}

#[test]
fn committed_doveconf_output_matches() {
    // The stock half of the tree comes from the installed package.
    if !dovecot_2_3_available() {
        return;
    }
    let tree = docker_mailserver_tree();
    let loader = WithoutProtocolsD(FsIncludeLoader::new(tree.path()));
    let (config, rendered) = render_tree(&tree.path().join("dovecot.conf"), &loader);
    assert_no_errors("docker-mailserver tree", &config);
    let path = shared_mail().join("expected/docker-mailserver-dovecot23-tree.doveconf-n.conf");
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_same(
        "docker-mailserver doveconf -n",
        &without_header(&expected),
        &rendered,
    );
}

#[test]
fn live_doveconf_matches_the_docker_mailserver_tree() {
    if !doveconf_available() {
        return;
    }
    let tree = docker_mailserver_tree();
    let main = tree.path().join("dovecot.conf");
    // The stock tree includes /usr/share/dovecot/protocols.d by absolute
    // path, so the loader's root is `/` here.
    let (config, rendered) = render_tree(&main, &FsIncludeLoader::new("/"));
    assert_no_errors("docker-mailserver tree", &config);
    let theirs = doveconf(&["-n", "-c", main.to_str().expect("UTF-8 path")]).unwrap_or_default();
    assert_same(
        "docker-mailserver doveconf -n (live)",
        &without_header(&theirs),
        &rendered,
    );
}

#[test]
fn live_doveconf_matches_the_stock_tree() {
    if !doveconf_available() {
        return;
    }
    let main = Path::new(STOCK).join("dovecot.conf");
    let (config, rendered) = render_tree(&main, &FsIncludeLoader::new("/"));
    assert_no_errors("stock tree", &config);
    let theirs = doveconf(&["-n", "-c", main.to_str().expect("UTF-8 path")]).unwrap_or_default();
    assert_same("stock doveconf -n", &without_header(&theirs), &rendered);
}

#[test]
fn live_doveconf_matches_every_fixture() {
    if !doveconf_available() {
        return;
    }
    for name in OWN {
        let main = fixtures().join(name).join("dovecot.conf");
        let (config, rendered) = render_tree(&main, &FsIncludeLoader::new(fixtures().join(name)));
        assert_no_errors(name, &config);
        let theirs =
            doveconf(&["-n", "-c", main.to_str().expect("UTF-8 path")]).unwrap_or_default();
        assert_same(
            &format!("{name} doveconf -n"),
            &without_header(&theirs),
            &rendered,
        );
    }
}

/// A temporary `dovecot.conf` holding `text`.
fn config_file(text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("dovecot.conf");
    std::fs::write(&path, text).expect("write configuration");
    (dir, path)
}

fn compare_text(what: &str, text: &str) {
    let (dir, path) = config_file(text);
    let (config, rendered) = render_tree(&path, &FsIncludeLoader::new(dir.path()));
    assert_no_errors(what, &config);
    let theirs = doveconf(&["-n", "-c", path.to_str().expect("UTF-8 path")]).unwrap_or_default();
    assert_same(
        &format!("{what}\n--- dovecot.conf\n{text}--- doveconf -n"),
        &without_header(&theirs),
        &rendered,
    );
}

/// Inline configurations for corners the fixture trees do not cover.
#[test]
fn live_doveconf_matches_inline_cases() {
    if !doveconf_available() {
        return;
    }
    let cases: [(&str, &str); 7] = [
        (
            "crlf",
            "ssl = required\r\nauth_mechanisms = plain \\\r\n  login\r\nprotocol imap {\r\n  ssl = yes\r\n}\r\n",
        ),
        (
            "obsolete-protocols",
            "protocols = imaps pop3s\nssl_disable = no\nssl_cert_file = /etc/c.pem\n",
        ),
        (
            "empty-and-equal-to-default",
            "ssl = yes\nssl_min_protocol = TLSv1.2\nauth_mechanisms = plain\nlisten = *, ::\nhostname =\n",
        ),
        (
            "ipv6-and-nested-filters",
            "local 2001:db8:0::1/64 {\n  remote 2001:db8::/32 {\n    ssl = no\n  }\n}\nremote ::1 {\n  ssl = no\n}\n",
        ),
        (
            "unnamed-and-merged-sections",
            "namespace {\n  separator = /\n}\nnamespace {\n  prefix = INBOX.\n}\nservice imap {\n  process_limit = 10\n}\nservice imap {\n  client_limit = 1\n}\n",
        ),
        (
            "escapes-in-section-names",
            "namespace inbox {\n  inbox = yes\n  mailbox \"a b\" {\n    auto = create\n  }\n  mailbox a/b {\n    auto = create\n  }\n  mailbox a,b {\n    auto = create\n  }\n}\n",
        ),
        (
            "self-reference-in-section",
            "mail_plugins = acl\nprotocol imap {\n  mail_plugins = $mail_plugins imap_acl\n}\nprotocol imap {\n  mail_plugins = $mail_plugins x\n}\n",
        ),
    ];
    for (name, text) in cases {
        compare_text(name, text);
    }
}

/// Our 2.3 defaults against `doveconf -d` of an installed 2.3.19.
#[test]
fn live_defaults_match_doveconf_d() {
    if !doveconf_available() {
        return;
    }
    let (_dir, path) = config_file("");
    let theirs = doveconf(&["-c", path.to_str().expect("UTF-8 path"), "-d"]).unwrap_or_default();
    if !theirs.starts_with("# 2.3.19") {
        eprintln!("installed Dovecot is not 2.3.19: skipping the defaults check");
        return;
    }
    let mut theirs: Vec<String> = theirs
        .lines()
        .filter(|l| !l.starts_with(['#', ' ', '}']) && l.contains(" = "))
        .map(str::to_owned)
        .collect();
    theirs.sort();
    let version = safeguard_mail::DovecotVersion::V2_3;
    let mut ours: Vec<String> = dovecot_default_names()
        .map(|name| {
            let value = dovecot_default_value(name, version).unwrap_or_default();
            let quote = value.contains('#') || value.starts_with(' ') || value.ends_with(' ');
            if quote {
                format!("{name} = \"{value}\"")
            } else {
                format!("{name} = {value}")
            }
        })
        .collect();
    ours.sort();
    assert_same("doveconf -d", &theirs.join("\n"), &ours.join("\n"));
}

/// A small deterministic generator (xorshift64*), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n as u64).unwrap_or(0)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// Settings valid anywhere (global, protocol and connection filters) with
/// values doveconf accepts, in several spellings.
const ANYWHERE: [(&str, &[&str]); 8] = [
    ("ssl", &["yes", "no", "required", "\"required\""]),
    (
        "ssl_min_protocol",
        &["TLSv1", "TLSv1.1", "TLSv1.2", "'TLSv1.3'"],
    ),
    (
        "disable_plaintext_auth",
        &["yes", "no", "Yes", "y", "1", "NO"],
    ),
    (
        "mail_max_lock_timeout",
        &["0", "60s", "5 mins", "1h", "2 weeks", "90 secs"],
    ),
    (
        "mail_attachment_min_size",
        &["128k", "1M", "64 kiB", "0", "2048"],
    ),
    (
        "login_greeting",
        &[
            "Dovecot ready.",
            "\"Hi # there\"",
            "'x  y'",
            "\"  padded  \"",
        ],
    ),
    (
        "mail_plugins",
        &[
            "$mail_plugins quota",
            "\"$mail_plugins x\"",
            "quota  acl",
            "$mail_plugins",
        ],
    ),
    ("verbose_ssl", &["yes", "no"]),
];

/// Auth settings: refused inside local/remote filters.
const GLOBAL_ONLY: [(&str, &[&str]); 2] = [
    (
        "auth_mechanisms",
        &["plain", "plain login", "\"plain  login\""],
    ),
    ("auth_verbose", &["yes", "no"]),
];

/// One `name = value` line in a random spelling.
fn setting_line(rng: &mut Rng, name: &str, value: &str, indent: &str) -> String {
    let separator = rng.pick(&[" = ", "=", "  =\t", " =  "]);
    let plain_tail = !value.contains('#') && !value.starts_with(['"', '\'']);
    match rng.below(9) {
        0 => format!("{indent}{name}{separator}{value} # note\n"),
        1 if plain_tail => format!("{indent}{name}{separator}{value}#note\n"),
        2 if value.contains(' ') && plain_tail => {
            let (head, tail) = value.split_once(' ').unwrap_or((value, ""));
            format!("{indent}{name}{separator}{head} \\\n{indent}   {tail}\n")
        }
        3 => format!("{indent}# {name} = commented out\n{indent}{name}{separator}{value}   \n"),
        4 => format!(
            "{indent}{name}{separator}dropped \\\n{indent}# a comment line drops a continued value\n"
        ),
        _ => format!("{indent}{name}{separator}{value}\n"),
    }
}

fn generated_config(rng: &mut Rng) -> String {
    let mut out = String::new();
    for _ in 0..rng.below(8) + 2 {
        let (name, values) = if rng.below(4) == 0 {
            GLOBAL_ONLY[rng.below(GLOBAL_ONLY.len())]
        } else {
            ANYWHERE[rng.below(ANYWHERE.len())]
        };
        let value = rng.pick(values);
        out.push_str(&setting_line(rng, name, value, ""));
    }
    // Each filter sets settings of its own, so no two filters of equal
    // specificity set the same one (doveconf calls that a conflict).
    let filters = [
        "protocol imap",
        "protocol pop3",
        "remote 10.0.0.0/8",
        "local 127.0.0.1",
    ];
    let mut used: Vec<&str> = Vec::new();
    for filter in filters {
        if rng.below(2) == 0 {
            continue;
        }
        out.push_str(&format!("{filter} {{\n"));
        for _ in 0..rng.below(3) + 1 {
            let (name, values) = ANYWHERE[rng.below(ANYWHERE.len())];
            if used.contains(&name) {
                continue;
            }
            used.push(name);
            let value = rng.pick(values);
            out.push_str(&setting_line(rng, name, value, "  "));
        }
        out.push_str("}\n");
    }
    if rng.below(2) == 0 {
        out.push_str(rng.pick(&[
            "service imap-login {\n  inet_listener imaps {\n    port = 993\n    ssl = yes\n  }\n}\n",
            "namespace inbox {\n  inbox = yes\n}\n",
            "plugin {\n  quota = maildir:User quota # comment\n}\n",
            "passdb {\n  driver = pam\n}\n",
        ]));
    }
    out
}

/// Generated configurations through doveconf: the reader must agree on all.
#[test]
fn live_doveconf_matches_generated_cases() {
    if !doveconf_available() {
        return;
    }
    let seed = std::env::var("SAFEGUARD_DOVECOT_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x0d0e_c07f_5afe_6a4d);
    let mut rng = Rng(seed);
    for case in 0..80 {
        let text = generated_config(&mut rng);
        compare_text(&format!("generated case {case}"), &text);
    }
}
