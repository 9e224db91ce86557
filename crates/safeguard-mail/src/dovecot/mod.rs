//! The Dovecot frontend owns reading a Dovecot 2.3 or 2.4 configuration
//! tree (`dovecot.conf` and what it includes) into safeguard's model, with
//! the rules of Dovecot's own config parser, the settings in effect per
//! protocol, and a renderer of what `doveconf -n` prints so tests can hold
//! the reader to the real tool.
//!
//! Reading ([`read_dovecot`]): `key = value`; sections `kind [name] { }`
//! nested; `#` starts a comment anywhere outside quotes (unlike Postfix);
//! `"..."`/`'...'` are stripped (backslash escapes undone); a trailing `\`
//! joins the next line with one space; `!include`/`!include_try` with
//! `*`/`?` globs, relative to the including file, served by an
//! [`IncludeLoader`] (never the file system directly); `key = <file` is
//! kept as a path, never read; `$name` of the setting itself expands to its
//! value so far, other `$var` and `%{...}` stay as text. Filters
//! (`protocol`, `local`, `remote`, `local_name`, nested as Dovecot allows)
//! collect their own settings. Bounds: includes [`MAX_INCLUDE_DEPTH`]
//! files deep with cycle detection, sections [`MAX_NESTING`] deep, globs
//! [`MAX_GLOB_FILES`] files; nothing recurses on input depth beyond that.
//!
//! Versions: 2.4 requires `dovecot_config_version` as the first setting;
//! without it the tree is read as 2.3 and `dovecot_version_assumed` says
//! so. 2.4 renamed what policies read: `auth_allow_cleartext` (default
//! `no`) is the inverse of 2.3's `disable_plaintext_auth` (default `yes`),
//! `ssl_server_cert_file = PATH` replaces `ssl_cert = <PATH` (likewise
//! key, DH, CA). A name of the other version is an error, as it is for
//! Dovecot ("Unknown setting"). Defaults in both: `ssl = yes`,
//! `ssl_min_protocol = TLSv1.2`, `auth_mechanisms = plain`. The 2.3
//! defaults are 2.3.19.1's (checked against the installed `doveconf -d`);
//! a configuration cannot say which 2.3 release it is for, and before
//! 2.3.15 `ssl_min_protocol` defaulted to `TLSv1` (sources), so a
//! `default` in `sources` with `dovecot_version_assumed` is only as good as
//! that assumption. In 2.4 a `$` value is kept as written (2.4 spells
//! references `$SET:name`), and values are not type-checked.
//!
//! [`dovecot_document`] produces these objects (format `dovecot`):
//!
//! | kind | address | attributes |
//! |---|---|---|
//! | `dovecot.config` | `dovecot.config` | every global setting in effect, as written (quotes stripped, `$name` of itself expanded); a `<file` value is unknown ("read from FILE at runtime") except for `ssl_cert`, `ssl_key`, `ssl_alt_cert`, `ssl_alt_key`, `ssl_ca`, `ssl_dh`, `ssl_client_cert`, `ssl_client_key`, which hold the path; plus `dovecot_version`, `dovecot_version_assumed` |
//! | `dovecot.protocol` | `dovecot.protocol[NAME]` | one per protocol `protocols` lists or a `protocol NAME { }` filter names (imap, pop3, submission, lmtp, lda, sieve = ManageSieve): see below |
//!
//! Protocol attributes: `protocol`; `enabled` (listed in `protocols`;
//! unknown when an include that could extend it was not read);
//! `dovecot_version`, `dovecot_version_assumed`; `ssl` (`no`, `yes`,
//! `required`); `ssl_min_protocol`; `auth_mechanisms` (list);
//! `cleartext_auth_allowed` (a PLAIN or LOGIN mechanism is enabled, the
//! version's cleartext setting allows it without TLS, and `ssl` is not
//! `required`, which refuses any login before TLS); `ssl_cert_configured`
//! and `ssl_cert` (the certificate path, null when unset); `listeners`
//! (the login service's inet listeners, built-in ones merged with `service
//! NAME-login { inet_listener NAME { } }`: maps of `service`, `name`,
//! `port`, `enabled` (port not 0), `ssl` (implicit TLS), `address`);
//! `conditional` (maps of `filter`, `attribute`, `setting`, `value`: each
//! `local`/`remote`/`local_name` filter that sets `ssl`,
//! `ssl_min_protocol`, the cleartext setting or the certificate for this
//! protocol); `sources` (per attribute: `default`, `global` or the filter,
//! e.g. `protocol imap`).
//!
//! The value in effect for a protocol is the most specific filter's
//! (`protocol NAME`, or `protocol !OTHER`), else the global one, else the
//! default. Connection filters only apply to some clients, so `ssl`,
//! `ssl_min_protocol` and `cleartext_auth_allowed` report the weakest value
//! over the protocol's value and every matching connection filter's (as if
//! one client could match them all), and `conditional` names those filters.
//! A global `ssl = no` wins over every filter (Dovecot ignores theirs with a
//! warning). Connections from the server's own address and from
//! `login_trusted_networks` count as secured in Dovecot; that is not
//! modelled. Conflicts are reported for two `protocol` filters setting the
//! same value for one protocol; doveconf also refuses some conflicts
//! between connection filters and protocol filters, which we do not check.
//! Unknown setting names are not reported (the list depends on the plugins
//! installed), except the names the other major version uses.
//!
//! Spans point at the definitions: a value written in another file than
//! its object's carries [`safeguard_model::Node::origin`] (the file's index
//! in `Document::files`), and its key then points at the object's header
//! (for `dovecot.config`, at the main file's `!include` line that brought
//! the file in). A protocol object lives in the file of its first
//! `protocol NAME {` block, else the main file. Defaults have an empty span
//! at the object's header.

mod document;
mod error;
mod eval;
mod include;
mod lexer;
mod model;
mod protocol;
mod reader;
mod render;
mod schema;
mod version;

pub use document::dovecot_document;
pub use error::{DovecotError, DovecotErrorKind, Loc};
pub use eval::{MAX_NESTING, read_dovecot};
pub(crate) use include::normalize;
pub use include::{FsIncludeLoader, IncludeLoader, MAX_GLOB_FILES};
pub use model::{
    DovecotConfig, Filter, FilterSpec, Section, SectionList, Setting, Settings, ValueForm,
};
pub use reader::{MAX_INCLUDE_DEPTH, MAX_INCLUDE_READS};
pub use render::render_doveconf_n;
pub use version::{DovecotVersion, dovecot_default_names, dovecot_default_value};
