//! Atomic output files: written to a temporary file beside the target, renamed into place only
//! when complete, so a crash never leaves half a file.

use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

/// Bytes handed to the system between two requests to start writing them to disk
/// ([`AtomicFile`]'s early writeback).
const WRITEBACK_STEP: u64 = 8 << 20;

/// A file being written; it appears at its path only on [`commit`](Self::commit). Dropped
/// without a commit, it leaves nothing behind.
///
/// On Linux, every [`WRITEBACK_STEP`] bytes it asks the kernel to start writing what it was
/// given so far (`sync_file_range`, which does not wait), so the disk works while the run
/// does and the sync at the commit waits for the last few megabytes only, not for the whole
/// file: that sync is serial work at the end of every run.
pub struct AtomicFile {
    path: PathBuf,
    writer: BufWriter<NamedTempFile>,
    /// Bytes written so far.
    written: u64,
    /// Bytes whose writeback was asked for.
    hinted: u64,
}

impl AtomicFile {
    /// Starts writing `path`, creating its folder if missing. Fails now, before any work, if the
    /// folder cannot be created or written.
    pub fn create(path: &Path) -> io::Result<Self> {
        let dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        fs::create_dir_all(dir).map_err(|err| annotate(err, "cannot create folder", dir))?;
        let prefix = temp_file_prefix();
        let mut builder = tempfile::Builder::new();
        builder.prefix(&prefix).suffix(".tmp");
        // An output is shared like any file the user writes (mode 0666 less the umask), not
        // private like a temporary file.
        #[cfg(unix)]
        builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
        let temp = builder
            .tempfile_in(dir)
            .map_err(|err| annotate(err, "cannot write in folder", dir))?;
        Ok(Self {
            path: path.to_path_buf(),
            writer: BufWriter::with_capacity(1 << 20, temp),
            written: 0,
            hinted: 0,
        })
    }

    /// Asks the kernel to start writing the bytes it holds since the last request, once there
    /// are [`WRITEBACK_STEP`] of them; a hint only, so a failure is ignored (the sync at the
    /// commit reports any error that matters).
    fn start_writeback(&mut self) {
        let handed = self.written - self.writer.buffer().len() as u64;
        if handed - self.hinted < WRITEBACK_STEP {
            return;
        }
        #[cfg(target_os = "linux")]
        {
            use std::os::fd::AsRawFd;
            let (Ok(offset), Ok(length)) = (
                libc::off64_t::try_from(self.hinted),
                libc::off64_t::try_from(handed - self.hinted),
            ) else {
                return;
            };
            let fd = self.writer.get_ref().as_file().as_raw_fd();
            // SAFETY: `fd` is the open descriptor of the temporary file this value owns, and
            // the call reads no memory of ours.
            unsafe { libc::sync_file_range(fd, offset, length, libc::SYNC_FILE_RANGE_WRITE) };
        }
        self.hinted = handed;
    }

    /// The final path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Flushes, syncs and renames the file into place.
    pub fn commit(self) -> io::Result<()> {
        self.close()?.commit()
    }

    /// Flushes, syncs and closes the file, still under its temporary name: for a file that is
    /// complete but must appear together with others written after it. Holds no descriptor.
    pub fn close(self) -> io::Result<PendingFile> {
        let path = self.path;
        let temp = self
            .writer
            .into_inner()
            .map_err(|err| annotate(err.into_error(), "cannot write", &path))?;
        temp.as_file()
            .sync_all()
            .map_err(|err| annotate(err, "cannot write", &path))?;
        Ok(PendingFile {
            path,
            temp: temp.into_temp_path(),
        })
    }
}

/// Closes several files at once ([`AtomicFile::close`]), each synced on its own thread: a sync
/// waits on the disk, not on a core, so the waits overlap instead of adding up (a CSV export
/// syncs fourteen files). The first error, in the files' order, is returned.
pub fn close_all(files: Vec<AtomicFile>) -> io::Result<Vec<PendingFile>> {
    std::thread::scope(|scope| {
        let closing: Vec<_> = files
            .into_iter()
            .map(|file| scope.spawn(move || file.close()))
            .collect();
        closing
            .into_iter()
            .map(|handle| match handle.join() {
                Ok(closed) => closed,
                Err(panic) => std::panic::resume_unwind(panic),
            })
            .collect()
    })
}

