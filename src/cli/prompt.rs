//! Reading what a person gives: secrets from a file, stdin, an environment
//! variable or a hidden prompt (never from the command line, where `ps` would
//! show them), the bundle passphrase, and a pasted redirect URL.

use super::failure::{Failure, exit};
use oauth_setup::signin::paste::{self, PasteError};
use secrecy::{ExposeSecret, SecretString};
use std::io::Read;
use std::path::Path;

/// Where `export` and `import` look for the bundle passphrase.
pub const PASSPHRASE_ENV: &str = "OAUTH_SETUP_PASSPHRASE";

/// Longest secret accepted from a file or stdin.
const MAX_SECRET: u64 = 16 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("cannot read {what} from {}: {source}", path.display())]
    File {
        what: String,
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("cannot read {what} from stdin: {source}")]
    Stdin {
        what: String,
        source: std::io::Error,
    },
    #[error("{what} is empty in {from}")]
    Empty { what: String, from: String },
    #[error("{what} is longer than 16 KiB in {from}; is it the right file?")]
    TooLong { what: String, from: String },
}

fn clean(raw: String, what: &str, from: &str) -> Result<SecretString, InputError> {
    // One trailing newline is how files and `echo` end; keep inner whitespace.
    let v = raw
        .strip_suffix('\n')
        .map(|s| s.strip_suffix('\r').unwrap_or(s))
        .unwrap_or(&raw);
    if v.is_empty() {
        return Err(InputError::Empty {
            what: what.into(),
            from: from.into(),
        });
    }
    Ok(SecretString::from(v.to_string()))
}

fn read_bounded(
    mut r: impl Read,
    what: &str,
    from: &str,
) -> std::io::Result<Result<String, InputError>> {
    let mut buf = String::new();
    r.by_ref().take(MAX_SECRET + 1).read_to_string(&mut buf)?;
    if buf.len() as u64 > MAX_SECRET {
        return Ok(Err(InputError::TooLong {
            what: what.into(),
            from: from.into(),
        }));
    }
    Ok(Ok(buf))
}

/// Reads a secret: `file`, else stdin when `stdin`, else `env_var`, else a
/// hidden prompt when `prompt` (the caller checks that stdin is a terminal).
pub fn read_secret(
    what: &str,
    env_var: &str,
    file: Option<&Path>,
    stdin: bool,
    prompt: bool,
) -> Result<Option<SecretString>, InputError> {
    if let Some(path) = file {
        let f = std::fs::File::open(path).map_err(|source| InputError::File {
            what: what.into(),
            path: path.into(),
            source,
        })?;
        let from = path.display().to_string();
        let raw = read_bounded(f, what, &from).map_err(|source| InputError::File {
            what: what.into(),
            path: path.into(),
            source,
        })??;
        return clean(raw, what, &from).map(Some);
    }
    if stdin {
        let raw = read_bounded(std::io::stdin().lock(), what, "stdin").map_err(|source| {
            InputError::Stdin {
                what: what.into(),
                source,
            }
        })??;
        return clean(raw, what, "stdin").map(Some);
    }
    if let Ok(v) = std::env::var(env_var)
        && !v.is_empty()
    {
        return Ok(Some(SecretString::from(v)));
    }
    if prompt {
        let v = rpassword::prompt_password(format!("{what} (hidden): ")).map_err(|source| {
            InputError::Stdin {
                what: what.into(),
                source,
            }
        })?;
        return clean(v, what, "the prompt").map(Some);
    }
    Ok(None)
}

/// The bundle passphrase: `--passphrase-file`, `OAUTH_SETUP_PASSPHRASE`, or
/// a hidden prompt when `stdin_tty` (asked twice when `confirm`).
pub fn passphrase(
    file: Option<&Path>,
    confirm: bool,
    stdin_tty: bool,
) -> Result<SecretString, Failure> {
    if let Some(p) = read_secret("passphrase", PASSPHRASE_ENV, file, false, false)? {
        return Ok(p);
    }
    if !stdin_tty {
        return Err(Failure::new(
            exit::USAGE,
            format!(
                "the bundle passphrase is needed: give --passphrase-file PATH or set {PASSPHRASE_ENV} (there is no terminal to ask on)"
            ),
        ));
    }
    let ask = |prompt: &str| {
        rpassword::prompt_password(prompt)
            .map(SecretString::from)
            .map_err(|e| Failure::new(exit::ERROR, format!("cannot read the passphrase: {e}")))
    };
    let first = ask("Bundle passphrase (hidden): ")?;
    if first.expose_secret().is_empty() {
        return Err(Failure::new(exit::USAGE, "the passphrase is empty"));
    }
    if confirm {
        let second = ask("Same passphrase again: ")?;
        let same: bool = subtle::ConstantTimeEq::ct_eq(
            first.expose_secret().as_bytes(),
            second.expose_secret().as_bytes(),
        )
        .into();
        if !same {
            return Err(Failure::new(
                exit::USAGE,
                "the two passphrases differ; nothing was written",
            ));
        }
    }
    Ok(first)
}

