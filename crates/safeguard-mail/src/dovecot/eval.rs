//! Reading the lines of a tree into filters, sections and settings, with
//! the rules of Dovecot 2.3's config parser: blocks of one filter merge;
//! filters nest only as doveconf allows; `$name` naming the setting being
//! set expands to its value so far (what doveconf -n shows); a few obsolete
//! settings are rewritten as doveconf rewrites them (`ssl_protocols` →
//! `ssl_min_protocol`, `ssl_disable` → `ssl`, `ssl_cert_file` →
//! `ssl_cert = <file`, `imaps`/`pop3s`/`managesieve` in `protocols`).
//!
//! Sections nest at most [`MAX_NESTING`] deep; deeper blocks are skipped
//! with an error, so no input can make later stages recurse deeply.

use std::net::IpAddr;

use safeguard_source::{SourceFile, Span};

use crate::dovecot::error::{DovecotError, DovecotErrorKind, Loc};
use crate::dovecot::include::IncludeLoader;
use crate::dovecot::lexer::{LineKind, RawValue};
use crate::dovecot::model::{
    DovecotConfig, Filter, FilterSpec, Section, SectionList, Setting, Settings, ValueForm,
};
use crate::dovecot::reader::{Statement, read_tree};
use crate::dovecot::schema;
use crate::dovecot::version::{self, DovecotVersion};

/// How deep sections and filters may nest.
pub const MAX_NESTING: usize = 32;

/// Reads a Dovecot configuration: `main` (usually `dovecot.conf`) and, through
/// `loader`, the files it includes. Without a loader every include is an
/// error saying it was not read.
#[must_use]
pub fn read_dovecot(main: SourceFile, loader: Option<&dyn IncludeLoader>) -> DovecotConfig {
    let main_span = Span::empty_at(0);
    let tree = read_tree(main, loader);
    let declared = declared_version(&tree.statements);
    let mut eval = Eval {
        version: declared.unwrap_or(DovecotVersion::ASSUMED),
        filters: vec![Filter {
            spec: FilterSpec::default(),
            header_at: Loc::new(0, main_span),
            settings: Settings::default(),
            sections: Vec::new(),
        }],
        frames: vec![Frame {
            filter: 0,
            sections: Vec::new(),
            kinds: Vec::new(),
            opened: Loc::new(0, main_span),
        }],
        skip: 0,
        errors: tree.errors,
        seen_statement: false,
        config_version: None,
    };
    for statement in &tree.statements {
        eval.statement(statement);
    }
    if let Some(frame) = eval.frames.get(1..).and_then(<[Frame]>::last) {
        let at = frame.opened;
        eval.error(at, DovecotErrorKind::MissingClose);
    }
    DovecotConfig {
        files: tree.files,
        included_at: tree.included_at,
        filters: eval.filters,
        version: eval.version,
        version_assumed: declared.is_none(),
        errors: eval.errors,
    }
}

/// The version `dovecot_config_version` declares, wherever it is.
fn declared_version(statements: &[Statement]) -> Option<DovecotVersion> {
    statements.iter().find_map(|s| match &s.line.kind {
        LineKind::Setting { key, value, .. } if key == "dovecot_config_version" => {
            DovecotVersion::parse(&value.text)
        }
        _ => None,
    })
}

/// An open block: a filter, or a plain section inside one.
struct Frame {
    filter: usize,
    /// Indices of the open plain sections, outermost first.
    sections: Vec<usize>,
    /// Their kinds, for the settings table (`service/inet_listener`).
    kinds: Vec<String>,
    opened: Loc,
}

struct Eval {
    version: DovecotVersion,
    filters: Vec<Filter>,
    frames: Vec<Frame>,
    /// Depth of a block being skipped (0: reading normally).
    skip: usize,
    errors: Vec<DovecotError>,
    seen_statement: bool,
    config_version: Option<String>,
}

impl Eval {
    fn error(&mut self, at: Loc, kind: DovecotErrorKind) {
        self.errors.push(DovecotError::new(at, kind));
    }

    fn top(&self) -> Option<&Frame> {
        self.frames.last()
    }

