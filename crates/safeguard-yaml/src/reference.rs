//! The tree builder this crate had before it built from one pass over the
//! parser's events: saphyr's own loader, after a first pass that refused
//! aliases and deep nesting. Kept for tests, which hold the one-pass builder
//! to exactly its trees, spans and errors.

use safeguard_model::{Map, Node, Value};
use safeguard_source::{SourceFile, Span};
use saphyr::{LoadableYamlNode, MarkedYaml, YamlData};
use saphyr_parser::Event;

use crate::builder::{scalar_key, scalar_value};
use crate::{CharOffsets, MAX_DEPTH, YamlError, trim_span};

/// Parses every document of a YAML file.
///
/// # Errors
/// [`YamlError`] on a syntax error, an alias, or a non-scalar mapping key.
pub fn parse_documents(file: &SourceFile) -> Result<Vec<Node>, YamlError> {
    let offsets = CharOffsets::new(file.text());
    check_events(file.text(), &offsets)?;
    let docs = MarkedYaml::load_from_str(file.text()).map_err(|err| {
        let index = offsets.byte(err.marker().index());
        YamlError {
            message: err.info().to_owned(),
            span: Span::empty_at(index),
        }
    })?;
    docs.iter()
        .map(|doc| convert(doc, &offsets, file.text()))
        .collect()
}

