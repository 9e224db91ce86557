//! Protocol-level tests of `safeguard server`: the real binary over stdio,
//! driven the way an editor drives it.

mod client;
mod resilience;

use std::time::Duration;

use client::{Client, summary, uri};
use serde_json::{Value, json};

/// A module directory with a configuration that leaves out the BAA-scope
/// policies (they flag every provider and would crowd each assertion).
fn module(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("safeguard.toml"),
        "ignore = [\"baa-scope\"]\n",
    )
    .expect("write config");
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write fixture");
    }
    dir
}

fn root(dir: &tempfile::TempDir) -> std::path::PathBuf {
    dir.path().canonicalize().expect("canonical temp dir")
}

const KMS_FAIL: &str = "# café 日本 😀\nresource \"aws_kms_key\" \"k\" {\n  description         = \"keys\"\n  enable_key_rotation = false # rotation off\n}\n";
const KMS_PASS: &str = "# café 日本 😀\nresource \"aws_kms_key\" \"k\" {\n  description         = \"keys\"\n  enable_key_rotation = true # rotation off\n}\n";

#[test]
fn negotiates_the_position_encoding() {
    let dir = module(&[]);
    let root = root(&dir);
    for (offered, expected) in [
        (Some(&["utf-16", "utf-8"][..]), "utf-8"),
        (Some(&["utf-8"][..]), "utf-8"),
        (Some(&["utf-32", "utf-16"][..]), "utf-16"),
        (None, "utf-16"),
    ] {
        let (client, result) = Client::start(&root, offered, &[]);
        let caps = &result["capabilities"];
        assert_eq!(caps["positionEncoding"], expected, "offered {offered:?}");
        assert_eq!(caps["hoverProvider"], true);
        assert_eq!(caps["textDocumentSync"]["change"], 1);
        assert_eq!(caps["textDocumentSync"]["save"]["includeText"], true);
        assert_eq!(
            caps["executeCommandProvider"]["commands"],
            json!(["safeguard.explain"])
        );
        assert_eq!(result["serverInfo"]["name"], "safeguard");
        client.shutdown();
    }
}

#[test]
fn publishes_diagnostics_and_clears_them_when_fixed() {
    let dir = module(&[("main.tf", KMS_FAIL)]);
    let root = root(&dir);
    let (mut client, _) = Client::start(&root, Some(&["utf-16"]), &[]);
    let main = client.open(&root.join("main.tf"), "terraform", 1, KMS_FAIL);
    let params = client.diagnostics(&main);
    assert_eq!(params["version"], 1);
    assert_eq!(
        summary(&params),
        vec![("aws-kms-key-rotation".into(), 3, 2, 29, 3)]
    );
    let diagnostic = &params["diagnostics"][0];
    assert_eq!(diagnostic["source"], "safeguard");
    assert_eq!(
        diagnostic["message"],
        "aws_kms_key.k never rotates its key material (45 CFR 164.312(a)(2)(iv)): `enable_key_rotation` is false, expected true"
    );
    assert_eq!(
        diagnostic["codeDescription"]["href"],
        "https://github.com/safeguard-hipaa/safeguard/blob/main/policies/terraform/aws/aws-kms-key-rotation.yaml"
    );

    // Fixed in the buffer (unsaved): the diagnostic goes away.
    client.change(&main, 2, KMS_PASS);
    let params = client.diagnostics(&main);
    assert_eq!(params["version"], 2);
    assert_eq!(params["diagnostics"], json!([]));

    // Broken again, then saved with the text: the saved text is checked.
    client.change(&main, 3, KMS_FAIL);
    assert_eq!(summary(&client.diagnostics(&main)).len(), 1);
    client.notify(
        "textDocument/didSave",
        json!({ "textDocument": { "uri": main }, "text": KMS_FAIL }),
    );
    let params = client.diagnostics(&main);
    assert_eq!(params["version"], 3);
    assert_eq!(summary(&params).len(), 1);

    // Closing clears the file's diagnostics.
    client.notify(
        "textDocument/didClose",
        json!({ "textDocument": { "uri": main } }),
    );
    assert_eq!(client.diagnostics(&main)["diagnostics"], json!([]));
    client.shutdown();
}

