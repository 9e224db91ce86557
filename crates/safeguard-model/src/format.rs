use std::fmt;
use std::str::FromStr;

/// The input format an object came from; policies select objects by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Format {
    Terraform,
    M365,
    GoogleWorkspace,
    Postfix,
    Dovecot,
    Exim,
}

impl Format {
    pub const ALL: [Format; 6] = [
        Format::Terraform,
        Format::M365,
        Format::GoogleWorkspace,
        Format::Postfix,
        Format::Dovecot,
        Format::Exim,
    ];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Terraform => "terraform",
            Format::M365 => "m365",
            Format::GoogleWorkspace => "google-workspace",
            Format::Postfix => "postfix",
            Format::Dovecot => "dovecot",
            Format::Exim => "exim",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A format name that is not one of [`Format::ALL`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownFormat(pub String);

impl FromStr for Format {
    type Err = UnknownFormat;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Format::ALL
            .into_iter()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| UnknownFormat(s.to_owned()))
    }
}
