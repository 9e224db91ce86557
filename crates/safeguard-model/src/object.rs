use safeguard_source::Span;

use crate::{Format, Map};

/// One configured thing a policy can judge: a Terraform resource, a mail
/// connector, a Postfix service.
#[derive(Debug, Clone, PartialEq)]
pub struct Object {
    pub format: Format,
    /// The object type policies select on: `aws_s3_bucket`,
    /// `data.aws_iam_policy_document`, `module`, `m365.mail_connector`.
    pub kind: String,
    /// A stable address, unique within its document: `aws_s3_bucket.logs`.
    pub address: String,
    /// Index into [`crate::Document::files`].
    pub file: usize,
    /// The whole object in its file.
    pub span: Span,
    /// The part that names it (a block header), where findings about a
    /// missing setting are pointed.
    pub header_span: Span,
    pub attrs: Map,
    /// Why it is unknown whether this object exists at all (an unknown
    /// `count` or `for_each`). Such an object is still judged, but a failure
    /// on it is reported as unknown, never as a definite failure.
    pub existence_unknown: Option<String>,
}