    fn statement(&mut self, statement: &Statement) {
        let file = statement.file;
        let line_at = Loc::new(file, statement.line.span);
        if self.skip > 0 {
            match &statement.line.kind {
                LineKind::Open { .. } => self.skip += 1,
                LineKind::Close => self.skip -= 1,
                _ => {}
            }
            return;
        }
        let first = !self.seen_statement;
        self.seen_statement = true;
        match &statement.line.kind {
            LineKind::Setting {
                key,
                key_span,
                value,
            } => {
                if key == "dovecot_config_version"
                    && !self.config_version_line(first, value, Loc::new(file, value.span))
                {
                    return;
                }
                self.setting(key, Loc::new(file, *key_span), value, file);
            }
            LineKind::Open {
                kind,
                kind_span,
                name,
                ..
            } => {
                self.open(kind, name, Loc::new(file, *kind_span), line_at);
            }
            LineKind::Close => {
                if self.frames.len() > 1 {
                    self.frames.pop();
                } else {
                    self.error(line_at, DovecotErrorKind::UnexpectedClose);
                }
            }
            LineKind::Error(kind) => self.error(line_at, kind.clone()),
            // The reader replaces includes by the lines they name.
            LineKind::Include { .. } => {}
        }
    }

    /// `dovecot_config_version`: first setting, never changed. Returns
    /// whether to keep the line as a setting.
    fn config_version_line(&mut self, first: bool, value: &RawValue, at: Loc) -> bool {
        match &self.config_version {
            Some(seen) if *seen != value.text => {
                self.error(at, DovecotErrorKind::ConfigVersionChanged);
                false
            }
            Some(_) => false,
            None => {
                if !first {
                    self.error(at, DovecotErrorKind::ConfigVersionNotFirst);
                }
                if DovecotVersion::parse(&value.text).is_none() {
                    self.error(
                        at,
                        DovecotErrorKind::InvalidValue {
                            name: "dovecot_config_version".to_owned(),
                            message: format!("Invalid dovecot_config_version: {}", value.text),
                        },
                    );
                }
                self.config_version = Some(value.text.clone());
                true
            }
        }
    }

    fn open(&mut self, kind: &str, name: &str, kind_at: Loc, line_at: Loc) {
        if self.frames.len() > MAX_NESTING {
            self.error(
                line_at,
                DovecotErrorKind::NestingTooDeep { limit: MAX_NESTING },
            );
            self.skip = 1;
            return;
        }
        let Some(top) = self.top() else {
            return;
        };
        let (filter, in_section) = (top.filter, !top.sections.is_empty());
        if matches!(kind, "protocol" | "local" | "remote" | "local_name") {
            if in_section {
                let section = top.kinds.last().cloned().unwrap_or_default();
                self.error(
                    line_at,
                    DovecotErrorKind::FilterInSection {
                        filter: format!("{kind} {name}"),
                        section,
                    },
                );
                self.skip = 1;
                return;
            }
            self.open_filter(filter, kind, name, kind_at, line_at);
        } else {
            self.open_section(kind, name, kind_at, line_at);
        }
    }

    fn open_filter(&mut self, parent: usize, kind: &str, name: &str, kind_at: Loc, line_at: Loc) {
        let parent_spec = self
            .filters
            .get(parent)
            .map(|f| f.spec.clone())
            .unwrap_or_default();
        let spec = match nested_spec(&parent_spec, kind, name) {
            Ok(spec) => spec,
            Err(message) => {
                self.error(line_at, DovecotErrorKind::FilterNesting { message });
                self.skip = 1;
                return;
            }
        };
        let index = match self.filters.iter().position(|f| f.spec == spec) {
            Some(index) => index,
            None => {
                self.filters.push(Filter {
                    spec,
                    header_at: Loc::new(kind_at.file, line_at.span),
                    settings: Settings::default(),
                    sections: Vec::new(),
                });
                self.filters.len() - 1
            }
        };
        self.frames.push(Frame {
            filter: index,
            sections: Vec::new(),
            kinds: Vec::new(),
            opened: line_at,
        });
    }