#[test]
fn maps_severity_and_reports_unknown_as_hints() {
    let text = "variable \"enc\" {}\n\nresource \"aws_efs_file_system\" \"f\" {\n  encrypted = var.enc\n}\n\nresource \"aws_db_instance\" \"d\" {\n  storage_encrypted   = false\n  deletion_protection = true\n  backup_retention_period = 7\n}\n";
    let dir = module(&[("main.tf", text)]);
    let root = root(&dir);
    let (mut client, _) = Client::start(&root, Some(&["utf-8"]), &[]);
    let main = client.open(&root.join("main.tf"), "terraform", 1, text);
    let params = client.diagnostics(&main);
    let by_code: Vec<(String, u64, u64)> = summary(&params)
        .into_iter()
        .map(|(code, line, _, _, severity)| (code, line, severity))
        .collect();
    assert!(
        by_code.contains(&("aws-efs-encrypted".into(), 3, 4)),
        "{by_code:?}"
    );
    assert!(
        by_code.contains(&("aws-rds-instance-storage-encrypted".into(), 7, 1)),
        "{by_code:?}"
    );
    let unknown = params["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "aws-efs-encrypted")
        .unwrap();
    let message = unknown["message"].as_str().unwrap();
    assert!(message.starts_with("unknown: "), "{message}");
    assert!(
        message.contains("var.enc has no value"),
        "the reason is given: {message}"
    );
    client.shutdown();
}

#[test]
fn columns_are_exact_after_non_ascii_text_in_both_encodings() {
    // "  /* é 日本 😀 */ " is 23 bytes and 16 UTF-16 units.
    let text =
        "resource \"aws_kms_key\" \"k\" {\n  /* é 日本 😀 */ enable_key_rotation = false\n}\n";
    let dir = module(&[("main.tf", text)]);
    let root = root(&dir);
    for (encoding, start, end) in [("utf-8", 23, 50), ("utf-16", 16, 43)] {
        let (mut client, result) = Client::start(&root, Some(&[encoding]), &[]);
        assert_eq!(result["capabilities"]["positionEncoding"], encoding);
        let main = client.open(&root.join("main.tf"), "terraform", 1, text);
        let params = client.diagnostics(&main);
        assert_eq!(
            summary(&params),
            vec![("aws-kms-key-rotation".into(), 1, start, end, 3)],
            "{encoding}"
        );
        // A hover at the last character of the attribute, in the same units.
        let hover = client.request(
            "textDocument/hover",
            json!({ "textDocument": { "uri": main }, "position": { "line": 1, "character": end - 1 } }),
        );
        assert_eq!(
            hover["range"],
            json!({ "start": { "line": 1, "character": start }, "end": { "line": 1, "character": end } }),
            "{encoding}"
        );
        // Just before the attribute (inside the comment): nothing.
        let hover = client.request(
            "textDocument/hover",
            json!({ "textDocument": { "uri": main }, "position": { "line": 1, "character": start - 3 } }),
        );
        assert_eq!(hover, Value::Null, "{encoding}");
        // The fix edit lands on `false` in the same units.
        let actions = client.request(
            "textDocument/codeAction",
            json!({ "textDocument": { "uri": main },
                    "range": { "start": { "line": 1, "character": start }, "end": { "line": 1, "character": start } },
                    "context": { "diagnostics": [] } }),
        );
        let fix = &actions[0];
        assert_eq!(
            fix["edit"]["changes"][&main],
            json!([{ "range": { "start": { "line": 1, "character": end - 5 }, "end": { "line": 1, "character": end } }, "newText": "true" }]),
            "{encoding}"
        );
        client.shutdown();
    }
}

#[test]
fn a_stale_version_is_never_published() {
    let dir = module(&[("main.tf", KMS_FAIL)]);
    let root = root(&dir);
    let (mut client, _) = Client::start(&root, None, &[]);
    let main = client.open(&root.join("main.tf"), "terraform", 1, KMS_FAIL);
    client.diagnostics(&main);
    // Versions 2..=20 arrive faster than a check; only the last is published.
    for version in 2..=20 {
        let text = if version % 2 == 0 { KMS_PASS } else { KMS_FAIL };
        client.change(&main, version, text);
    }
    client.change(&main, 21, KMS_PASS);
    let last = client.wait_for(|m| {
        m["method"] == "textDocument/publishDiagnostics" && m["params"]["version"] == 21
    });
    assert_eq!(last["params"]["diagnostics"], json!([]));
    let later = client.drain(Duration::from_millis(300));
    let published: Vec<i64> = later
        .iter()
        .chain(std::iter::once(&last))
        .filter(|m| m["method"] == "textDocument/publishDiagnostics")
        .filter_map(|m| m["params"]["version"].as_i64())
        .collect();
    assert!(
        published.iter().all(|v| *v == 21 || *v == 1),
        "published versions {published:?}"
    );
    // An old version arriving late is ignored: the buffer stays at 21.
    client.change(&main, 5, KMS_FAIL);
    let late = client.drain(Duration::from_millis(300));
    assert!(
        late.iter()
            .all(|m| m["method"] != "textDocument/publishDiagnostics"),
        "{late:?}"
    );
    client.shutdown();
}

#[test]
fn without_a_debounce_edits_during_a_check_coalesce_into_the_newest() {
    let dir = module(&[("main.tf", KMS_FAIL)]);
    let root = root(&dir);
    // The server's default: no debounce.
    let (mut client, _) = Client::start_with(&root, None, &[], json!({}));
    let main = client.open(&root.join("main.tf"), "terraform", 1, KMS_FAIL);
    assert_eq!(
        client.diagnostics(&main)["diagnostics"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    // Version 2 starts a check at once; the edits that arrive while it runs
    // are checked once, at the newest version, when it ends.
    for version in 2..=20 {
        let text = if version % 2 == 0 { KMS_PASS } else { KMS_FAIL };
        client.change(&main, version, text);
    }
    client.change(&main, 21, KMS_PASS);
    // Every message in arrival order, until the newest version's and a
    // moment after it.
    let mut received: Vec<Value> = Vec::new();
    let deadline = std::time::Instant::now() + client::WAIT;
    let is_newest = |m: &Value| {
        m["method"] == "textDocument/publishDiagnostics" && m["params"]["version"] == 21
    };
    while !received.iter().any(is_newest) {
        assert!(std::time::Instant::now() < deadline, "{received:?}");
        received.extend(client.drain(Duration::from_millis(20)));
    }
    received.extend(client.drain(Duration::from_millis(300)));
    let published: Vec<(i64, usize)> = received
        .iter()
        .filter(|m| m["method"] == "textDocument/publishDiagnostics")
        .map(|m| {
            let params = &m["params"];
            let count = params["diagnostics"].as_array().map_or(0, Vec::len);
            (params["version"].as_i64().unwrap_or(-1), count)
        })
        .collect();
    // Each published check is newer than the one before (no stale or
    // duplicate check is published), and the last is the newest version,
    // whose text passes.
    assert!(
        published.windows(2).all(|w| w[0].0 < w[1].0),
        "{published:?}"
    );
    assert_eq!(published.last(), Some(&(21, 0)), "{published:?}");
    // After a pause, one edit is checked at once, with no delay added.
    client.change(&main, 22, KMS_FAIL);
    let next = client.wait_for(|m| {
        m["method"] == "textDocument/publishDiagnostics" && m["params"]["version"] == 22
    });
    assert_eq!(
        next["params"]["diagnostics"].as_array().map(Vec::len),
        Some(1)
    );
    client.shutdown();
}

#[test]
fn module_context_comes_from_other_files_and_open_buffers() {
    let main_text = "resource \"aws_kms_key\" \"k\" {\n  enable_key_rotation = var.rotate\n}\n";
    let vars_off = "variable \"rotate\" {\n  default = false\n}\n";
    let vars_on = "variable \"rotate\" {\n  default = true\n}\n";
    let dir = module(&[("main.tf", main_text), ("variables.tf", vars_off)]);
    let root = root(&dir);
    let (mut client, _) = Client::start(&root, None, &[]);
    // variables.tf is read from disk: the default false fails main.tf.
    let main = client.open(&root.join("main.tf"), "terraform", 1, main_text);
    let params = client.diagnostics(&main);
    assert_eq!(
        summary(&params),
        vec![("aws-kms-key-rotation".into(), 1, 2, 34, 3)]
    );
    assert!(
        params["diagnostics"][0]["message"]
            .as_str()
            .unwrap()
            .contains("is false"),
        "{params}"
    );
    // Editing variables.tf (unsaved) refreshes main.tf.
    let vars = client.open(&root.join("variables.tf"), "terraform", 1, vars_off);
    client.diagnostics(&main);
    client.change(&vars, 2, vars_on);
    let params = client.diagnostics(&main);
    assert_eq!(params["diagnostics"], json!([]));
    assert_eq!(params["version"], 1);
    // An unsaved new file of the module counts too.
    let extra = client.open(
        &root.join("override.tf"),
        "terraform",
        1,
        "resource \"aws_kms_key\" \"other\" {}\n",
    );
    let params = client.diagnostics(&extra);
    assert_eq!(
        summary(&params),
        vec![("aws-kms-key-rotation".into(), 0, 0, 30, 3)]
    );
    client.shutdown();
}

#[test]
fn hover_shows_title_safeguard_citation_and_fix() {
    let dir = module(&[("main.tf", KMS_FAIL)]);
    let root = root(&dir);
    let (mut client, _) = Client::start(&root, None, &[]);
    let main = client.open(&root.join("main.tf"), "terraform", 1, KMS_FAIL);
    client.diagnostics(&main);
    let hover = client.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": main }, "position": { "line": 3, "character": 5 } }),
    );
    assert_eq!(hover["contents"]["kind"], "markdown");
    let text = hover["contents"]["value"].as_str().unwrap();
    for expected in [
        "**Symmetric KMS keys rotate automatically** `aws-kms-key-rotation`",
        "*Safeguard:* encryption-at-rest",
        "*Citation:* 45 CFR 164.312(a)(2)(iv)",
        "**Why it matters.**",
        "**How to fix.** Set `enable_key_rotation = true`",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in {text}");
    }
    // Nothing flagged on the comment line.
    let none = client.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": main }, "position": { "line": 0, "character": 1 } }),
    );
    assert_eq!(none, Value::Null);
    client.shutdown();
}

/// Applies LSP text edits (line/character in UTF-8 bytes here: the tests
/// that call it negotiate UTF-8).
fn apply_edits(text: &str, edits: &Value) -> String {
    let mut edits: Vec<&Value> = edits.as_array().unwrap().iter().collect();
    let offset = |p: &Value| {
        let line = p["line"].as_u64().unwrap() as usize;
        let start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
        start + p["character"].as_u64().unwrap() as usize
    };
    edits.sort_by_key(|e| std::cmp::Reverse(offset(&e["range"]["start"])));
    let mut out = text.to_owned();
    for edit in edits {
        let start = offset(&edit["range"]["start"]);
        let end = offset(&edit["range"]["end"]);
        out.replace_range(start..end, edit["newText"].as_str().unwrap());
    }
    out
}

#[test]
fn code_actions_fix_suppress_and_explain() {
    let dir = module(&[("main.tf", KMS_FAIL)]);
    let root = root(&dir);
    let (mut client, _) = Client::start(&root, Some(&["utf-8"]), &[]);
    let main = client.open(&root.join("main.tf"), "terraform", 1, KMS_FAIL);
    client.diagnostics(&main);
    let actions = client.request(
        "textDocument/codeAction",
        json!({ "textDocument": { "uri": main },
                "range": { "start": { "line": 3, "character": 4 }, "end": { "line": 3, "character": 4 } },
                "context": { "diagnostics": [] } }),
    );
    let titles: Vec<&str> = actions
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        vec![
            "Fix aws-kms-key-rotation: set enable_key_rotation = true",
            "Suppress aws-kms-key-rotation here (with a reason)",
            "Explain aws-kms-key-rotation",
        ]
    );
    assert_eq!(actions[0]["kind"], "quickfix");
    assert_eq!(actions[0]["isPreferred"], true);
    assert_eq!(actions[0]["diagnostics"][0]["code"], "aws-kms-key-rotation");

    // The fix keeps the comment and alignment; applied, the finding is gone.
    let fixed = apply_edits(KMS_FAIL, &actions[0]["edit"]["changes"][&main]);
    assert_eq!(fixed, KMS_PASS);
    client.change(&main, 2, &fixed);
    assert_eq!(client.diagnostics(&main)["diagnostics"], json!([]));

    // The suppression goes on its own line above, indented like the finding.
    let suppressed = apply_edits(KMS_FAIL, &actions[1]["edit"]["changes"][&main]);
    assert_eq!(
        suppressed.lines().nth(3),
        Some("  # safeguard:ignore aws-kms-key-rotation -- TODO: why this is acceptable")
    );
    assert_eq!(
        suppressed.lines().nth(4),
        Some("  enable_key_rotation = false # rotation off")
    );

    // The explanation, by command and by the custom request.
    assert_eq!(actions[2]["command"], "safeguard.explain");
    let text = client.request(
        "workspace/executeCommand",
        json!({ "command": "safeguard.explain", "arguments": ["aws-kms-key-rotation"] }),
    );
    let text = text.as_str().unwrap();
    assert!(
        text.starts_with("# Symmetric KMS keys rotate automatically\n"),
        "{text}"
    );
    assert!(text.contains("## Remediation"), "{text}");
    assert!(
        text.contains("Safe: `safeguard check --fix` applies it."),
        "{text}"
    );
    let same = client.request(
        "safeguard/explain",
        json!({ "rule": "aws-kms-key-rotation" }),
    );
    assert_eq!(same.as_str(), Some(text));
    let missing = client.request_raw(
        "workspace/executeCommand",
        json!({ "command": "safeguard.explain", "arguments": ["no-such-rule"] }),
    );
    assert_eq!(missing["error"]["code"], -32602);
    client.shutdown();
}

