//! The Exim frontend owns reading an Exim run-time configuration (`exim.conf`,
//! `configure`, Debian's `exim4.conf.template`) into safeguard's model, with
//! the rules of Exim's own reader (readconf.c, checked against the spec).
//!
//! Reading ([`read_exim`]): lines first ([`lines`]: macro substitution, `#`
//! comment lines, `.ifdef`/`.ifndef`/`.elifdef`/`.elifndef`/`.else`/`.endif`,
//! `.include`/`.include_if_exists`, trailing-`\` continuation), then
//! sections ([`config`]: main options, named lists, `begin acl|routers|
//! transports|authenticators|retry|rewrite`, driver instances `name:`).
//! Includes are served by an [`crate::IncludeLoader`] (the workspace's
//! loader refuses anything outside the scanned root); a relative `.include`
//! is resolved against the including file's directory, `.include_if_exists`
//! needs an absolute path (as in Exim). Bounds: [`MAX_INCLUDE_DEPTH`]
//! nested includes with loop detection, Exim's own [`MAX_CONDITIONAL_DEPTH`]
//! for `.ifdef`, [`MAX_MACROS`] macros, [`MAX_LINE`]-byte logical lines.
//!
//! Unknowns: Exim's built-in macros (`_HAVE_OPENSSL`, `_DRIVER_*`,
//! `_OPT_*`, ...) depend on the build, so a branch that tests one is read
//! with every value in it unknown (and a driver defined in it may not
//! exist: [`safeguard_model::Object::existence_unknown`]). A macro defined
//! in such a branch is uncertain wherever it is used. An apparent macro
//! (`CAPS_WITH_UNDERSCORES`) used in a value but never defined is unknown
//! too. Macros given with `exim -D` are not seen; an `.ifdef` on a name the
//! file never defines is false, as Exim reads the file without `-D`.
//!
//! [`exim_document`] produces these objects (format `exim`):
//!
//! | kind | address | attributes |
//! |---|---|---|
//! | `exim.main` | `exim.main` | every main option in effect (`no_x` is `x = false`; a bare `x` is `true`); defaults for `tls_advertise_hosts` (`*`, since 4.87), `auth_advertise_hosts` (`*`) and `openssl_options`; derived `tls_offered`, `tls_certificate_configured`, `min_tls_version`, `auth_advertised_without_tls` |
//! | `exim.router` | `exim.router[NAME]` | its options; for a `manualroute` router that routes to an `smtp` transport: `smarthosts`, `smarthost_transports`, `smarthost_tls_required` |
//! | `exim.transport` | `exim.transport[NAME]` | its options; `routers` (manualroute routers using it); for `smtp`: default `tls_tempfail_tryclear = true`, derived `min_tls_version` |
//! | `exim.authenticator` | `exim.authenticator[NAME]` | its options; `public_name` (default: the instance name), derived `plaintext_mechanism`, `server`, `advertised_without_tls` |
//!
//! Derivations:
//! - `tls_offered`: `tls_advertise_hosts` is not empty (unknown when it is
//!   an expansion).
//! - `tls_certificate_configured`: `tls_certificate` is set and not empty;
//!   without it Exim (since 4.88) serves a self-signed certificate.
//! - `min_tls_version` (`"TLSv1.2"`, ...): see [`tls`]; the configuration
//!   is read once more as an OpenSSL build and once as a GnuTLS build sees
//!   it (`_HAVE_OPENSSL`/`_HAVE_GNUTLS` decided, `_HAVE_TLS` defined); when
//!   the two floors differ the value is unknown, naming both.
//! - `auth_advertised_without_tls` (main): `auth_advertise_hosts` matches
//!   some host on a cleartext session: not empty, and not the spec's
//!   `${if eq{$tls_in_cipher}{}{}{*}}` idiom (see [`advertise`]).
//! - `advertised_without_tls` (authenticator): that, and its
//!   `server_advertise_condition` (unset: advertised) is true on a
//!   cleartext session (`${if def:tls_in_cipher}` idioms are read).
//! - `server`: some `server_*` option other than
//!   `server_advertise_condition`/`server_debug_print` is set.
//! - `smarthost_tls_required`: for every routing rule (`route_list`, or a
//!   literal `route_data`) whose transport (a rule option naming a
//!   transport, else the router's `transport`) is an `smtp` transport,
//!   that transport's `hosts_require_tls` matches every host of the rule
//!   (see [`hosts`] for what can be matched). An expanded `route_data` is
//!   decided only by `hosts_require_tls = *`.
//!
//! Spans: a value points at its text (a value a macro produced points at
//! its whole physical line); a value written in another file than its
//! object's has [`safeguard_model::Node::origin`] set, and its key points at
//! the `.include` line that brought the file in. Defaults and derived values
//! without a setting point at the object's header (empty span). Objects
//! live in the file of their `name:` line; `exim.main` in the main file.

pub mod advertise;
pub mod config;
mod document;
pub mod error;
pub mod hosts;
pub mod lines;
pub mod tls;

pub use config::{Driver, EximConfig, NamedList, OptionValue, Section, Setting, read_exim};
pub use document::exim_document;
pub use error::{EximError, EximErrorKind};
pub use lines::{
    MAX_CONDITIONAL_DEPTH, MAX_INCLUDE_DEPTH, MAX_INCLUDE_FILES, MAX_LINE, MAX_MACROS,
};
