//! Keeps what plugins print off newspipe's standard output.
//!
//! A plugin runs inside the newspipe process and shares its file descriptors, so a `printf` in
//! a plugin would land in the middle of `newspipe plugins inspect --json` or `validate`'s
//! report. Before the first plugin library is loaded, newspipe keeps a private copy of its
//! standard output for itself ([`stdout`]) and points descriptor 1 at its standard error, or at
//! `/dev/null` after [`discard_plugin_output`] (`run -q`). What plugins write to standard error
//! stays there, next to newspipe's own messages; plugins should log through the host instead.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

/// Whether plugins' standard output is thrown away rather than sent to standard error.
static DISCARD: AtomicBool = AtomicBool::new(false);

/// newspipe's own standard output once plugins' has been moved away (`None`: not moved, or
/// moving it failed, so descriptor 1 is still newspipe's).
static HOST_STDOUT: OnceLock<Option<std::fs::File>> = OnceLock::new();

/// Asks that plugins' standard output be discarded instead of shown on standard error; call it
/// before the first plugin loads.
pub fn discard_plugin_output() {
    DISCARD.store(true, Ordering::Relaxed);
}

/// Moves descriptor 1 away from newspipe's standard output, once, before a plugin loads.
pub(crate) fn isolate_plugin_output() {
    HOST_STDOUT.get_or_init(redirect);
}

#[cfg(unix)]
fn redirect() -> Option<std::fs::File> {
    use std::os::fd::{AsFd, AsRawFd};
    let _ = std::io::stdout().flush();
    let saved = std::io::stdout().as_fd().try_clone_to_owned().ok()?;
    let target: Box<dyn AsRawFd> = if DISCARD.load(Ordering::Relaxed) {
        Box::new(
            std::fs::File::options()
                .write(true)
                .open("/dev/null")
                .ok()?,
        )
    } else {
        Box::new(std::io::stderr())
    };
    // SAFETY: both descriptors are open; `dup2` replaces descriptor 1 atomically, and newspipe
    // writes its own output through `saved` from now on.
    if unsafe { libc::dup2(target.as_raw_fd(), libc::STDOUT_FILENO) } < 0 {
        return None;
    }
    Some(std::fs::File::from(saved))
}

#[cfg(not(unix))]
fn redirect() -> Option<std::fs::File> {
    None
}

/// Where newspipe writes its own standard output: the private copy once plugins' output has
/// been moved away, or the process's standard output.
pub fn stdout() -> Box<dyn Write> {
    match HOST_STDOUT.get() {
        Some(Some(file)) => Box::new(file),
        _ => Box::new(std::io::stdout().lock()),
    }
}