#[test]
fn malformed_documents_are_errors_not_crashes() {
    let dir = module(&[]);
    let root = root(&dir);
    let (mut client, _) = Client::start(&root, Some(&["utf-8"]), &[]);
    let broken = "resource \"aws_kms_key\" \"k\" {\n  enable_key_rotation = \n";
    let main = client.open(&root.join("main.tf"), "terraform", 1, broken);
    let params = client.diagnostics(&main);
    let diagnostics = params["diagnostics"].as_array().unwrap();
    assert_eq!(diagnostics.len(), 1, "{params}");
    assert_eq!(diagnostics[0]["severity"], 1);
    assert_eq!(diagnostics[0]["code"], "input-error");
    assert_eq!(diagnostics[0]["range"]["start"]["line"], 1);

    // Garbage of every kind, in every format the server reads.
    let garbage = "\u{0}\u{1}{{{{ \"\\\n]]]] = = = 😀 \u{feff}\n";
    // tfvars are read with their module: the module's file is published.
    client.open(&root.join("junk/terraform.tfvars"), "plaintext", 1, garbage);
    for name in ["main.tf", "main.cf", "dovecot.conf", "exim.conf"] {
        let uri = client.open(&root.join("junk").join(name), "plaintext", 1, garbage);
        client.diagnostics(&uri);
    }
    let plan = client.open(
        &root.join("plan.json"),
        "json",
        1,
        "{\"format_version\": \"1.2\", \"terraform_version\": \"1.9.0\", \"planned_values\": [",
    );
    client.diagnostics(&plan);
    // Requests about unknown or non-file documents answer without failing.
    let none = client.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": "untitled:Untitled-1" }, "position": { "line": 9, "character": 99 } }),
    );
    assert_eq!(none, Value::Null);
    let none = client.request(
        "textDocument/codeAction",
        json!({ "textDocument": { "uri": uri(&root.join("nowhere.tf")) },
                "range": { "start": { "line": 0, "character": 0 }, "end": { "line": 0, "character": 0 } },
                "context": { "diagnostics": [] } }),
    );
    assert_eq!(none, Value::Null);
    // Positions past the end of the text are clamped, not a panic.
    let none = client.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": main }, "position": { "line": 500, "character": 500 } }),
    );
    assert_eq!(none, Value::Null);
    // Still serving: a good document is checked.
    client.change(&main, 2, KMS_FAIL);
    assert_eq!(summary(&client.diagnostics(&main)).len(), 1);
    client.shutdown();
}