/// A complete file under its temporary name ([`AtomicFile::close`]); it appears at its path
/// on [`commit`](Self::commit), and dropped without a commit, it leaves nothing behind.
pub struct PendingFile {
    path: PathBuf,
    temp: tempfile::TempPath,
}

impl PendingFile {
    /// The final path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Renames the file into place.
    pub fn commit(self) -> io::Result<()> {
        let path = self.path;
        self.temp
            .persist(&path)
            .map_err(|err| annotate(err.error, "cannot rename into", &path))
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let wrote = self.writer.write(buf)?;
        self.written += wrote as u64;
        self.start_writeback();
        Ok(wrote)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.writer.flush()
    }
}

/// The start of the name of every temporary output file of this process,
/// `.newspipe-<pid>-`: the process id lets a later run tell the files of a run that was
/// killed (its process is gone) from those of a run still going.
pub fn temp_file_prefix() -> String {
    format!(".newspipe-{}-", std::process::id())
}

fn annotate(err: io::Error, what: &str, path: &Path) -> io::Error {
    io::Error::new(err.kind(), format!("{what} {}: {err}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_appears_until_commit() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("sub/out.jsonl");
        let mut file = AtomicFile::create(&target).unwrap();
        file.write_all(b"line\n").unwrap();
        assert!(!target.exists());
        file.commit().unwrap();
        assert_eq!(fs::read_to_string(&target).unwrap(), "line\n");
    }

    #[cfg(unix)]
    #[test]
    fn outputs_are_as_readable_as_any_file_the_user_writes() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("plain");
        fs::write(&plain, "x").unwrap();
        let target = dir.path().join("out.jsonl");
        AtomicFile::create(&target).unwrap().commit().unwrap();
        let mode = |path: &Path| fs::metadata(path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&target), mode(&plain));
    }

    #[test]
    fn files_closed_together_keep_their_order_and_appear_on_commit() {
        let dir = tempfile::tempdir().unwrap();
        let targets: Vec<PathBuf> = (0..5)
            .map(|n| dir.path().join(format!("t{n}.csv")))
            .collect();
        let files = targets
            .iter()
            .enumerate()
            .map(|(n, target)| {
                let mut file = AtomicFile::create(target).unwrap();
                write!(file, "table {n}").unwrap();
                file
            })
            .collect();
        let closed = close_all(files).unwrap();
        assert!(targets.iter().all(|target| !target.exists()));
        for (n, (file, target)) in closed.into_iter().zip(&targets).enumerate() {
            assert_eq!(file.path(), target.as_path());
            file.commit().unwrap();
            assert_eq!(fs::read_to_string(target).unwrap(), format!("table {n}"));
        }
    }

    #[test]
    fn a_file_written_back_early_is_whole_and_asks_once_a_step() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("big.jsonl");
        let mut file = AtomicFile::create(&target).unwrap();
        // lines of odd lengths, so the steps fall inside writes and inside the buffer
        let expected: Vec<u8> = (0..500_000u32)
            .flat_map(|n| {
                format!(
                    "{{\"n\":{n},\"pad\":\"{}\"}}\n",
                    "x".repeat((n % 97) as usize)
                )
                .into_bytes()
            })
            .collect();
        let mut asked = Vec::new();
        for line in expected.split_inclusive(|&b| b == b'\n') {
            file.write_all(line).unwrap();
            if asked.last() != Some(&file.hinted) {
                // a request covers what the system holds, not the bytes still buffered
                assert_eq!(
                    file.hinted,
                    file.written - file.writer.buffer().len() as u64
                );
                asked.push(file.hinted);
            }
        }
        assert!(expected.len() as u64 > 3 * WRITEBACK_STEP);
        // a request every step or so
        assert!(asked.len() as u64 >= expected.len() as u64 / (WRITEBACK_STEP + (1 << 20)));
        for pair in asked.windows(2) {
            assert!(pair[1] - pair[0] >= WRITEBACK_STEP, "{pair:?}");
        }
        assert_eq!(file.written, expected.len() as u64);
        file.commit().unwrap();
        assert!(fs::read(&target).unwrap() == expected);
    }

    #[test]
    fn an_abandoned_file_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.jsonl");
        let mut file = AtomicFile::create(&target).unwrap();
        file.write_all(b"half").unwrap();
        drop(file);
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
