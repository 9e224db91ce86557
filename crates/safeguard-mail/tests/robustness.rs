//! No input makes the reader panic or hang: generated junk built from the
//! characters Postfix syntax cares about, plus a few hand-made extremes.

use safeguard_mail::{
    PostfixOptions, expand, minimum_version, parse_main_cf, parse_master_cf, postconf_p_lines,
    postfix_document, references, render_postconf_n, unused_parameters,
};
use safeguard_source::SourceFile;

/// A small deterministic generator (xorshift64*), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        let index = usize::try_from(self.next() % items.len() as u64).unwrap_or(0);
        items[index]
    }
}

const PIECES: &[&str] = &[
    "$",
    "$$",
    "${",
    "}",
    "$(",
    ")",
    "{",
    "=",
    " ",
    "\t",
    "\n",
    "\n  ",
    "#",
    "-o",
    "-o ",
    "-vo",
    "?",
    ":",
    "a",
    "b",
    "smtpd_tls_security_level",
    "compatibility_level",
    "smtp",
    "inet",
    "unix",
    "pass",
    "smtpd",
    "postscreen",
    "n",
    "-",
    "é",
    "\r\n",
    "\u{b}",
    "!",
    ",",
    ">=",
    "TLSv1.2",
    "0x0303",
    "<level",
    "{3.6}",
    "==",
    "yes",
    "encrypt",
    "${a?{",
    "}:{",
    "$a",
    "a = $a",
    "\u{0}",
    "[::1]:",
    "25",
    "smtpd_service_name",
    "{ x = y }",
];

fn junk(rng: &mut Rng, pieces: usize) -> String {
    (0..pieces).map(|_| rng.pick(PIECES)).collect()
}

fn exercise(main: &str, master: &str) {
    let main_cf = parse_main_cf(&SourceFile::new("main.cf", main));
    let master_cf = parse_master_cf(&SourceFile::new("master.cf", master));
    let _ = render_postconf_n(&main_cf, Some(&master_cf));
    let _ = postconf_p_lines(&main_cf, &master_cf, true);
    let _ = unused_parameters(&main_cf, Some(&master_cf));
    let doc = postfix_document(
        "junk",
        SourceFile::new("main.cf", main),
        Some(SourceFile::new("master.cf", master)),
        &PostfixOptions::default(),
    );
    for object in &doc.objects {
        for entry in &object.attrs.entries {
            // Every span lies inside the file it refers to.
            let file = entry.value.origin.map_or(object.file, |f| f as usize);
            let text = doc.files.get(file).map_or("", |f| f.text());
            assert!(
                entry.value.span.end as usize <= text.len(),
                "{main:?} / {master:?}"
            );
            assert!(entry.key_span.end as usize <= doc.files[object.file].text().len());
        }
    }
    let _ = references(main);
    let _ = minimum_version(main);
}

#[test]
fn generated_junk_never_panics() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for round in 0..3000 {
        let main = junk(&mut rng, 1 + round % 60);
        let master = junk(&mut rng, 1 + round % 40);
        exercise(&main, &master);
        exercise(&master, &main);
    }
}

#[test]
fn extremes_terminate() {
    let deep_braces = format!("a = ${}{}\n", "{".repeat(10_000), "}".repeat(10_000));
    exercise(&deep_braces, "");
    let deep_relational = format!("a = {}\n", "${{$a} == {x} ? {".repeat(2_000));
    exercise(&deep_relational, "");
    let long_line = format!("a = {}\n", "$b ".repeat(50_000));
    exercise(&long_line, "s inet n - y - - smtpd -o smtpd_banner=$a\n");
    let chain: String = (0..300).map(|i| format!("v{i} = $v{}\n", i + 1)).collect();
    exercise(
        &format!("{chain}smtpd_tls_security_level = $v0\n"),
        "s inet n - y - - smtpd\n",
    );
    let many_lines = "  x\n".repeat(20_000);
    exercise(&many_lines, &many_lines);
    let result = expand("$a", &Doubling);
    assert!(result.error.is_some());
}

/// `$a` whose value doubles at each level: exponential without a bound.
struct Doubling;

impl safeguard_mail::Resolve for Doubling {
    fn lookup(&self, _name: &str) -> safeguard_mail::Lookup<'_> {
        safeguard_mail::Lookup::Value("$a$a".into())
    }
}