#[test]
fn configuration_and_policy_changes_reload() {
    let dir = module(&[("main.tf", KMS_FAIL)]);
    let root = root(&dir);
    let (mut client, _) = Client::start(&root, None, &[]);
    let main = client.open(&root.join("main.tf"), "terraform", 1, KMS_FAIL);
    assert_eq!(summary(&client.diagnostics(&main)).len(), 1);
    let config = root.join("safeguard.toml");
    std::fs::write(
        &config,
        "ignore = [\"baa-scope\", \"aws-kms-key-rotation\"]\npolicies = [\"extra\"]\n",
    )
    .unwrap();
    std::fs::create_dir_all(root.join("extra")).unwrap();
    std::fs::write(
        root.join("extra/kms-description.yaml"),
        "id: kms-key-described\ntitle: KMS keys say what they protect\nsafeguard: encryption-at-rest\ncitation: 45 CFR 164.312(a)(2)(iv)\nseverity: medium\napplies-to:\n  format: terraform\n  type: aws_kms_key\nrequire:\n  attr: description\n  matches: PHI\nmessage: \"{address} does not say it protects PHI\"\nremediation: Say so in `description`.\nexamples:\n  pass: ['resource \"aws_kms_key\" \"k\" { description = \"PHI\" }']\n  fail: ['resource \"aws_kms_key\" \"k\" {}']\n",
    )
    .unwrap();
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": [{ "uri": uri(&config), "type": 2 }] }),
    );
    let params = client.diagnostics(&main);
    let codes = summary(&params);
    assert_eq!(codes, vec![("kms-key-described".into(), 2, 2, 30, 2)]);
    // A user policy links to its own file.
    assert_eq!(
        params["diagnostics"][0]["codeDescription"]["href"],
        uri(&root.join("extra/kms-description.yaml"))
    );
    client.shutdown();
}

