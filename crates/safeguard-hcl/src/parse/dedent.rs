//! Removing the common indentation of a `<<-` heredoc, as Terraform does:
//! the smallest run of leading whitespace over the lines that hold text is
//! removed from every line. Text that follows an interpolation on the same
//! line is not at a line start and keeps its spaces.

use crate::ast::{Element, Spanned};

/// Dedents the template's literals in place; returns how many characters
/// were removed from each line, or `None` when nothing could be.
pub(super) fn dedent(elements: &mut [Element]) -> Option<usize> {
    let indent = common_indent(elements)?;
    let mut mid_line = false;
    for element in elements.iter_mut() {
        match element {
            Element::Literal(literal) => {
                let text = dedent_by(literal.value(), indent, mid_line);
                mid_line = !text.ends_with('\n');
                *literal = Spanned::new(text, literal.span());
            }
            _ => mid_line = true,
        }
    }
    Some(indent)
}

fn common_indent(elements: &[Element]) -> Option<usize> {
    let mut indent: Option<usize> = None;
    let mut mid_line = false;
    for element in elements {
        match element {
            Element::Literal(literal) => {
                for (i, line) in literal.value().lines().enumerate() {
                    if (i == 0 && mid_line) || line.is_empty() {
                        continue;
                    }
                    let leading = line.chars().take_while(|c| c.is_whitespace()).count();
                    if leading == 0 {
                        return None;
                    }
                    indent = Some(indent.map_or(leading, |n| n.min(leading)));
                }
                mid_line = !literal.value().ends_with('\n');
            }
            // An interpolation or directive at the start of a line has no
            // indentation to remove.
            _ if !mid_line => return None,
            _ => {}
        }
    }
    indent
}

fn dedent_by(text: &str, indent: usize, mid_line: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, line) in text.lines().enumerate() {
        if i == 0 && mid_line {
            out.push_str(line);
        } else if !line.is_empty() {
            out.extend(line.chars().skip(indent));
        }
        out.push('\n');
    }
    if out.ends_with('\n') && !text.ends_with('\n') {
        out.pop();
    }
    out
}
