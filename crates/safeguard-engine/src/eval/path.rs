use safeguard_model::{Map, Node, Unknown, Value};
use safeguard_policy::{AttrPath, PathSegment};
use safeguard_source::Span;

/// What a path found below a subject.
#[derive(Default)]
pub(crate) struct Resolved<'a> {
    /// Present values (nulls count as absent, as a Terraform `null` does), each
    /// with the span of its whole `key = value` where it was a map entry.
    pub found: Vec<(&'a Node, Span)>,
    /// Unknown values met before the path's end: whatever lies below is unknown.
    pub blocked: Vec<&'a Unknown>,
}

/// What a condition looks at: an object's attributes, or one item of a list
/// (inside `any-item` / `all-items`).
#[derive(Clone, Copy)]
pub(crate) enum Subject<'a> {
    Attrs(&'a Map),
    Item(&'a Node),
}

/// Resolves `path` from `subject`. Stepping a key into a list applies it to
/// every item (nested blocks are lists of maps).
pub(crate) fn resolve<'a>(subject: Subject<'a>, path: &AttrPath) -> Resolved<'a> {
    let mut resolved = Resolved::default();
    let (mut current, rest): (Vec<(&'a Node, Span)>, &[PathSegment]) = match subject {
        Subject::Item(node) => (vec![(node, node.span)], &path.segments),
        Subject::Attrs(map) => match path.segments.split_first() {
            Some((PathSegment::Key(key), rest)) => (
                map.get(key)
                    .map(|entry| (&entry.value, entry.span()))
                    .into_iter()
                    .collect(),
                rest,
            ),
            // An object's attributes are a map: only a key can start a path.
            _ => (Vec::new(), &[]),
        },
    };
    for segment in rest {
        let mut next = Vec::new();
        for (node, span) in current {
            step(node, span, segment, &mut next, &mut resolved.blocked);
        }
        current = next;
    }
    resolved.found = current
        .into_iter()
        .filter(|(node, _)| node.value != Value::Null)
        .collect();
    resolved
}

fn step<'a>(
    node: &'a Node,
    span: Span,
    segment: &PathSegment,
    next: &mut Vec<(&'a Node, Span)>,
    blocked: &mut Vec<&'a Unknown>,
) {
    match (&node.value, segment) {
        (Value::Unknown(unknown), _) => blocked.push(unknown),
        (Value::Map(map), PathSegment::Key(key)) => {
            if let Some(entry) = map.get(key) {
                next.push((&entry.value, entry.span()));
            }
        }
        (Value::List(items), PathSegment::Key(_)) => {
            for item in items {
                step(item, item.span, segment, next, blocked);
            }
        }
        (Value::List(items), PathSegment::Index(i)) => {
            if let Some(item) = items.get(*i) {
                next.push((item, item.span));
            }
        }
        (Value::List(items), PathSegment::Wildcard) => {
            next.extend(items.iter().map(|item| (item, item.span)))
        }
        // A step that does not fit the value's shape finds nothing.
        _ => {
            let _ = span;
        }
    }
}