#[test]
fn postfix_main_cf_is_checked_with_master_cf_and_fixed_by_a_line_edit() {
    let main_cf =
        "# Relay through the provider\nsmtp_tls_security_level = encrypt\nsmtp_tls_loglevel = 0\n";
    let master_cf = "smtp      unix  -       -       y       -       -       smtp\n";
    let dir = module(&[
        ("postfix/main.cf", main_cf),
        ("postfix/master.cf", master_cf),
    ]);
    let root = root(&dir);
    let (mut client, _) = Client::start(&root, Some(&["utf-8"]), &[]);
    let main = client.open(&root.join("postfix/main.cf"), "postfix", 1, main_cf);
    let params = client.diagnostics(&main);
    let loglevel: Vec<_> = summary(&params)
        .into_iter()
        .filter(|d| d.0 == "postfix-smtp-client-tls-loglevel")
        .collect();
    assert_eq!(loglevel.len(), 1, "{params}");
    assert_eq!(loglevel[0].1, 2);
    let actions = client.request(
        "textDocument/codeAction",
        json!({ "textDocument": { "uri": main },
                "range": { "start": { "line": 2, "character": 0 }, "end": { "line": 2, "character": 0 } },
                "context": { "diagnostics": [] } }),
    );
    let fix = actions
        .as_array()
        .unwrap()
        .iter()
        .find(|a| {
            a["title"]
                .as_str()
                .unwrap()
                .starts_with("Fix postfix-smtp-client-tls-loglevel")
        })
        .expect("a fix action");
    let fixed = apply_edits(main_cf, &fix["edit"]["changes"][&main]);
    assert_eq!(
        fixed,
        "# Relay through the provider\nsmtp_tls_security_level = encrypt\nsmtp_tls_loglevel = 1\n"
    );
    // master.cf overriding the level is the same document: main.cf is rechecked.
    let master = client.open(&root.join("postfix/master.cf"), "postfix", 1, master_cf);
    client.change(&main, 2, &fixed);
    let params = client.diagnostics(&main);
    assert!(
        summary(&params)
            .iter()
            .all(|d| d.0 != "postfix-smtp-client-tls-loglevel"),
        "{params}"
    );
    client.change(
        &master,
        2,
        "smtp      unix  -       -       y       -       -       smtp\n  -o smtp_tls_loglevel=0\n",
    );
    let params = client.wait_for(|m| {
        m["method"] == "textDocument/publishDiagnostics"
            && m["params"]["uri"] == master
            && m["params"]["version"] == 2
    })["params"]
        .clone();
    assert!(
        summary(&params)
            .iter()
            .any(|d| d.0 == "postfix-smtp-client-tls-loglevel" && d.1 == 1),
        "{params}"
    );
    client.shutdown();
}

