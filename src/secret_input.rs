//! Secrets come from a file, stdin, an environment variable or a hidden
//! prompt: never from the command line, where `ps` would show them.

use secrecy::SecretString;
use std::io::{IsTerminal, Read};
use std::path::Path;

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
/// hidden prompt when `prompt` is set and stdin is a terminal.
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
    if prompt && std::io::stdin().is_terminal() {
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
