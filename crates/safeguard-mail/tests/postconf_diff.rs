//! Differential test: our reading of main.cf and master.cf against the real
//! `postconf`, both its committed output (shared/fixtures/mail/expected, from
//! Postfix 3.7.11) and, when Postfix is installed, a live run on every
//! fixture directory.
//!
//! `-Px` expands `$name` with built-in defaults that only the running
//! Postfix knows (`$myhostname` is the host's name). Where a value needs one,
//! our line keeps the reference as written and is marked inexact; for those
//! lines only the `service/type/parameter` part is compared. Everything else
//! must match byte for byte.
//!
//! Without `postconf` the live part is skipped, unless `CI` is set, where a
//! missing Postfix is a failure.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use safeguard_mail::{
    MainCf, MasterCf, PostfixVersion, default_names, default_value, parse_main_cf, parse_master_cf,
    postconf_p_lines, render_postconf_n, render_postconf_p,
};
use safeguard_source::SourceFile;

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The repository's sibling `shared/` directory holds the shared fixtures.
fn shared_mail() -> PathBuf {
    manifest_dir().join("../../../shared/fixtures/mail")
}

const SHARED: [&str; 2] = ["debian-bookworm-postfix", "docker-mailserver"];
const OWN: [&str; 6] = [
    "continuation",
    "duplicates",
    "conditional",
    "groups",
    "services",
    "legacy",
];

fn fixture_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = SHARED.iter().map(|d| shared_mail().join(d)).collect();
    dirs.extend(
        OWN.iter()
            .map(|d| manifest_dir().join("tests/fixtures").join(d)),
    );
    dirs
}

fn read(path: &Path) -> SourceFile {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    SourceFile::new(path, text)
}

fn parse_dir(dir: &Path) -> (MainCf, MasterCf) {
    let main = parse_main_cf(&read(&dir.join("main.cf")));
    let master = parse_master_cf(&read(&dir.join("master.cf")));
    assert!(
        main.errors().is_empty(),
        "{}: {:?}",
        dir.display(),
        main.errors()
    );
    assert!(
        master.errors().is_empty(),
        "{}: {:?}",
        dir.display(),
        master.errors()
    );
    (main, master)
}

fn assert_same(what: &str, expected: &str, actual: &str) {
    common::assert_same_output("postconf", what, expected, actual);
}

/// `-Px` comparison: exact lines byte for byte; for inexact lines (their
/// expansion needs a built-in default) only the part before ` = `.
fn assert_same_px(what: &str, expected: &str, main: &MainCf, master: &MasterCf) {
    let ours = postconf_p_lines(main, master, true);
    let theirs: Vec<&str> = expected.lines().collect();
    let rendered: String = ours.iter().map(|l| l.render() + "\n").collect();
    if ours.len() != theirs.len() {
        panic!(
            "{what} differs:\n{}",
            common::diff("postconf", expected, &rendered)
        );
    }
    let mut skipped = 0;
    for (line, their) in ours.iter().zip(&theirs) {
        let mine = line.render();
        if line.exact {
            assert!(
                mine == *their,
                "{what} differs:\n{}",
                common::diff("postconf", expected, &rendered)
            );
        } else {
            skipped += 1;
            let prefix = format!("{}/{}/{} =", line.service, line.kind, line.parameter);
            assert!(
                their.starts_with(&prefix),
                "{what} differs:\n{}",
                common::diff("postconf", expected, &rendered)
            );
        }
    }
    if skipped > 0 {
        eprintln!(
            "{what}: {skipped} line(s) need Postfix built-in defaults; compared by name only"
        );
    }
}

#[test]
fn committed_postconf_output_matches() {
    for name in SHARED {
        let dir = shared_mail().join(name);
        let (main, master) = parse_dir(&dir);
        let expected = |suffix: &str| {
            let path = shared_mail()
                .join("expected")
                .join(format!("{name}.{suffix}"));
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        };
        assert_same(
            &format!("{name} postconf -n"),
            &expected("postconf-n.cf"),
            &render_postconf_n(&main, Some(&master)),
        );
        assert_same(
            &format!("{name} postconf -P"),
            &expected("postconf-P.txt"),
            &render_postconf_p(&main, &master, false),
        );
        assert_same_px(
            &format!("{name} postconf -Px"),
            &expected("postconf-Px.txt"),
            &main,
            &master,
        );
    }
}