#[test]
fn dovecot_includes_are_part_of_the_document() {
    let top = "protocols = imap\n!include conf.d/*.conf\n";
    let ssl_bad = "ssl = no\n";
    let ssl_good = "ssl = required\nssl_min_protocol = TLSv1.2\ndisable_plaintext_auth = yes\n";
    let dir = module(&[
        ("dovecot/dovecot.conf", top),
        ("dovecot/conf.d/10-ssl.conf", ssl_bad),
    ]);
    let root = root(&dir);
    let (mut client, _) = Client::start(&root, None, &[]);
    let include = client.open(
        &root.join("dovecot/conf.d/10-ssl.conf"),
        "dovecot",
        1,
        ssl_bad,
    );
    let params = client.diagnostics(&include);
    assert!(
        summary(&params)
            .iter()
            .any(|d| d.0 == "dovecot-ssl-required"),
        "{params}"
    );
    client.change(&include, 2, ssl_good);
    let params = client.diagnostics(&include);
    assert!(
        summary(&params)
            .iter()
            .all(|d| d.0 != "dovecot-ssl-required"),
        "{params}"
    );
    client.shutdown();
}

#[test]
fn suppressions_are_honoured_as_the_cli_honours_them() {
    let suppressed = "# safeguard:ignore aws-kms-key-rotation -- key material rotated by the HSM, ticket SEC-42\nresource \"aws_kms_key\" \"k\" {\n  enable_key_rotation = false\n}\n";
    let reasonless = "# safeguard:ignore aws-kms-key-rotation\nresource \"aws_kms_key\" \"k\" {\n  enable_key_rotation = false\n}\n";
    let dir = module(&[("main.tf", suppressed)]);
    let root = root(&dir);
    let (mut client, _) = Client::start(&root, Some(&["utf-16"]), &[]);
    let main = client.open(&root.join("main.tf"), "terraform", 1, suppressed);
    assert_eq!(client.diagnostics(&main)["diagnostics"], json!([]));
    // Without a reason the suppression does not count, and is itself reported.
    client.change(&main, 2, reasonless);
    let codes: Vec<String> = summary(&client.diagnostics(&main))
        .into_iter()
        .map(|(code, line, ..)| format!("{code}@{line}"))
        .collect();
    assert_eq!(
        codes,
        vec!["suppression-without-reason@0", "aws-kms-key-rotation@2"]
    );
    client.shutdown();
}

