//! The page the browser is opened with: a file only this user can read, in
//! a directory only this user can enter, that sends the browser on to the
//! one-time start link. Any user can read a process's arguments
//! (`/proc/PID/cmdline`, `ps`): the browser's hold the page's path, never
//! the link. The directory goes when the sign-in's wait ends.

use std::io::Write;
use std::path::{Path, PathBuf};

pub struct StartPage {
    dir: tempfile::TempDir,
}

impl StartPage {
    /// Writes the page that redirects to `link` (an http URL serialised by
    /// the URL parser: no quote or angle bracket in it).
    pub fn write(link: &str) -> std::io::Result<Self> {
        let dir = tempfile::Builder::new()
            .prefix("oauth-setup-")
            .tempdir_in(base_dir())?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700))?;
        }
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(dir.path().join("sign-in.html"))?;
        file.write_all(html(link).as_bytes())?;
        file.sync_all()?;
        Ok(Self { dir })
    }

    pub fn path(&self) -> PathBuf {
        self.dir.path().join("sign-in.html")
    }
}

/// `$XDG_RUNTIME_DIR` (this user's own tmpfs) when there is one, else the
/// temporary directory.
fn base_dir() -> PathBuf {
    std::env::var_os("XDG_RUNTIME_DIR")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute() && p.is_dir())
        .unwrap_or_else(std::env::temp_dir)
}

fn html(link: &str) -> String {
    let link = escape(link);
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n\
         <meta http-equiv=\"refresh\" content=\"0; url={link}\">\n\
         <meta name=\"referrer\" content=\"no-referrer\">\n\
         <title>oauth-setup: Signing in</title></head>\n\
         <body><p>Taking you to the sign-in page… If nothing happens, \
         <a href=\"{link}\">continue</a>.</p></body></html>\n"
    )
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

impl std::fmt::Debug for StartPage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StartPage")
            .field("dir", &Path::new(self.dir.path()))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_this_user_can_read_the_page_and_it_goes_with_the_wait() {
        let page = StartPage::write("http://127.0.0.1:9/start/abc").unwrap();
        let path = page.path();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("content=\"0; url=http://127.0.0.1:9/start/abc\""));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&path), 0o600);
            assert_eq!(mode(path.parent().unwrap()), 0o700);
        }
        drop(page);
        assert!(!path.exists());
    }
}
