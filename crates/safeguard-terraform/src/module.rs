use safeguard_model::{Document, Format, InputError};
use safeguard_source::{SourceFile, Span};

use crate::blocks::BlockReader;

/// Builds the document for one module directory from its decoded `.tf` files.
///
/// Files are read in the order given (callers sort them by path, so addresses
/// such as `locals[1]` are stable). A file that fails to parse contributes an
/// [`InputError`] and no objects; the other files are still read.
#[must_use]
pub fn module_document(address: impl Into<String>, files: Vec<SourceFile>) -> Document {
    let mut document = Document::new(Format::Terraform, address);
    let mut reader = BlockReader::default();
    for file in files {
        let index = document.add_file(file.clone());
        parse_file(&mut document, &mut reader, index, &file);
    }
    document
}

/// Parses one file into `document` (objects and errors).
pub(crate) fn parse_file(
    document: &mut Document,
    reader: &mut BlockReader,
    index: usize,
    file: &SourceFile,
) {
    match hcl_edit::parser::parse_body(file.text()) {
        Ok(body) => reader.read_body(document, index, file, &body),
        Err(err) => {
            let offset = u32::try_from(err.location().offset()).unwrap_or(u32::MAX);
            let message = format!("invalid HCL: {}", err.message().trim());
            document
                .errors
                .push(InputError::at_span(file, Span::empty_at(offset), message));
        }
    }
}