/// Walks the event stream once before building any tree, refusing aliases
/// (saphyr's loader would copy the anchored node at every use) and nesting
/// deeper than [`MAX_DEPTH`].
fn check_events(text: &str, offsets: &CharOffsets) -> Result<(), YamlError> {
    let mut depth = 0usize;
    for event in saphyr_parser::Parser::new_from_str(text) {
        let (event, span) = event.map_err(|err| YamlError {
            message: err.info().to_owned(),
            span: Span::empty_at(offsets.byte(err.marker().index())),
        })?;
        let at = Span::new(
            offsets.byte(span.start.index()),
            offsets.byte(span.end.index()),
        );
        match event {
            Event::Alias(_) => {
                return Err(YamlError {
                    message: "YAML aliases are not supported".into(),
                    span: at,
                });
            }
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(YamlError {
                        message: format!("nesting deeper than {MAX_DEPTH} levels"),
                        span: at,
                    });
                }
            }
            Event::SequenceEnd | Event::MappingEnd => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

fn node_span(node: &MarkedYaml<'_>, offsets: &CharOffsets, text: &str) -> Span {
    let start = offsets.byte(node.span.start.index());
    let end = offsets.byte(node.span.end.index()).max(start);
    trim_span(Span::new(start, end), text)
}

fn convert(node: &MarkedYaml<'_>, offsets: &CharOffsets, text: &str) -> Result<Node, YamlError> {
    let span = node_span(node, offsets, text);
    let value = match &node.data {
        YamlData::Value(scalar) => scalar_value(scalar),
        YamlData::Representation(raw, _, _) => Value::String(raw.to_string()),
        YamlData::Sequence(items) => Value::List(
            items
                .iter()
                .map(|item| convert(item, offsets, text))
                .collect::<Result<_, _>>()?,
        ),
        YamlData::Mapping(mapping) => {
            let mut map = Map::default();
            for (key, value) in mapping {
                let key_span = node_span(key, offsets, text);
                let name = match &key.data {
                    YamlData::Value(scalar) => scalar_key(scalar),
                    YamlData::Representation(raw, _, _) => raw.to_string(),
                    _ => {
                        return Err(YamlError {
                            message: "mapping keys must be plain scalars".into(),
                            span: key_span,
                        });
                    }
                };
                map.insert(name, key_span, convert(value, offsets, text)?);
            }
            Value::Map(map)
        }
        YamlData::Tagged(_, inner) => return convert(inner, offsets, text),
        YamlData::Alias(_) => {
            return Err(YamlError {
                message: "YAML aliases are not supported".into(),
                span,
            });
        }
        YamlData::BadValue => {
            return Err(YamlError {
                message: "invalid YAML value".into(),
                span,
            });
        }
    };
    Ok(Node::new(value, span))
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use safeguard_source::SourceFile;

    fn both(
        text: &str,
    ) -> (
        Result<Vec<super::Node>, crate::YamlError>,
        Result<Vec<super::Node>, crate::YamlError>,
    ) {
        let file = SourceFile::new("t.yaml", text);
        (crate::parse_documents(&file), super::parse_documents(&file))
    }

    fn assert_same(text: &str, context: &str) {
        let (built, loaded) = both(text);
        assert_eq!(built, loaded, "{context}:\n{text}");
    }

    fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                yaml_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                out.push(path);
            }
        }
    }

    #[test]
    fn every_bundled_policy_builds_as_the_loader_built_it_whole_and_cut_short() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../policies");
        let mut files = Vec::new();
        yaml_files(&root, &mut files);
        assert!(files.len() > 150, "policies found: {}", files.len());
        for path in files {
            let text = std::fs::read_to_string(&path).unwrap();
            let context = path.display().to_string();
            assert_same(&text, &context);
            assert!(both(&text).0.is_ok(), "{context}");
            // Cut at a dozen places: open quotes, half mappings, syntax errors.
            let cuts: Vec<usize> = (1..12)
                .map(|i| text.len() * i / 12)
                .filter(|&at| text.is_char_boundary(at))
                .collect();
            for at in cuts {
                assert_same(&text[..at], &format!("{context} cut at {at}"));
            }
        }
    }

    #[test]
    fn edge_cases_build_as_the_loader_built_them() {
        let cases = [
            "",
            "# only a comment\n",
            "a: 1\n",
            "---\na: 1\n---\nb: [2, 3]\n...\n",
            "---\n...\n---\n",
            "- 1\n- 1.5\n- .inf\n- -.nan\n- ~\n- null\n- true\n- 'true'\n- \"x\"\n- 0x1f\n- 0o17\n",
            "a: |\n  block\n  text\nb: >-\n  folded\n  text\n\n# trailing comment\n\n",
            "nested:\n  - a: 1\n    b:\n      - [x, y]\n      - {k: v}\n  -\n",
            "a: 1\nb: 2\na: 3\n",
            "m:\n  x: 1\n  x: 2\nz: !!int abc\n",
            "z: !!int abc\nm:\n  x: 1\n  x: 2\n",
            "a: !!int abc\n",
            "1: x\n\"1\": y\n",
            "1: x\n1: y\n",
            "? [a, b]\n: c\n",
            "? [a, !!int bad]\n: c\n",
            "? {a: 1}\n: c\nd: !!bool maybe\n",
            "a: &anchor [1, 2]\nb: 3\n",
            "a: 1\nb: [1, 2\n",
            "a: 1\na: 2\nb: [1, 2\n",
            "a: *nothing\n",
            "é: \"ü\"\nkey: [ü, é]\n",
            "a: !!str 12\nb: !!float 1\nc: !!null ~\n",
            "!custom [1, 2]\n",
            "a: !custom {b: 1}\n",
            "- !custom [x]\n- !custom {y: 1}\n",
            "k: v\n---\nk: v\nk: w\n",
            "k: !!int bad\n---\nk: v\nk: w\n",
            "\t- tab\n",
            "a:\n  - b\n  c: d\n",
        ];
        let differing: Vec<&str> = cases
            .into_iter()
            .filter(|case| {
                let (built, loaded) = both(case);
                built != loaded
            })
            .collect();
        assert!(differing.is_empty(), "{differing:#?}");
        let deep = format!("{}1{}", "[".repeat(129), "]".repeat(129));
        assert_same(&deep, "129 levels");
        let deep = format!("{}1{}", "[".repeat(128), "]".repeat(128));
        assert_same(&deep, "128 levels");
    }

    #[test]
    fn the_other_yaml_in_the_repository_builds_as_the_loader_built_it() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        for name in [
            ".pre-commit-hooks.yaml",
            "action.yml",
            "testdata/hostile/billion-laughs/policies/laughs.yaml",
        ] {
            let text = std::fs::read_to_string(root.join(name)).unwrap();
            assert_same(&text, name);
        }
    }
}