    fn open_section(&mut self, kind: &str, name: &str, kind_at: Loc, line_at: Loc) {
        let Some(top) = self.frames.last() else {
            return;
        };
        let (filter, path, mut kinds) = (top.filter, top.sections.clone(), top.kinds.clone());
        let Some(list) = self
            .filters
            .get_mut(filter)
            .and_then(|f| sections_mut(f, &path))
        else {
            return;
        };
        let merge = match SectionList::of(kind) {
            SectionList::Repeated => false,
            SectionList::Strings => true,
            SectionList::Unique => !name.is_empty(),
        };
        let existing = if merge {
            list.iter().position(|s| s.kind == kind && s.name == name)
        } else {
            None
        };
        let index = existing.unwrap_or_else(|| {
            list.push(Section {
                kind: kind.to_owned(),
                name: name.to_owned(),
                header_at: Loc::new(kind_at.file, line_at.span),
                settings: Settings::default(),
                sections: Vec::new(),
            });
            list.len() - 1
        });
        let mut sections = path;
        sections.push(index);
        kinds.push(kind.to_owned());
        self.frames.push(Frame {
            filter,
            sections,
            kinds,
            opened: line_at,
        });
    }

    fn setting(&mut self, key: &str, name_at: Loc, raw: &RawValue, file: usize) {
        let Some(top) = self.top() else {
            return;
        };
        let at_filter_level = top.sections.is_empty();
        let value_at = Loc::new(file, raw.span);
        let mut setting = Setting {
            name: key.to_owned(),
            value: raw.text.clone(),
            form: raw.form,
            name_at,
            value_at,
        };
        match raw.form {
            ValueForm::File => setting.value = format!("<{}", raw.text),
            ValueForm::Variable if !self.version.is_2_4() => match self.expand(key, &raw.text) {
                Ok(value) => setting.value = value,
                Err(kind) => {
                    self.error(value_at, kind);
                    return;
                }
            },
            ValueForm::Variable => {}
            ValueForm::Plain | ValueForm::Quoted => {
                if at_filter_level && !self.version.is_2_4() && !self.obsolete(&mut setting) {
                    return;
                }
            }
        }
        if !self.check(&setting) {
            return;
        }
        let Some(top) = self.top() else {
            return;
        };
        let (filter, path) = (top.filter, top.sections.clone());
        if let Some(settings) = self
            .filters
            .get_mut(filter)
            .and_then(|f| settings_mut(f, &path))
        {
            settings.push(setting);
        }
    }

    /// Checks a setting as Dovecot's settings parser would; false when
    /// Dovecot refuses it outright (the setting is then not kept).
    fn check(&mut self, setting: &Setting) -> bool {
        let Some(top) = self.top() else {
            return false;
        };
        let at_filter_level = top.sections.is_empty();
        let conditional = self
            .filters
            .get(top.filter)
            .is_some_and(|f| f.spec.is_conditional());
        let path = if at_filter_level {
            setting.name.clone()
        } else {
            format!("{}/{}", top.kinds.join("/"), setting.name)
        };
        if at_filter_level
            && let Some((replacement, version)) = version::renamed(&setting.name, self.version)
        {
            self.error(
                setting.name_at,
                DovecotErrorKind::RenamedSetting {
                    name: setting.name.clone(),
                    version,
                    replacement,
                },
            );
        }
        if self.version.is_2_4() {
            return true;
        }
        let Some(def) = schema::lookup(&path) else {
            return true;
        };
        if at_filter_level && conditional && def.auth {
            self.error(
                setting.name_at,
                DovecotErrorKind::AuthSettingInFilter {
                    name: setting.name.clone(),
                },
            );
            return false;
        }
        if setting.form == ValueForm::File {
            // The file's contents are what Dovecot parses; we never read it.
            return true;
        }
        let checked = if path == "ssl" {
            match setting.value.as_str() {
                "yes" | "no" | "required" => Ok(()),
                other => Err(format!("Invalid value: {other}")),
            }
        } else {
            schema::check(def.ty, &setting.value)
        };
        if let Err(message) = checked {
            self.error(
                setting.value_at,
                DovecotErrorKind::InvalidValue {
                    name: setting.name.clone(),
                    message,
                },
            );
        }
        true
    }