/// A ScubaGear export whose Teams client allows Dropbox storage.
const TEAMS_EXPORT: &str = "{\"module_version\": \"1.8.0\", \"client_configuration\": [{\"Identity\": \"Global\", \"AllowDropBox\": true, \"AllowBox\": false, \"AllowGoogleDrive\": false, \"AllowShareFile\": false, \"AllowEgnyte\": false}]}\n";

/// The Teams storage policies a document's diagnostics name.
fn teams_storage_codes(params: &Value) -> Vec<String> {
    summary(params)
        .into_iter()
        .map(|(code, ..)| code)
        .filter(|code| code.starts_with("m365-teams-") && code.ends_with("-storage"))
        .collect()
}

#[test]
fn tenant_exports_get_diagnostics() {
    let export = TEAMS_EXPORT;
    // The Teams storage policies are BAA scope, which module() ignores.
    let dir = module(&[
        ("ProviderSettingsExport.json", export),
        ("safeguard.toml", ""),
    ]);
    let root = root(&dir);
    let (mut client, _) = Client::start(&root, Some(&["utf-16"]), &[]);
    let file = client.open(&root.join("ProviderSettingsExport.json"), "json", 1, export);
    assert_eq!(
        teams_storage_codes(&client.diagnostics(&file)),
        vec!["m365-teams-no-dropbox-storage"]
    );
    client.shutdown();
}

