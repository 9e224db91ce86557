//! Terraform 0.11 style, `"${var.x}"`, is still common in older modules:
//! the template holds nothing but the interpolation, so its value is the
//! variable's own (a list stays a list, a bool a bool) and the policies
//! judge it, rather than calling it unknown.

mod common;

use common::{check_selected, finding_lines, json, write};

const DB: &str = r#"variable "encrypted" {
  default = true
}

variable "log_exports" {
  default = ["audit", "error", "general", "slowquery"]
}

resource "aws_db_instance" "db" {
  identifier                      = "db"
  storage_encrypted               = "${var.encrypted}"
  enabled_cloudwatch_logs_exports = "${var.log_exports}"
}
"#;

fn check(dir: &std::path::Path) -> serde_json::Value {
    json(&check_selected(
        dir,
        "aws-rds-instance-storage-encrypted,aws-rds-log-exports",
    ))
}

#[test]
fn a_lone_interpolation_is_judged_as_the_value_it_wraps() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "main.tf", DB);
    let report = check(dir.path());
    assert_eq!(finding_lines(&report), Vec::<String>::new());
    assert_eq!(report["summary"]["pass"], 2);
    assert_eq!(report["summary"]["unknown"], 0);

    write(
        dir.path(),
        "main.tf",
        DB.replace("default = true", "default = false")
            .replace(r#"["audit", "error", "general", "slowquery"]"#, "[]"),
    );
    let report = check(dir.path());
    assert_eq!(
        finding_lines(&report),
        vec![
            "main.tf:11 aws-rds-instance-storage-encrypted fail aws_db_instance.db",
            "main.tf:12 aws-rds-log-exports fail aws_db_instance.db",
        ]
    );
}