    /// doveconf's rewriting of obsolete settings written as plain values at
    /// filter level. False when the setting is dropped.
    fn obsolete(&mut self, setting: &mut Setting) -> bool {
        match setting.name.as_str() {
            "protocols" => {
                let (value, imaps_only, pop3s_only) = normalize_protocols(&setting.value);
                setting.value = value;
                for (service, listener, wanted) in [
                    ("imap-login", "imap", imaps_only),
                    ("pop3-login", "pop3", pop3s_only),
                ] {
                    if wanted {
                        self.disable_listener(service, listener, setting.value_at);
                    }
                }
                true
            }
            "ssl_protocols" => match min_protocol(&setting.value) {
                Ok(min) => {
                    setting.name = "ssl_min_protocol".to_owned();
                    setting.value = min.to_owned();
                    true
                }
                Err(message) => {
                    let at = setting.value_at;
                    let value = setting.value.clone();
                    self.error(at, DovecotErrorKind::SslProtocols { value, message });
                    false
                }
            },
            "ssl_disable" => {
                setting.name = "ssl".to_owned();
                if setting.value.eq_ignore_ascii_case("yes") {
                    setting.value = "no".to_owned();
                } else if setting.value.eq_ignore_ascii_case("no") {
                    setting.value = "yes".to_owned();
                }
                true
            }
            "ssl_cert_file" | "ssl_key_file" | "ssl_ca_file" => {
                if setting.value.is_empty() {
                    return false;
                }
                if let Some(base) = setting.name.strip_suffix("_file") {
                    setting.name = base.to_owned();
                }
                setting.form = ValueForm::File;
                setting.value = format!("<{}", setting.value);
                true
            }
            "ssl_parameters_regenerate" | "ssl_dh_parameters_length" => false,
            _ => true,
        }
    }

    /// `protocols = imaps` without `imap`: doveconf adds `imap` and sets the
    /// plain listener's port to 0.
    fn disable_listener(&mut self, service: &str, listener: &str, at: Loc) {
        let Some(top) = self.top() else {
            return;
        };
        let filter = top.filter;
        let Some(f) = self.filters.get_mut(filter) else {
            return;
        };
        let service_index = child(&mut f.sections, "service", service, at);
        let Some(service) = f.sections.get_mut(service_index) else {
            return;
        };
        let listener_index = child(&mut service.sections, "inet_listener", listener, at);
        if let Some(listener) = service.sections.get_mut(listener_index) {
            listener.settings.push(Setting {
                name: "port".to_owned(),
                value: "0".to_owned(),
                form: ValueForm::Plain,
                name_at: at,
                value_at: at,
            });
        }
    }

    /// `config_write_keyvariable()` with doveconf's default of not
    /// expanding: each space-separated token is kept, except `$KEY` for the
    /// setting's own name, which becomes its value so far.
    fn expand(&self, key: &str, text: &str) -> Result<String, DovecotErrorKind> {
        let mut out = String::new();
        let mut rest = text;
        loop {
            let (token, after) = match rest.find(' ') {
                Some(i) => (rest.get(..i).unwrap_or(""), rest.get(i..)),
                None => (rest, None),
            };
            match token.strip_prefix('$') {
                Some(name) if name == key => out.push_str(&self.current(key)?),
                _ => out.push_str(token),
            }
            let Some(after) = after else {
                break;
            };
            out.push(' ');
            rest = after.trim_start_matches([' ', '\t']);
        }
        Ok(out)
    }

    /// The value of top-level setting `name` as seen from the open blocks:
    /// the innermost filter that set it, else its default.
    fn current(&self, name: &str) -> Result<String, DovecotErrorKind> {
        let def = schema::lookup(name).filter(|d| !d.name.contains('/'));
        for frame in self.frames.iter().rev() {
            if let Some(setting) = self
                .filters
                .get(frame.filter)
                .and_then(|f| f.settings.get(name))
            {
                let value = match def {
                    Some(def) if setting.form != ValueForm::File => {
                        schema::canonical(def.ty, &setting.value)
                            .unwrap_or_else(|_| setting.value.clone())
                    }
                    _ => setting.value.clone(),
                };
                return Ok(value);
            }
        }
        def.map(|d| d.default.clone())
            .ok_or_else(|| DovecotErrorKind::UnknownVariable {
                name: name.to_owned(),
            })
    }
}

/// The index of the child section `kind name`, created when missing.
fn child(list: &mut Vec<Section>, kind: &str, name: &str, at: Loc) -> usize {
    if let Some(index) = list.iter().position(|s| s.kind == kind && s.name == name) {
        return index;
    }
    list.push(Section {
        kind: kind.to_owned(),
        name: name.to_owned(),
        header_at: at,
        settings: Settings::default(),
        sections: Vec::new(),
    });
    list.len() - 1
}

