//! The workspace crate owns running a check: finding the `safeguard.toml`
//! that governs each scanned path, walking the tree (gitignore-aware, in
//! parallel), grouping files into documents and handing them to the right
//! frontend, loading the policies a configuration asks for, and driving the
//! engine over documents in parallel, reusing unchanged units' results from
//! the authenticated result cache (`.safeguard-cache/`, [`CacheMode`]).
//! [`check`] is the one entry point the
//! CLI and the tests share; [`Session`] is the language server's view of the
//! same pipeline, over open editor buffers ([`Overlay`]); [`test_policies`]
//! runs the policies' own examples through the same frontends and engine.

mod baa_register;
mod buffers;
mod cache;
mod check;
mod config;
mod frontends;
mod limits;
mod policy_test;
mod selection;
mod shard;
mod suppress;
mod walk;

pub use baa_register::{RegisterEntry, build_register, today_utc};
pub use buffers::{DocumentKey, DocumentReport, Overlay, Session};
pub use cache::{CacheMode, CacheStats, default_cache_dir};
pub use check::{
    CheckOptions, CheckReport, Passes, SkippedFile, SourceTexts, TerraformInputs, Timings, check,
    load_policies,
};
pub use config::{
    CONFIG_FILE_NAME, Config, ConfigError, Exception, MailFormat, MailPath, Selector,
    discover_config, load_config,
};
pub use frontends::parse_snippet;
pub use limits::{DEFAULT_MAX_FILE_SIZE, LimitOverrides, Limits};
pub use policy_test::{ExampleKind, ExampleResult, PolicyTestReport, test_policies};
pub use selection::Selection;
pub use shard::Shard;
pub use suppress::{
    SUPPRESSION_EXPIRED, SUPPRESSION_WITHOUT_REASON, UNUSED_SUPPRESSION, meta_policies,
};