/// Runs `postconf ARGS`; `None` when Postfix is not installed. Debian
/// installs it in /usr/sbin, which a non-root PATH may lack.
fn postconf(args: &[&str]) -> Option<String> {
    let run = |program: &str| Command::new(program).args(args).output();
    let output = match run("postconf").or_else(|_| run("/usr/sbin/postconf")) {
        Ok(output) => output,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => panic!("cannot run postconf: {e}"),
    };
    assert!(
        output.status.success(),
        "postconf {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    Some(String::from_utf8(output.stdout).expect("postconf prints UTF-8"))
}

/// True when the live comparison can run; fails under CI without Postfix.
fn postconf_available() -> bool {
    if postconf(&["-d", "mail_version"]).is_some() {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "postconf is not installed but CI is set: install Debian's `postfix` package"
    );
    eprintln!("postconf not found: skipping the live comparison with Postfix");
    false
}

#[test]
fn live_postconf_matches_every_fixture() {
    if !postconf_available() {
        return;
    }
    for dir in fixture_dirs() {
        let dir_text = dir.to_str().expect("UTF-8 path");
        let name = dir.file_name().and_then(|n| n.to_str()).unwrap_or(dir_text);
        let (main, master) = parse_dir(&dir);
        let n = postconf(&["-c", dir_text, "-n"]).unwrap_or_default();
        let n: String = n
            .lines()
            .filter(|l| !l.starts_with("config_directory ="))
            .map(|l| format!("{l}\n"))
            .collect();
        assert_same(
            &format!("{name} postconf -n"),
            &n,
            &render_postconf_n(&main, Some(&master)),
        );
        let p = postconf(&["-c", dir_text, "-P"]).unwrap_or_default();
        assert_same(
            &format!("{name} postconf -P"),
            &p,
            &render_postconf_p(&main, &master, false),
        );
        let px = postconf(&["-c", dir_text, "-Px"]).unwrap_or_default();
        assert_same_px(&format!("{name} postconf -Px"), &px, &main, &master);
    }
}

/// A temporary configuration directory. The files are backdated: Postfix
/// waits for a main.cf modified within the last second to settle, which
/// would cost a second or more per case.
fn config_dir(main: &str, master: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temporary directory");
    let past = std::time::SystemTime::now() - std::time::Duration::from_secs(60);
    for (name, text) in [("main.cf", main), ("master.cf", master)] {
        let path = dir.path().join(name);
        std::fs::write(&path, text).expect("write configuration");
        let file = std::fs::File::options()
            .write(true)
            .open(&path)
            .expect("open configuration");
        file.set_modified(past).expect("backdate configuration");
    }
    dir
}

/// Inline configurations for corners the fixture directories do not cover.
#[test]
fn live_postconf_matches_inline_cases() {
    if !postconf_available() {
        return;
    }
    let cases: [(&str, &str, &str); 5] = [
        (
            "crlf-and-tabs",
            "compatibility_level = 3.6\r\nmynetworks = 127.0.0.0/8\r\n\t10.0.0.0/8 \r\nsmtpd_banner =\t$myhostname\t\tESMTP \r\n",
            "smtp inet n - y - - smtpd\r\n  -o smtpd_tls_security_level=may\r\n",
        ),
        (
            "leading-whitespace",
            "  ignored = 1\n  also_ignored = 2\nrelayhost = [relay.example.com]:587\n",
            "smtp unix - - y - - smtp\n",
        ),
        (
            "short-option-quirk",
            "compatibility_level = 3.6\n",
            "smtps inet n - y - - smtpd -osyslog_name=postfix/$service_name -osmtpd_sasl_auth_enable=yes\n",
        ),
        (
            "service-parameters",
            "relay_destination_concurrency_limit = 5\nbogus_destination_concurrency_limit = 5\n\
             filter_time_limit = 60\nalias_maps = proxy:ldap:dir\ndir_server_host = ldap.example.com\ndir_nonsense = 1\n",
            "relay unix - - y - - smtp\nfilter unix - n n - - pipe flags=R argv=/bin/true\n",
        ),
        (
            "unused-and-readonly",
            "service_name = x\nTypo_Setting = 1\nsmtpd_restriction_classes = cls\ncls = permit\nlocal_thing = 1\n",
            "s inet n - y - - smtpd -o local_thing=2 -o smtpd_banner=$local_thing\n",
        ),
    ];
    for (name, main_text, master_text) in cases {
        let dir = config_dir(main_text, master_text);
        let main = parse_main_cf(&SourceFile::new("main.cf", main_text));
        let master = parse_master_cf(&SourceFile::new("master.cf", master_text));
        let path = dir.path().to_str().expect("UTF-8 path");
        let n: String = postconf(&["-c", path, "-n"])
            .unwrap_or_default()
            .lines()
            .filter(|l| !l.starts_with("config_directory ="))
            .map(|l| format!("{l}\n"))
            .collect();
        assert_same(
            &format!("{name} postconf -n"),
            &n,
            &render_postconf_n(&main, Some(&master)),
        );
        let p = postconf(&["-c", path, "-P"]).unwrap_or_default();
        assert_same(
            &format!("{name} postconf -P"),
            &p,
            &render_postconf_p(&main, &master, false),
        );
        let px = postconf(&["-c", path, "-Px"]).unwrap_or_default();
        assert_same_px(&format!("{name} postconf -Px"), &px, &main, &master);
    }
}

/// Our table of 3.7 defaults against `postconf -d` of an installed 3.7.
#[test]
fn live_defaults_match_postconf_d() {
    if !postconf_available() {
        return;
    }
    let version = postconf(&["-d", "-h", "mail_version"]).unwrap_or_default();
    if !version.starts_with("3.7.") {
        eprintln!(
            "installed Postfix is {}, not 3.7: skipping the defaults check",
            version.trim()
        );
        return;
    }
    let dir = config_dir("", "");
    let path = dir.path().to_str().expect("UTF-8 path");
    let names: Vec<&str> = default_names().collect();
    let mut args = vec!["-c", path, "-d"];
    args.extend(&names);
    let theirs = postconf(&args).unwrap_or_default();
    let ours: String = names
        .iter()
        .map(|name| {
            let value = default_value(name, PostfixVersion::new(3, 7)).unwrap_or("(none)");
            let line = format!("{name} = {value}");
            line.trim_end().to_owned() + "\n"
        })
        .collect();
    assert_same("postconf -d", &theirs, &ours);
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

/// A random but well-formed main.cf: only what postconf accepts without a
/// fatal error (user parameters refer only to later ones, so no loops).
fn generated_main(rng: &mut Rng) -> String {
    const BUILTIN: [&str; 10] = [
        "smtpd_tls_security_level",
        "smtpd_tls_auth_only",
        "smtpd_sasl_auth_enable",
        "relayhost",
        "mynetworks",
        "smtpd_banner",
        "smtpd_client_restrictions",
        "smtp_tls_security_level",
        "smtpd_tls_protocols",
        "luser_relay",
    ];
    const VALUES: [&str; 24] = [
        "$(u1)",
        "${ u2 }",
        "${u3 ? yes}",
        "${u4:{a}}",
        "$$u1",
        "${{$u1} == {10} ? {ten} : {other}}",
        "permit_mynetworks,\treject",
        "$service_name",
        "yes",
        "no",
        "may",
        "encrypt",
        "$u1",
        "${u2?{a}:{b}}",
        "${u3:x}",
        "cost $$5",
        "[host.example]:587 # not a comment",
        "check_policy_service { inet:127.0.0.1:10023, default_action=DUNNO }",
        "$myhostname   ESMTP",
        "!SSLv2, !SSLv3",
        "${{$compatibility_level} <level {2} ? {old} : {new}}",
        "",
        "127.0.0.0/8 [::1]/128",
        "${u4?$u4}",
    ];
    let mut out = String::new();
    if rng.below(3) > 0 {
        out.push_str(&format!(
            "compatibility_level = {}\n",
            rng.pick(&["0", "2", "3.6"])
        ));
    }
    for _ in 0..rng.below(12) + 3 {
        let name = if rng.below(3) == 0 {
            format!("u{}", rng.below(4) + 1)
        } else if rng.below(8) == 0 {
            "Unused_Name".to_owned()
        } else {
            rng.pick(&BUILTIN).to_owned()
        };
        let mut value = rng.pick(&VALUES).to_owned();
        // User parameters only refer to later ones: u3 may use u4, not u1.
        if let Some(index) = name.strip_prefix('u').and_then(|n| n.parse::<usize>().ok()) {
            for earlier in 1..=index {
                value = value.replace(&format!("u{earlier}"), "literal");
            }
        }
        let separator = rng.pick(&[" = ", "=", "  =\t", " =  "]);
        match rng.below(4) {
            0 if value.contains(' ') => {
                // Continue the value on an indented line, maybe after a
                // comment or blank line.
                let (head, tail) = value.split_once(' ').unwrap_or((&value, ""));
                let between = rng.pick(&["", "# comment\n", "\n", "  # indented comment\n"]);
                out.push_str(&format!(
                    "{name}{separator}{head}\n{between}{}{tail}\n",
                    rng.pick(&["  ", "\t", "    "])
                ));
            }
            1 => out.push_str(&format!(
                "# {name} = commented out\n{name}{separator}{value}\n"
            )),
            _ => out.push_str(&format!("{name}{separator}{value}\n")),
        }
    }
    out
}

/// A random but well-formed master.cf.
fn generated_master(rng: &mut Rng) -> String {
    const SERVICES: [(&str, &str, &str); 7] = [
        ("smtp", "inet", "smtpd"),
        ("smtp", "unix", "smtp"),
        ("submission", "inet", "smtpd"),
        ("465", "inet", "smtpd"),
        ("relay", "unix", "smtp"),
        ("127.0.0.1:10025", "inet", "smtpd"),
        ("filter", "unix", "pipe"),
    ];
    const OPTIONS: [&str; 16] = [
        "-o\n  smtpd_tls_auth_only=yes",
        "-o { smtpd_helo_restrictions = { check_helo_access inline:{ { a = OK } } } }",
        "-vosmtpd_tls_auth_only=$u4",
        "--",
        "-o smtpd_tls_security_level=encrypt",
        "-o smtpd_sasl_auth_enable=$u1",
        "-osmtpd_sasl_auth_enable=yes",
        "-osyslog_name=postfix/$service_name",
        "-o { smtpd_client_restrictions = permit_sasl_authenticated, reject }",
        "-o smtpd_banner=${u2?{$u2}:{none}}",
        "-o smtpd_tls_wrappermode=yes",
        "-v",
        "-o smtp_helo_name=$myhostname",
        "-o u3=local -o smtpd_banner=$u3",
        "plain",
        "-o smtpd_tls_security_level=",
    ];
    let mut out = String::from("# service type private unpriv chroot wakeup maxproc command\n");
    for _ in 0..rng.below(6) + 1 {
        let (name, kind, command) = SERVICES[rng.below(SERVICES.len())];
        out.push_str(&format!("{name} {kind} n - y - - {command}"));
        for _ in 0..rng.below(4) {
            let option = rng.pick(&OPTIONS);
            if rng.below(2) == 0 {
                out.push_str(&format!("\n  {option}"));
            } else {
                out.push_str(&format!(" {option}"));
            }
        }
        out.push('\n');
        if rng.below(4) == 0 {
            out.push_str("#  -o smtpd_tls_security_level=none\n");
        }
    }
    out
}

/// Generated configurations through postconf: the reader must agree on all.
#[test]
fn live_postconf_matches_generated_cases() {
    if !postconf_available() {
        return;
    }
    let seed = std::env::var("SAFEGUARD_MAIL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x005e_ed0f_5afe_6a4d);
    let mut rng = Rng(seed);
    for case in 0..150 {
        let main_text = generated_main(&mut rng);
        let master_text = generated_master(&mut rng);
        let dir = config_dir(&main_text, &master_text);
        let main = parse_main_cf(&SourceFile::new("main.cf", main_text.as_str()));
        let master = parse_master_cf(&SourceFile::new("master.cf", master_text.as_str()));
        let path = dir.path().to_str().expect("UTF-8 path");
        let what =
            format!("generated case {case}\n--- main.cf\n{main_text}--- master.cf\n{master_text}");
        let n: String = postconf(&["-c", path, "-n"])
            .unwrap_or_default()
            .lines()
            .filter(|l| !l.starts_with("config_directory ="))
            .map(|l| format!("{l}\n"))
            .collect();
        assert_same(
            &format!("{what}postconf -n"),
            &n,
            &render_postconf_n(&main, Some(&master)),
        );
        let p = postconf(&["-c", path, "-P"]).unwrap_or_default();
        assert_same(
            &format!("{what}postconf -P"),
            &p,
            &render_postconf_p(&main, &master, false),
        );
        let px = postconf(&["-c", path, "-Px"]).unwrap_or_default();
        assert_same_px(&format!("{what}postconf -Px"), &px, &main, &master);
    }
}