fn sections_mut<'a>(filter: &'a mut Filter, path: &[usize]) -> Option<&'a mut Vec<Section>> {
    let mut list = &mut filter.sections;
    for &index in path {
        list = &mut list.get_mut(index)?.sections;
    }
    Some(list)
}

fn settings_mut<'a>(filter: &'a mut Filter, path: &[usize]) -> Option<&'a mut Settings> {
    match path.split_last() {
        None => Some(&mut filter.settings),
        Some((&last, parents)) => Some(&mut sections_mut(filter, parents)?.get_mut(last)?.settings),
    }
}

/// The filter a `kind name {` block inside `parent` opens, or doveconf's
/// message refusing the nesting.
fn nested_spec(parent: &FilterSpec, kind: &str, name: &str) -> Result<FilterSpec, &'static str> {
    let mut spec = parent.clone();
    match kind {
        "protocol" => {
            if parent.protocol.is_some() {
                return Err("Nested protocol { protocol { .. } } block not allowed");
            }
            // doveconf renames the obsolete `protocol managesieve`.
            let name = if name == "managesieve" { "sieve" } else { name };
            spec.protocol = Some(name.to_owned());
        }
        "local" => {
            if parent.remote.is_some() {
                return Err(
                    "remote { local { .. } } not allowed (use local { remote { .. } } instead)",
                );
            }
            if parent.protocol.is_some() {
                return Err(
                    "protocol { local { .. } } not allowed (use local { protocol { .. } } instead)",
                );
            }
            if parent.local_name.is_some() {
                return Err(
                    "local_name { local { .. } } not allowed (use local { local_name { .. } } instead)",
                );
            }
            if parent
                .local
                .as_deref()
                .is_some_and(|outer| !inside(name, outer))
            {
                return Err("local net1 { local net2 { .. } } requires net2 to be inside net1");
            }
            spec.local = Some(normalize_net(name));
        }
        "local_name" => {
            if parent.remote.is_some() {
                return Err(
                    "remote { local_name { .. } } not allowed (use local_name { remote { .. } } instead)",
                );
            }
            if parent.protocol.is_some() {
                return Err(
                    "protocol { local_name { .. } } not allowed (use local_name { protocol { .. } } instead)",
                );
            }
            spec.local_name = Some(name.to_owned());
        }
        _ => {
            if parent.protocol.is_some() {
                return Err(
                    "protocol { remote { .. } } not allowed (use remote { protocol { .. } } instead)",
                );
            }
            if parent
                .remote
                .as_deref()
                .is_some_and(|outer| !inside(name, outer))
            {
                return Err("remote net1 { remote net2 { .. } } requires net2 to be inside net1");
            }
            spec.remote = Some(normalize_net(name));
        }
    }
    Ok(spec)
}

/// `ADDR[/BITS]` as an address and prefix length. Host names (which
/// Dovecot resolves through DNS) are `None`.
pub(crate) fn parse_net(text: &str) -> Option<(IpAddr, u8)> {
    let (addr, bits) = match text.split_once('/') {
        Some((addr, bits)) => (addr, Some(bits)),
        None => (text, None),
    };
    let addr = addr.trim_start_matches('[').trim_end_matches(']');
    let ip: IpAddr = addr.parse().ok()?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    let bits = match bits {
        Some(b) => b.parse::<u8>().ok().filter(|&b| b <= max)?,
        None => max,
    };
    Some((ip, bits))
}

/// The network as doveconf prints it (`net_ip2addr` and `/BITS` unless the
/// whole address), or the text as written when it is not an address.
pub(crate) fn normalize_net(text: &str) -> String {
    match parse_net(text) {
        Some((ip, bits)) if bits == if ip.is_ipv4() { 32 } else { 128 } => ip.to_string(),
        Some((ip, bits)) => format!("{ip}/{bits}"),
        None => text.to_owned(),
    }
}

/// The prefix length of a filter address, for ordering filters as
/// doveconf does (a host name counts as a whole address).
pub(crate) fn net_bits(text: Option<&str>) -> u8 {
    match text {
        None => 0,
        Some(text) => parse_net(text).map_or(32, |(_, bits)| bits),
    }
}

