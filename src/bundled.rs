//! The policy packs compiled into the binary (see `build.rs`).

use std::path::PathBuf;

include!(concat!(env!("OUT_DIR"), "/bundled.rs"));

/// The bundled policies as `(path, text)`, paths shown as `<bundled>/…`.
pub fn sources() -> Vec<(PathBuf, String)> {
    BUNDLED
        .iter()
        .map(|(path, text)| {
            (
                PathBuf::from(format!("<bundled>/{path}")),
                (*text).to_owned(),
            )
        })
        .collect()
}