#[test]
fn files_the_configuration_maps_are_read_as_their_format() {
    // Names detection would miss: the CLI reads them through
    // `[[mail.paths]]` and `[[tenant.paths]]`, and so must the editor.
    let main_cf =
        "# Relay through the provider\nsmtp_tls_security_level = encrypt\nsmtp_tls_loglevel = 0\n";
    let export = TEAMS_EXPORT;
    let mapped = |tenant_format: &str| {
        format!(
            "[[mail.paths]]\npath = \"relay/relay-main.cf\"\nformat = \"postfix\"\n\n\
             [[tenant.paths]]\npath = \"exports/tenant-2026-11.txt\"\nformat = \"{tenant_format}\"\n"
        )
    };
    let dir = module(&[
        ("relay/relay-main.cf", main_cf),
        ("exports/tenant-2026-11.txt", export),
        ("safeguard.toml", &mapped("m365")),
    ]);
    let root = root(&dir);
    let (mut client, _) = Client::start(&root, Some(&["utf-8"]), &[]);
    let relay = client.open(&root.join("relay/relay-main.cf"), "postfix", 1, main_cf);
    let loglevel: Vec<_> = summary(&client.diagnostics(&relay))
        .into_iter()
        .filter(|d| d.0 == "postfix-smtp-client-tls-loglevel")
        .map(|d| d.1)
        .collect();
    assert_eq!(loglevel, vec![2]);
    let export_file = root.join("exports/tenant-2026-11.txt");
    let tenant = client.open(&export_file, "plaintext", 1, export);
    assert_eq!(
        teams_storage_codes(&client.diagnostics(&tenant)),
        vec!["m365-teams-no-dropbox-storage"]
    );
    // Mapped to the other tenant format, the export is an error, as in the CLI.
    let config = root.join("safeguard.toml");
    std::fs::write(&config, mapped("google-workspace")).unwrap();
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": [{ "uri": uri(&config), "type": 2 }] }),
    );
    let params = client.diagnostics(&tenant);
    let diagnostics = params["diagnostics"].as_array().unwrap();
    assert_eq!(diagnostics.len(), 1, "{params}");
    assert_eq!(diagnostics[0]["code"], "input-error");
    assert_eq!(
        diagnostics[0]["message"],
        "safeguard.toml maps this file to `google-workspace`, but it is a `m365` export"
    );
    client.shutdown();
}
