//! Stopping a run cleanly on Ctrl-C or SIGTERM, and cleaning up after runs that could not stop
//! cleanly (`kill -9`).
//!
//! The binary's signal handler calls [`request_stop`]; the run checks [`stop_requested`]
//! between batches and stages and returns [`crate::RunError::Interrupted`], which drops every
//! temporary output file of the run (they delete themselves) and commits none: the previous
//! outputs stay as they were.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

static STOP: AtomicBool = AtomicBool::new(false);

/// Asks the run in progress to stop at the next batch or stage; returns whether a stop had
/// already been asked for (a second Ctrl-C).
pub fn request_stop() -> bool {
    STOP.swap(true, Ordering::SeqCst)
}

/// Whether a stop was asked for.
pub fn stop_requested() -> bool {
    STOP.load(Ordering::Relaxed)
}

/// Removes the temporary output files (`.newspipe-<pid>-*.tmp`) in `folders` whose process is
/// gone: what a run killed with SIGKILL leaves behind. Files of live processes (another run
/// writing into the same folder) are left alone. Returns the files removed. Where process ids
/// cannot be checked (no `/proc`), nothing is removed.
pub fn remove_stale_temp_files(folders: &[PathBuf]) -> Vec<PathBuf> {
    let proc = Path::new("/proc");
    if !proc.join("self").exists() {
        return Vec::new();
    }
    let mut removed = Vec::new();
    for folder in folders {
        let Ok(entries) = std::fs::read_dir(folder) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(pid) = name.to_str().and_then(owner_pid) else {
                continue;
            };
            if pid != std::process::id() && !proc.join(pid.to_string()).exists() {
                let path = entry.path();
                if std::fs::remove_file(&path).is_ok() {
                    tracing::info!(file = %path.display(), pid, "Removed a temporary file of a run that is gone.");
                    removed.push(path);
                }
            }
        }
    }
    removed
}

/// The process id in a temporary output file's name, `.newspipe-<pid>-<random>[.db].tmp`.
fn owner_pid(name: &str) -> Option<u32> {
    let rest = name.strip_prefix(".newspipe-")?;
    if !rest.ends_with(".tmp") {
        return None;
    }
    let (pid, _) = rest.split_once('-')?;
    pid.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_owner_is_read_from_the_name() {
        assert_eq!(owner_pid(".newspipe-4242-a1B2c3.tmp"), Some(4242));
        assert_eq!(owner_pid(".newspipe-4242-a1B2c3.db.tmp"), Some(4242));
        assert_eq!(owner_pid(".newspipe-a1B2c3.tmp"), None);
        assert_eq!(owner_pid(".newspipe-4242-a1B2c3"), None);
        assert_eq!(owner_pid("report.html"), None);
    }
}
