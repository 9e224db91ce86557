//! Keeping the cache from growing without bound. Every rebuilt binary,
//! changed policy or edited module makes new entries, and the old ones are
//! never asked for again; CI systems restore and save the whole directory.
//! So an entry unused for [`MAX_AGE`] is deleted. A hit refreshes its
//! entry's modification time when that is over a day old (one syscall a
//! day per entry, not one per hit), and the directory is swept at most
//! once a day, after a run's lookups, so nothing this run used is swept.
//! Old format directories are swept alike and removed once empty.
//!
//! The directory is in the scanned tree: nothing here follows a link, and
//! only plain files and empty format directories are removed.

use std::fs;
use std::path::Path;
use std::time::{Duration, SystemTime};

const DAY: Duration = Duration::from_secs(24 * 60 * 60);

/// Entries (and leftover temporary files) unused this long are deleted.
pub(crate) const MAX_AGE: Duration = Duration::from_secs(30 * 24 * 60 * 60);

/// The sweep's marker in the cache directory: its modification time is
/// the last sweep's.
pub(crate) const MARKER: &str = ".last-sweep";

/// Marks an entry just read as used, through the handle it was read by,
/// when its modification time is over a day old. Failures are ignored: the
/// entry is then swept early at worst, and computed again.
pub(crate) fn refresh(entry: &fs::File, modified: Option<SystemTime>, now: SystemTime) {
    if older_than(modified, now, DAY) {
        let _ = entry.set_modified(now);
    }
}

/// Sweeps `cache_dir` when the last sweep is over a day old (or never
/// ran): deletes entries unused for [`MAX_AGE`] in every format directory
/// and removes format directories left empty, except `current`.
pub(crate) fn sweep_if_due(cache_dir: &Path, current: &str, now: SystemTime) {
    let marker = cache_dir.join(MARKER);
    match fs::symlink_metadata(&marker) {
        Ok(meta) if !meta.is_file() => return,
        Ok(meta) if !older_than(meta.modified().ok(), now, DAY) => return,
        _ => {}
    }
    // The marker first: two runs at once then rarely both sweep, and a
    // sweep that fails part-way is not retried on every run. Written like
    // an entry, never through a link.
    let temp = cache_dir.join(format!("{MARKER}.{}.tmp", std::process::id()));
    if !super::replace_file(&temp, &marker, &[]) {
        return;
    }
    let Ok(dirs) = fs::read_dir(cache_dir) else {
        return;
    };
    for dir in dirs.flatten() {
        let name = dir.file_name();
        let Some(name) = name.to_str() else { continue };
        if !name.starts_with("safeguard-cache-") {
            continue;
        }
        let path = dir.path();
        // A link placed here is not followed into another directory.
        if !fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir()) {
            continue;
        }
        sweep_entries(&path, now);
        if name != current {
            // Only succeeds once the directory is empty.
            let _ = fs::remove_dir(&path);
        }
    }
}

fn sweep_entries(dir: &Path, now: SystemTime) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(meta) = fs::symlink_metadata(&path) else {
            continue;
        };
        if meta.is_file() && older_than(meta.modified().ok(), now, MAX_AGE) {
            let _ = fs::remove_file(&path);
        }
    }
}

/// `true` when `time` is more than `age` before `now`; an unknown time
/// counts as old, a time in the future as new.
fn older_than(time: Option<SystemTime>, now: SystemTime, age: Duration) -> bool {
    match time {
        None => true,
        Some(time) => now.duration_since(time).is_ok_and(|elapsed| elapsed > age),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn age_is_measured_from_now_and_unknown_times_are_old() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(100 * 86_400);
        assert!(older_than(None, now, DAY));
        assert!(older_than(Some(now - 2 * DAY), now, DAY));
        assert!(!older_than(Some(now - DAY / 2), now, DAY));
        assert!(!older_than(Some(now + DAY), now, DAY));
        assert!(!older_than(Some(now - 29 * DAY), now, MAX_AGE));
        assert!(older_than(Some(now - 31 * DAY), now, MAX_AGE));
    }
}
