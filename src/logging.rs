//! Logs go to a file through `tracing`, never to the terminal (the TUI owns it).

use std::fs::OpenOptions;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::sync::Mutex;
use tracing_subscriber::EnvFilter;

/// Installs the file logger. `RUST_LOG` sets the level (default `info`).
/// A log file that cannot be opened disables logging rather than failing.
pub fn init(config_dir: &std::path::Path) {
    let path = crate::paths::log_file(config_dir);
    if let Some(dir) = path.parent() {
        let _ = std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir);
    }
    let Ok(file) = OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(&path)
    else {
        return;
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(Mutex::new(file))
        .with_ansi(false)
        .try_init();
}