/// Whether network `inner` lies inside `outer` (unknown: yes).
fn inside(inner: &str, outer: &str) -> bool {
    let (Some((ip, bits)), Some((outer_ip, outer_bits))) = (parse_net(inner), parse_net(outer))
    else {
        return true;
    };
    if bits < outer_bits {
        return false;
    }
    if ip.is_ipv4() != outer_ip.is_ipv4() {
        return false;
    }
    // IPv4 in the top 32 bits, so one mask of the top `outer_bits` serves.
    let as_u128 = |ip: IpAddr| match ip {
        IpAddr::V4(v4) => u128::from(u32::from(v4)) << 96,
        IpAddr::V6(v6) => u128::from(v6),
    };
    let mask = match outer_bits {
        0 => 0,
        b => u128::MAX << (128 - u32::from(b.min(128))),
    };
    as_u128(ip) & mask == as_u128(outer_ip) & mask
}

/// doveconf's rewriting of a plain `protocols` value: `imaps`/`pop3s`
/// dropped (and `imap`/`pop3` added when missing), `managesieve` renamed
/// `sieve`, single spaces, no leading space. Also says whether the plain
/// imap and pop3 listeners must be disabled.
fn normalize_protocols(value: &str) -> (String, bool, bool) {
    let mut names: Vec<&str> = Vec::new();
    let (mut imap, mut imaps, mut pop3, mut pop3s) = (false, false, false, false);
    for token in value.split(' ').filter(|t| !t.is_empty()) {
        match token {
            "imap" => {
                imap = true;
                names.push(token);
            }
            "imaps" => imaps = true,
            "pop3" => {
                pop3 = true;
                names.push(token);
            }
            "pop3s" => pop3s = true,
            "managesieve" => names.push("sieve"),
            other => names.push(other),
        }
    }
    let mut out = names.join(" ");
    let imaps_only = imaps && !imap;
    let pop3s_only = pop3s && !pop3;
    if imaps_only {
        out.push_str(" imap");
    }
    if pop3s_only {
        out.push_str(" pop3");
    }
    let out = out.strip_prefix(' ').map(str::to_owned).unwrap_or(out);
    (out, imaps_only, pop3s_only)
}

