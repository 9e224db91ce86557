//! Which objects hold PHI, by the tag the organisation names in
//! `safeguard.toml` (`[phi] tag = "data-classification", values = ["phi"]`).
//! Policies marked `phi-only` judge only those objects; without a configured
//! tag every object is in scope.

use safeguard_model::{Document, Map, Object, Value};

/// The tag that marks PHI data stores.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhiScope {
    pub tag: String,
    /// Values that mean PHI, compared without regard to ASCII case.
    pub values: Vec<String>,
}

/// Whether an object is marked as holding PHI.
pub(crate) enum PhiStatus {
    Marked,
    NotMarked,
    /// The tags are not known (`tags = var.tags`): the reason.
    Unknown(String),
}

impl PhiScope {
    pub(crate) fn status(&self, object: &Object, document: &Document) -> PhiStatus {
        // Resource tags (AWS, Azure) or labels (Google Cloud).
        for key in ["tags", "labels"] {
            match self.in_map(object.attrs.get(key).map(|e| &e.value.value)) {
                PhiStatus::NotMarked => {}
                decided => return decided,
            }
        }
        // The AWS provider's default_tags tag every resource it creates.
        for provider in document.objects.iter().filter(|o| o.kind == "provider") {
            let Some(Value::List(blocks)) =
                provider.attrs.get("default_tags").map(|e| &e.value.value)
            else {
                continue;
            };
            for block in blocks {
                let tags = block
                    .value
                    .as_map()
                    .and_then(|m| m.get("tags"))
                    .map(|e| &e.value.value);
                if let decided @ (PhiStatus::Marked | PhiStatus::Unknown(_)) = self.in_map(tags) {
                    return decided;
                }
            }
        }
        PhiStatus::NotMarked
    }

    fn in_map(&self, tags: Option<&Value>) -> PhiStatus {
        match tags {
            Some(Value::Map(map)) => self.in_tags(map),
            Some(Value::Unknown(u)) => {
                PhiStatus::Unknown(format!("its tags cannot be known: {}", u.reason))
            }
            _ => PhiStatus::NotMarked,
        }
    }

    fn in_tags(&self, tags: &Map) -> PhiStatus {
        match tags.get(&self.tag).map(|e| &e.value.value) {
            Some(Value::String(value))
                if self.values.iter().any(|v| v.eq_ignore_ascii_case(value)) =>
            {
                PhiStatus::Marked
            }
            Some(Value::Unknown(u)) => PhiStatus::Unknown(format!(
                "its `{}` tag cannot be known: {}",
                self.tag, u.reason
            )),
            _ => PhiStatus::NotMarked,
        }
    }
}
