//! Logs go to a file through `tracing`, never to the terminal (the TUI owns it).

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard, OnceLock};
use tracing::level_filters::LevelFilter;
use tracing::subscriber::{Interest, Subscriber};
use tracing::{Event, Metadata, span};
use tracing_subscriber::filter::Targets;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Installs the file logger. `RUST_LOG` sets the level (default `info`),
/// as a level or `target=level` list (`debug`, `oauth_setup=trace,info`);
/// one that does not parse gives the default.
/// The subscriber is built at the first event (and the file, with its
/// directory, opened then), not here: a cached `token` logs nothing and so
/// pays for neither the registry's allocation nor an open call.
/// A log file that cannot be opened disables logging rather than failing.
pub fn init(config_dir: &std::path::Path) {
    init_at(crate::paths::log_file(config_dir));
}

fn init_at(log_file: PathBuf) {
    let filter = std::env::var("RUST_LOG")
        .ok()
        .filter(|v| !v.trim().is_empty())
        .and_then(|v| v.parse::<Targets>().ok())
        .unwrap_or_else(|| Targets::new().with_default(LevelFilter::INFO));
    let max_level = filter
        .iter()
        .map(|(_, level)| level)
        .chain(filter.default_level())
        .max();
    let deferred = Deferred {
        max_level: max_level.unwrap_or(LevelFilter::OFF),
        filter,
        log_file,
        inner: OnceLock::new(),
    };
    // As the fmt subscriber's own `try_init`: also the bridge that brings
    // `log` records (reqwest, rustls) into tracing.
    let _ = deferred.try_init();
}

/// The `fmt` subscriber, made when tracing first asks anything of it.
/// Tracing asks only at a callsite the level hint lets through, so a run
/// that reaches no such callsite never builds it. The inner subscriber is
/// called directly, not through a `Dispatch` of its own: registering one
/// asks every dispatcher, this one included, about every callsite again,
/// from inside this one's first use.
struct Deferred {
    max_level: LevelFilter,
    filter: Targets,
    log_file: PathBuf,
    inner: OnceLock<Box<dyn Subscriber + Send + Sync>>,
}

impl Deferred {
    fn get(&self) -> &(dyn Subscriber + Send + Sync) {
        self.inner
            .get_or_init(|| {
                Box::new(
                    tracing_subscriber::registry()
                        .with(
                            tracing_subscriber::fmt::layer()
                                .with_writer(LazyFile::new(self.log_file.clone()))
                                .with_ansi(false),
                        )
                        .with(self.filter.clone()),
                )
            })
            .as_ref()
    }
}

impl Subscriber for Deferred {
    fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
        self.get().register_callsite(metadata)
    }
    fn max_level_hint(&self) -> Option<LevelFilter> {
        Some(self.max_level)
    }
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        self.get().enabled(metadata)
    }
    fn event_enabled(&self, event: &Event<'_>) -> bool {
        self.get().event_enabled(event)
    }
    fn new_span(&self, span: &span::Attributes<'_>) -> span::Id {
        self.get().new_span(span)
    }
    fn record(&self, span: &span::Id, values: &span::Record<'_>) {
        self.get().record(span, values);
    }
    fn record_follows_from(&self, span: &span::Id, follows: &span::Id) {
        self.get().record_follows_from(span, follows);
    }
    fn event(&self, event: &Event<'_>) {
        self.get().event(event);
    }
    fn enter(&self, span: &span::Id) {
        self.get().enter(span);
    }
    fn exit(&self, span: &span::Id) {
        self.get().exit(span);
    }
    fn clone_span(&self, id: &span::Id) -> span::Id {
        self.get().clone_span(id)
    }
    fn try_close(&self, id: span::Id) -> bool {
        self.get().try_close(id)
    }
    fn current_span(&self) -> tracing_core::span::Current {
        self.get().current_span()
    }
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

#[cfg(test)]
mod tests {
    use std::sync::mpsc;
    use std::time::Duration;

    /// The first event builds the subscriber and reaches the file; the
    /// build must not ask the deferred subscriber again (it deadlocked).
    #[test]
    fn the_first_event_builds_the_logger_and_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("logs").join("oauth-setup.log");
        super::init_at(file.clone());
        let (done, wait) = mpsc::channel();
        std::thread::spawn(move || {
            tracing::info!(answer = 42, "first event");
            tracing::debug!("below the default level");
            done.send(()).unwrap();
        });
        wait.recv_timeout(Duration::from_secs(10))
            .expect("logging the first event returns");
        let log = std::fs::read_to_string(&file).unwrap();
        assert!(
            log.contains("first event") && log.contains("answer=42"),
            "{log}"
        );
        if std::env::var_os("RUST_LOG").is_none() {
            assert!(!log.contains("below the default level"), "{log}");
        }
    }
}
