//! Atomic output files: written to a temporary file beside the target, renamed into place only
//! when complete, so a crash never leaves half a file.

use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc;

use tempfile::NamedTempFile;

/// Bytes handed to the system between two requests to sync them ([`AtomicFile`]'s early
/// sync).
const SYNC_STEP: u64 = 8 << 20;

/// A file being written; it appears at its path only on [`commit`](Self::commit). Dropped
/// without a commit, it leaves nothing behind.
///
/// Once it has handed the system [`SYNC_STEP`] bytes, a thread of its own syncs what it was
/// given so far, again after every further step, while the run goes on: the sync at the
/// commit, serial work at the end of every run, then waits for the last few megabytes only.
/// It waits on the disk, not on a core, and a disk whose flush costs in proportion to what
/// it holds (a virtual machine's) would otherwise make the run wait for the whole file there.
pub struct AtomicFile {
    path: PathBuf,
    writer: BufWriter<NamedTempFile>,
    /// Bytes written so far.
    written: u64,
    /// Bytes whose sync was asked for.
    sync_asked: u64,
    /// The thread syncing the file early, once there is one.
    syncer: Option<EarlySync>,
}

/// A thread that syncs a file each time it is asked (several requests waiting are one
/// sync) until the requests end; it returns the first error.
struct EarlySync {
    requests: mpsc::Sender<()>,
    thread: std::thread::JoinHandle<io::Result<()>>,
}

impl EarlySync {
    /// Starts the thread, with its own handle on the file.
    fn start(file: &fs::File) -> io::Result<Self> {
        let file = file.try_clone()?;
        let (requests, asked) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("newspipe-sync".into())
            .spawn(move || {
                while asked.recv().is_ok() {
                    while asked.try_recv().is_ok() {}
                    file.sync_data()?;
                }
                Ok(())
            })?;
        Ok(Self { requests, thread })
    }

    /// Asks for a sync; a thread that stopped on an error has it waiting for [`Self::finish`].
    fn ask(&self) {
        let _ = self.requests.send(());
    }

    /// Ends the requests and waits for the syncs asked for; the first error of any.
    fn finish(self) -> io::Result<()> {
        drop(self.requests);
        match self.thread.join() {
            Ok(synced) => synced,
            Err(panic) => std::panic::resume_unwind(panic),
        }
    }
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
            sync_asked: 0,
            syncer: None,
        })
    }

    /// Asks the file's syncing thread (started at the first request) to sync what the system
    /// holds, once it holds [`SYNC_STEP`] bytes more than at the last request. Only a speed-up:
    /// a thread that cannot be started leaves the whole sync to [`Self::close`].
    fn sync_early(&mut self) {
        let handed = self.written - self.writer.buffer().len() as u64;
        if handed - self.sync_asked < SYNC_STEP {
            return;
        }
        if self.syncer.is_none() {
            self.syncer = EarlySync::start(self.writer.get_ref().as_file()).ok();
        }
        if let Some(syncer) = &self.syncer {
            syncer.ask();
        }
        self.sync_asked = handed;
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
        if let Some(syncer) = self.syncer {
            syncer
                .finish()
                .map_err(|err| annotate(err, "cannot write", &path))?;
        }
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
        self.sync_early();
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
    fn a_file_synced_early_is_whole_and_asks_once_a_step() {
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
            // the syncing thread starts with the first request
            assert_eq!(file.syncer.is_some(), file.sync_asked > 0);
            if asked.last() != Some(&file.sync_asked) {
                // a request covers what the system holds, not the bytes still buffered
                assert_eq!(
                    file.sync_asked,
                    file.written - file.writer.buffer().len() as u64
                );
                asked.push(file.sync_asked);
            }
        }
        assert!(expected.len() as u64 > 3 * SYNC_STEP);
        // a request every step or so
        assert!(asked.len() as u64 >= expected.len() as u64 / (SYNC_STEP + (1 << 20)));
        for pair in asked.windows(2) {
            assert!(pair[1] - pair[0] >= SYNC_STEP, "{pair:?}");
        }
        assert_eq!(file.written, expected.len() as u64);
        file.commit().unwrap();
        assert!(fs::read(&target).unwrap() == expected);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn an_early_sync_that_fails_says_so_when_it_finishes() {
        // a pipe cannot be synced: the thread's error must reach the one who closes the file
        let (_reader, writer) = std::io::pipe().unwrap();
        let pipe = fs::File::from(std::os::fd::OwnedFd::from(writer));
        let syncer = EarlySync::start(&pipe).unwrap();
        syncer.ask();
        syncer.ask();
        let err = syncer.finish().unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{err}");
        // a file syncs
        let dir = tempfile::tempdir().unwrap();
        let file = fs::File::create(dir.path().join("f")).unwrap();
        let syncer = EarlySync::start(&file).unwrap();
        syncer.ask();
        syncer.finish().unwrap();
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