/// `ssl_protocols_to_min_protocol()`: the lowest protocol not excluded
/// (or the lowest one listed, when any is listed without `!`).
fn min_protocol(value: &str) -> Result<&'static str, String> {
    const VERSIONS: [&str; 4] = ["SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2"];
    let mut state = [0i8; 4];
    let mut explicit_enable = false;
    for token in value.split([' ', ',']).filter(|t| !t.is_empty()) {
        let (enable, name) = match token.strip_prefix('!') {
            Some(name) => (false, name),
            None => (true, token),
        };
        let Some(index) = VERSIONS.iter().position(|v| *v == name) else {
            return Err(format!("Unrecognized protocol '{name}'"));
        };
        if let Some(slot) = state.get_mut(index) {
            *slot = if enable { 1 } else { -1 };
        }
        explicit_enable |= enable;
    }
    VERSIONS
        .iter()
        .zip(state)
        .find(|(_, s)| if explicit_enable { *s > 0 } else { *s == 0 })
        .map(|(v, _)| *v)
        .ok_or_else(|| "All protocols disabled".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(text: &str) -> DovecotConfig {
        read_dovecot(SourceFile::new("dovecot.conf", text), None)
    }

    fn global(config: &DovecotConfig, name: &str) -> Option<String> {
        config.setting(name).map(|s| s.value.clone())
    }

    #[test]
    fn filters_merge_and_settings_land_in_them() {
        let c = config(
            "ssl = yes\nprotocol pop3 {\n  ssl = no\n}\nprotocol pop3 {\n  ssl_min_protocol = TLSv1.3\n}\n",
        );
        assert!(c.errors.is_empty(), "{:?}", c.errors);
        assert_eq!(c.filters.len(), 2);
        let pop3 = &c.filters[1];
        assert_eq!(pop3.spec.protocol.as_deref(), Some("pop3"));
        assert_eq!(
            pop3.settings.get("ssl").map(|s| s.value.as_str()),
            Some("no")
        );
        assert_eq!(pop3.settings.definitions.len(), 2);
        assert_eq!(global(&c, "ssl").as_deref(), Some("yes"));
    }

    #[test]
    fn self_references_expand_and_others_stay() {
        let c = config(
            "mail_plugins = $mail_plugins quota\nprotocol imap {\n  mail_plugins = $mail_plugins  imap_quota $other\n}\nprotocols = $protocols imap\nprotocols = $protocols pop3\n",
        );
        assert!(c.errors.is_empty(), "{:?}", c.errors);
        assert_eq!(global(&c, "mail_plugins").as_deref(), Some(" quota"));
        assert_eq!(
            c.filters[1]
                .settings
                .get("mail_plugins")
                .map(|s| s.value.as_str()),
            Some(" quota imap_quota $other")
        );
        assert_eq!(global(&c, "protocols").as_deref(), Some(" imap pop3"));
    }

    #[test]
    fn obsolete_settings_are_rewritten() {
        let c = config(
            "protocols = imaps pop3 managesieve\nssl_protocols = !SSLv3 !TLSv1\nssl_disable = yes\nssl_cert_file = /etc/c.pem\n",
        );
        assert_eq!(global(&c, "protocols").as_deref(), Some("pop3 sieve imap"));
        assert_eq!(global(&c, "ssl_min_protocol").as_deref(), Some("TLSv1.1"));
        assert_eq!(global(&c, "ssl").as_deref(), Some("no"));
        assert_eq!(global(&c, "ssl_cert").as_deref(), Some("</etc/c.pem"));
        let port = c.filters[0]
            .section("service", "imap-login")
            .and_then(|s| s.section("inet_listener", "imap"))
            .and_then(|l| l.settings.get("port"))
            .map(|s| s.value.clone());
        assert_eq!(port.as_deref(), Some("0"));
        assert_eq!(min_protocol("TLSv1.2"), Ok("TLSv1.2"));
        assert!(min_protocol("!SSLv3 !TLSv1 !TLSv1.1 !TLSv1.2").is_err());
        assert!(min_protocol("SSLv2").is_err());
    }

    #[test]
    fn filter_nesting_rules_and_section_errors() {
        let c = config(
            "protocol imap {\n  remote 10.0.0.0/8 {\n    ssl = no\n  }\n}\nremote 10.0.0.0/8 {\n  auth_mechanisms = login\n}\n}\nservice imap {\n",
        );
        let kinds: Vec<String> = c.errors.iter().map(|e| e.kind.to_string()).collect();
        assert_eq!(
            kinds,
            vec![
                "protocol { remote { .. } } not allowed (use remote { protocol { .. } } instead)",
                "Auth settings not supported inside local/remote blocks: auth_mechanisms",
                "Unexpected '}'",
                "Missing '}' for the section started here",
            ]
        );
        assert!(c.filters.iter().all(|f| f.settings.get("ssl").is_none()));
    }

    #[test]
    fn typed_values_are_checked() {
        let c = config(
            "ssl = true\nservice imap {\n  idle_kill = 3600\n}\nmail_max_lock_timeout = 1m\n",
        );
        let kinds: Vec<String> = c.errors.iter().map(|e| e.kind.to_string()).collect();
        assert_eq!(
            kinds,
            vec![
                "ssl: Invalid value: true",
                "idle_kill: Time interval '3600' is missing units (add e.g. 's' for seconds)",
            ]
        );
    }

    #[test]
    fn deep_nesting_is_cut_off_without_recursion() {
        let depth = 10_000;
        let text = "plugin {\n".repeat(depth) + &"}\n".repeat(depth) + "ssl = no\n";
        let c = config(&text);
        assert_eq!(global(&c, "ssl").as_deref(), Some("no"));
        assert_eq!(c.errors.len(), 1, "{:?}", c.errors);
        assert!(matches!(
            c.errors[0].kind,
            DovecotErrorKind::NestingTooDeep { .. }
        ));
    }

    #[test]
    fn networks() {
        assert_eq!(normalize_net("10.0.0.0/8"), "10.0.0.0/8");
        assert_eq!(normalize_net("127.0.0.1/32"), "127.0.0.1");
        assert_eq!(normalize_net("2001:db8:0::1/64"), "2001:db8::1/64");
        assert_eq!(normalize_net("mail.example.com"), "mail.example.com");
        assert!(inside("10.1.0.0/16", "10.0.0.0/8"));
        assert!(!inside("11.0.0.0/16", "10.0.0.0/8"));
        assert!(!inside("10.0.0.0/4", "10.0.0.0/8"));
        assert!(inside("::1", "::/0"));
        assert!(inside("1.2.3.4", "0.0.0.0/0"));
    }
}
