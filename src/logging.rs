//! Logs go to a file through `tracing`, never to the terminal (the TUI owns it).

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard, OnceLock};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

/// Installs the file logger. `RUST_LOG` sets the level (default `info`).
/// The file (and its directory) is opened at the first event, not here: a
/// cached `token` logs nothing and so pays for no directory or open call.
/// A log file that cannot be opened disables logging rather than failing.
pub fn init(config_dir: &std::path::Path) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(LazyFile::new(crate::paths::log_file(config_dir)))
        .with_ansi(false)
        .try_init();
}

/// The log file, opened for appending on first use; `None` once opening
/// failed (then events are dropped, as before the first one).
struct LazyFile {
    path: PathBuf,
    file: OnceLock<Option<Mutex<File>>>,
}

impl LazyFile {
    fn new(path: PathBuf) -> Self {
        Self {
            path,
            file: OnceLock::new(),
        }
    }

    fn open(&self) -> Option<Mutex<File>> {
        if let Some(dir) = self.path.parent() {
            let _ = std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir);
        }
        OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(&self.path)
            .ok()
            .map(Mutex::new)
    }
}

impl<'a> MakeWriter<'a> for LazyFile {
    type Writer = LogWriter<'a>;

    fn make_writer(&'a self) -> Self::Writer {
        let file = self.file.get_or_init(|| self.open()).as_ref();
        // A poisoned lock only means another thread panicked mid-line.
        LogWriter(file.map(|m| m.lock().unwrap_or_else(|p| p.into_inner())))
    }
}

/// One event's writer: the locked file, or nowhere.
struct LogWriter<'a>(Option<MutexGuard<'a, File>>);

impl Write for LogWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.0 {
            Some(f) => f.write(buf),
            None => Ok(buf.len()),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.0 {
            Some(f) => f.flush(),
            None => Ok(()),
        }
    }
}
