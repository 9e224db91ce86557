//! The mail frontend owns reading mail-server configuration into safeguard's
//! model: Postfix (below), Exim (see [`exim`]: [`exim_document`] with the
//! objects `exim.main`, `exim.router`, `exim.transport`,
//! `exim.authenticator`, and [`read_exim`]) and Dovecot (see [`dovecot`]: the
//! [`dovecot_document`] objects `dovecot.config` and `dovecot.protocol`,
//! [`read_dovecot`], [`render_doveconf_n`], and the [`IncludeLoader`] that
//! serves `!include` files).
//!
//! Postfix: `main.cf` and `master.cf` read with
//! Postfix's own rules (logical lines, last definition wins, `$name`
//! expansion, `-o` overrides per service), the settings in effect for each
//! SMTP server and client service (master.cf overrides, then main.cf, then
//! the defaults of the Postfix release and `compatibility_level`), and
//! renderers that print what `postconf -n` and `postconf -P` print, so tests
//! can hold the reader to the real tool.
//!
//! [`postfix_document`] produces these objects (format `postfix`):
//!
//! | kind | address | attributes |
//! |---|---|---|
//! | `postfix.main` | `postfix.main` | every main.cf parameter in effect, raw (unexpanded) |
//! | `postfix.smtp_client` | `postfix.client` | [`CLIENT_PARAMETERS`] and [`ROUTING_PARAMETERS`] in effect (expanded), plus the client derivations below |
//! | `postfix.smtpd` | `postfix.service[NAME/TYPE]` | one per master.cf `smtpd` service: [`SMTPD_PARAMETERS`] in effect, `service_name`, `service_type`, `command`, `port`, `listen_host`, and the server derivations below |
//! | `postfix.smtp_client` | `postfix.service[NAME/TYPE]` | one per `smtp` unix transport with `-o` overrides: [`CLIENT_PARAMETERS`] in effect, service fields, client derivations |
//! | `postfix.next_hop` | `postfix.next_hop[TRANSPORT:NEXTHOP]` | one per SMTP next hop: `nexthop`, `host`, `port`, `transport`, `source`, and the leg's `tls_security_level`, `tls_enforced`, `tls_min_version` (see the `nexthop` module) |
//! | `postfix.duplicate_parameter` | `postfix.main[NAME on line N, overridden by line M]` | one per overridden main.cf definition |
//!
//! Lookup tables named in parameters are read by [`tables`]: inline ones
//! from the parameter, file ones through a [`TableLoader`]
//! ([`postfix_document_with_tables`]).
//!
//! Every effective-settings object also has `postfix_version` (`"3.7"`),
//! `postfix_version_assumed` (true unless declared), `compatibility_level`
//! (in effect, `"0"` when unset) and `sources` (per parameter: `master.cf`,
//! `main.cf`, `default` or `declared`). Server derivations: `tls_level`
//! (`none`, `may` or `encrypt`, as smtpd decides it), `tls_enforced`,
//! `tls_offered`, `auth_only`, `sasl_enabled`, `wrappermode`,
//! `min_tls_version` (`"TLSv1.2"`…, null when TLS is off),
//! `tls_protocols_parameter` (the protocol list that applies) and
//! `tls_certificate_configured`. Client derivations: `tls_level` (the level
//! in effect, legacy switches applied), `tls_enforced`, `sasl_enabled`,
//! `min_tls_version`, `tls_protocols_parameter`. A value that depends on
//! something only the running Postfix knows (a built-in default such as
//! `$myhostname`) or that Postfix would reject is unknown, with the reason.

mod defaults;
mod document;
pub mod dovecot;
pub mod exim;
mod expand;
mod logical;
mod main_cf;
mod master_cf;
mod namespaces;
mod nexthop;
mod pieces;
mod ports;
mod protocols;
mod registry;
mod render;
mod scope;
mod services;
mod syntax;
pub mod tables;
mod usage;
mod version;

pub use defaults::{default_names, default_value};
pub use document::{PostfixOptions, postfix_document, postfix_document_with_tables};
pub use dovecot::{
    DovecotConfig, DovecotError, DovecotErrorKind, DovecotVersion, FsIncludeLoader, IncludeLoader,
    dovecot_default_names, dovecot_default_value, dovecot_document, read_dovecot,
    render_doveconf_n,
};
pub use exim::{EximConfig, EximError, EximErrorKind, exim_document, read_exim};
pub use expand::{
    ExpandError, Expansion, Lookup, MAX_DEPTH, MAX_OUTPUT, MAX_REFERENCES, Resolve, expand,
    references,
};
pub use main_cf::{Duplicate, MainCf, MainCfError, Parameter, parse_main_cf};
pub use master_cf::{
    DuplicateService, Field, MasterCf, MasterCfError, Override, ServiceEntry, parse_master_cf,
};
pub use protocols::{ProtocolError, ProtocolSet, TlsVersion, minimum_version, parse_protocols};
pub use render::{PostconfLine, postconf_p_lines, render_postconf_n, render_postconf_p};
pub use services::{CLIENT_PARAMETERS, ROUTING_PARAMETERS, SMTPD_PARAMETERS};
pub use tables::{FsTableLoader, TableFileError, TableLoader, leaves_mapped_directory};
pub use usage::unused_parameters;
pub use version::{CompatLevel, PostfixVersion};
