use std::fmt;
use std::str::FromStr;

/// The HIPAA safeguards a policy can belong to: a fixed vocabulary, so
/// reports can group evidence by safeguard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Safeguard {
    EncryptionAtRest,
    TransmissionSecurity,
    Authentication,
    AccessControl,
    AutomaticLogoff,
    AuditLogging,
    Integrity,
    Retention,
    Backup,
    BaaScope,
    /// Technical evaluation: the configuration reads as it runs.
    Evaluation,
    /// Accepting a risk instead of fixing it: the audited suppressions.
    RiskManagement,
}

impl Safeguard {
    pub const ALL: [Safeguard; 12] = [
        Safeguard::EncryptionAtRest,
        Safeguard::TransmissionSecurity,
        Safeguard::Authentication,
        Safeguard::AccessControl,
        Safeguard::AutomaticLogoff,
        Safeguard::AuditLogging,
        Safeguard::Integrity,
        Safeguard::Retention,
        Safeguard::Backup,
        Safeguard::BaaScope,
        Safeguard::Evaluation,
        Safeguard::RiskManagement,
    ];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Safeguard::EncryptionAtRest => "encryption-at-rest",
            Safeguard::TransmissionSecurity => "transmission-security",
            Safeguard::Authentication => "authentication",
            Safeguard::AccessControl => "access-control",
            Safeguard::AutomaticLogoff => "automatic-logoff",
            Safeguard::AuditLogging => "audit-logging",
            Safeguard::Integrity => "integrity",
            Safeguard::Retention => "retention",
            Safeguard::Backup => "backup",
            Safeguard::BaaScope => "baa-scope",
            Safeguard::Evaluation => "evaluation",
            Safeguard::RiskManagement => "risk-management",
        }
    }

    /// The regulation paragraph(s) the safeguard implements.
    #[must_use]
    pub fn citation(self) -> &'static str {
        match self {
            Safeguard::EncryptionAtRest => "45 CFR 164.312(a)(2)(iv)",
            Safeguard::TransmissionSecurity => "45 CFR 164.312(e)(1), (e)(2)(ii)",
            Safeguard::Authentication => "45 CFR 164.312(d)",
            Safeguard::AccessControl => "45 CFR 164.312(a)(1)",
            Safeguard::AutomaticLogoff => "45 CFR 164.312(a)(2)(iii)",
            Safeguard::AuditLogging => "45 CFR 164.312(b)",
            Safeguard::Integrity => "45 CFR 164.312(c)(1)",
            Safeguard::Retention => "45 CFR 164.316(b)(2)(i)",
            Safeguard::Backup => "45 CFR 164.308(a)(7)(ii)(A)",
            Safeguard::BaaScope => "45 CFR 164.308(b)(1), 164.314(a), 164.502(e)",
            Safeguard::Evaluation => "45 CFR 164.308(a)(8)",
            Safeguard::RiskManagement => "45 CFR 164.308(a)(1)(ii)(B), 164.316(b)(1)",
        }
    }
}

impl fmt::Display for Safeguard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Safeguard {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Safeguard::ALL
            .into_iter()
            .find(|g| g.as_str() == s)
            .ok_or(())
    }
}

/// How serious a failure is. Ordered: `Info < Low < Medium < High < Critical`.
/// The default is the lowest, so a default `--fail-on` fails on any finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum Severity {
    #[default]
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Severity::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or(())
    }
}
