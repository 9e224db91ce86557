//! Resource limits: what one scanned file or module may make safeguard do.
//! Defaults suit any real configuration; `safeguard.toml`'s `[limits]` and
//! the command line (`--max-file-size`, `--max-instances`,
//! `--max-module-depth`) change them. A limit hit is a located error for
//! that file, the scan goes on, and the exit code is 2.

use serde::Deserialize;

/// The default largest file read: no real configuration file comes near it.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 64 * 1024 * 1024;

/// The configurable limits, after the configuration and the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bytes; a larger file is reported and not read.
    pub max_file_size: u64,
    /// Instances one `count`/`for_each` block may expand to.
    pub max_instances: usize,
    /// How deep local Terraform module calls may nest.
    pub max_module_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            max_instances: safeguard_terraform::MAX_INSTANCES,
            max_module_depth: safeguard_terraform::MAX_MODULE_DEPTH,
        }
    }
}

impl Limits {
    /// These limits with the command line's values over them.
    #[must_use]
    pub fn with(self, overrides: &LimitOverrides) -> Self {
        Self {
            max_file_size: overrides.max_file_size.unwrap_or(self.max_file_size),
            max_instances: overrides.max_instances.unwrap_or(self.max_instances),
            max_module_depth: overrides.max_module_depth.unwrap_or(self.max_module_depth),
        }
    }

    pub(crate) fn terraform(self) -> safeguard_terraform::Limits {
        safeguard_terraform::Limits {
            max_instances: self.max_instances,
            max_module_depth: self.max_module_depth,
        }
    }
}

/// Limits given on the command line; `None` keeps the configuration's.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LimitOverrides {
    pub max_file_size: Option<u64>,
    pub max_instances: Option<usize>,
    pub max_module_depth: Option<usize>,
}

/// `[limits]` as written in `safeguard.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct RawLimits {
    pub max_file_size: Option<toml::Spanned<u64>>,
    pub max_instances: Option<toml::Spanned<u64>>,
    pub max_module_depth: Option<toml::Spanned<u64>>,
}