/// Reads the pasted redirect URL: all of stdin when it is not a terminal,
/// else a prompt that reads the line without the terminal's 4 KiB line limit.
pub fn redirect_url(stdin_tty: bool) -> Result<String, Failure> {
    if !stdin_tty {
        let mut buf = Vec::new();
        std::io::stdin()
            .lock()
            .take(paste::MAX_PASTE as u64 + 1)
            .read_to_end(&mut buf)
            .map_err(|e| Failure::new(exit::ERROR, format!("cannot read stdin: {e}")))?;
        if buf.len() > paste::MAX_PASTE {
            return Err(PasteError::TooLong.into());
        }
        return String::from_utf8(buf)
            .map_err(|_| Failure::new(exit::USAGE, "the pasted text is not UTF-8 text"));
    }
    eprintln!("Paste the whole URL the browser ended on, then press Enter:");
    tty::read_long_line(paste::MAX_PASTE).map_err(|e| match e {
        tty::LineError::Cancelled => Failure::new(exit::CANCELLED, "cancelled"),
        tty::LineError::TooLong => PasteError::TooLong.into(),
        tty::LineError::Io(e) => {
            Failure::new(exit::ERROR, format!("cannot read the terminal: {e}"))
        }
    })
}

/// Reading a long pasted line from a terminal. In canonical mode Linux cuts
/// a line at 4095 bytes, and authorization URLs can be longer, so the line
/// is read byte by byte with canonical mode and echo off, echoing ourselves.
mod tty {
    use std::io::{self, Read, Write};
    use std::os::fd::AsRawFd;

    pub enum LineError {
        Cancelled,
        TooLong,
        Io(io::Error),
    }

    struct Restore {
        fd: i32,
        saved: libc::termios,
    }

    impl Drop for Restore {
        #[allow(unsafe_code)]
        fn drop(&mut self) {
            // SAFETY: restores attributes read from the same fd.
            unsafe { libc::tcsetattr(self.fd, libc::TCSANOW, &self.saved) };
        }
    }

    /// Puts the terminal in non-canonical mode without echo until the
    /// returned guard drops.
    #[allow(unsafe_code)]
    fn raw_mode(fd: i32) -> Result<Restore, LineError> {
        // SAFETY: termios is plain data; tcgetattr fills it.
        let mut t: libc::termios = unsafe { std::mem::zeroed() };
        // SAFETY: `t` is a valid termios for tcgetattr to write.
        if unsafe { libc::tcgetattr(fd, &mut t) } != 0 {
            return Err(LineError::Io(io::Error::last_os_error()));
        }
        let restore = Restore { fd, saved: t };
        // ISIG off too, so Ctrl-C comes here as a byte and the terminal is
        // restored by the guard instead of left without echo.
        t.c_lflag &= !(libc::ICANON | libc::ECHO | libc::ISIG);
        t.c_cc[libc::VMIN] = 1;
        t.c_cc[libc::VTIME] = 0;
        // SAFETY: `t` is the terminal's own termios, modified.
        if unsafe { libc::tcsetattr(fd, libc::TCSANOW, &t) } != 0 {
            return Err(LineError::Io(io::Error::last_os_error()));
        }
        Ok(restore)
    }

    pub fn read_long_line(max: usize) -> Result<String, LineError> {
        let stdin = io::stdin();
        let _restore = raw_mode(stdin.as_raw_fd())?;
        let mut line: Vec<u8> = Vec::new();
        let mut err = io::stderr();
        let mut lock = stdin.lock();
        let mut byte = [0u8; 1];
        loop {
            match lock.read(&mut byte) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(LineError::Io(e)),
            }
            match byte[0] {
                b'\r' | b'\n' => {
                    if line.iter().all(u8::is_ascii_whitespace) {
                        line.clear();
                        continue;
                    }
                    break;
                }
                0x03 => {
                    let _ = writeln!(err);
                    return Err(LineError::Cancelled);
                }
                0x04 if line.is_empty() => break,
                0x7f | 0x08 => {
                    if line.pop().is_some() {
                        let _ = write!(err, "\x08 \x08");
                    }
                }
                b if b < 0x20 => {}
                b => {
                    if line.len() >= max {
                        let _ = writeln!(err);
                        return Err(LineError::TooLong);
                    }
                    line.push(b);
                    let _ = err.write_all(&[b]);
                }
            }
            let _ = err.flush();
        }
        let _ = writeln!(err);
        Ok(String::from_utf8_lossy(&line).into_owned())
    }
}
