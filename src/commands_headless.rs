//! Commands for machines without a browser: `auth-url` / `exchange` (paste
//! flow), `export` / `import` (bundles, env, Kubernetes Secret).

use crate::cli::{AuthUrlArgs, ExchangeArgs, ExportArgs, ExportFormat, ImportArgs, LoginArgs};
use crate::commands::{
    Ctx, Failure, exit, expiry_text, login_input, print_json, runtime, status_json,
};
use crate::export::bundle::{self, BundleError};
use crate::export::connection_string;
use crate::oauth::LoginEvent;
use crate::oauth::loopback::Callback;
use crate::secret_input;
use crate::settings::{self, Settings};
use crate::signin::LoginError;
use crate::signin::paste::{self, PasteError};
use crate::signin::pending::{self, PendingError};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

pub const PASSPHRASE_ENV: &str = "OAUTH_SETUP_PASSPHRASE";

impl From<PendingError> for Failure {
    fn from(e: PendingError) -> Self {
        let code = match &e {
            PendingError::NotFound { .. } | PendingError::Expired { .. } => exit::SIGN_IN_NEEDED,
            PendingError::Unreadable { .. } | PendingError::Settings(_) => exit::SETTINGS,
        };
        Failure::new(code, e)
    }
}

impl From<PasteError> for Failure {
    fn from(e: PasteError) -> Self {
        Failure::new(exit::USAGE, e)
    }
}

impl From<BundleError> for Failure {
    fn from(e: BundleError) -> Self {
        let code = match &e {
            BundleError::WeakPassphrase => exit::USAGE,
            BundleError::Encrypt(_) => exit::ERROR,
            _ => exit::SETTINGS,
        };
        Failure::new(code, e)
    }
}

fn default_settings_path(ctx: &Ctx, provider: &str) -> PathBuf {
    crate::paths::settings_file(&ctx.config_dir, provider)
}

/// `auth-url` resolves exactly as `login` does; the options only `login`
/// has keep their defaults.
fn as_login_args(a: AuthUrlArgs) -> LoginArgs {
    LoginArgs {
        sign_in: a.sign_in,
        settings: None,
        force: false,
        username: None,
        password_file: None,
        password_stdin: false,
        store_password: false,
        event_id: None,
        token_file: None,
        token_stdin: false,
        no_browser: true,
        timeout: 300,
        json: a.json,
    }
}

pub fn auth_url(ctx: &Ctx, args: AuthUrlArgs) -> Result<(), Failure> {
    let json_out = args.json;
    let profiles = ctx.profiles()?;
    let input = login_input(ctx, &as_login_args(args), &profiles)?;
    // The key first: the pending state is useless if it cannot be sealed.
    let key = ctx.key()?;
    let dir = crate::paths::pending_dir(&ctx.config_dir);
    pending::cleanup(&dir);
    let rt = runtime()?;
    let started = rt.block_on(async {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let printer = tokio::spawn(async move {
            while let Some(ev) = rx.recv().await {
                if let LoginEvent::Discovering { issuer } = ev {
                    eprintln!("Reading the server's metadata from {issuer}");
                }
            }
        });
        let http = crate::http::client();
        let out = paste::start(&input, &profiles, &http, &tx).await;
        drop(tx);
        let _ = printer.await;
        out
    })?;
    pending::save(&dir, &key, &started.pending)?;
    let p = &started.pending;
    let minutes = pending::ttl().as_secs().div_ceil(60);
    if json_out {
        print_json(&json!({
            "url": started.url,
            "state": p.state.expose_secret(),
            "redirect_uri": p.redirect_uri,
            "expires_at": p.expires_at,
        }));
    } else {
        println!("{}", started.url);
    }
    let mut err = std::io::stderr().lock();
    let _ = writeln!(
        err,
        "\nOpen the URL above in a browser on any machine and sign in (valid {minutes} min).\n\
         The browser then goes to {redirect} — that page may fail to load; that is expected.\n\
         Copy the whole address from the browser's address bar, then run here:\n\n  \
         oauth-setup exchange --settings {settings}\n\n\
         and paste it (or pipe it: `echo 'URL' | oauth-setup exchange --settings …`).",
        redirect = p.redirect_uri,
        settings = default_settings_path(ctx, &p.meta.provider).display(),
    );
    drop(err);
    crate::headless::qr::print_if_terminal(&started.url);
    Ok(())
}

/// Reads the pasted redirect URL: stdin when it is not a terminal, else a
/// prompt that reads the line without the terminal's 4 KiB line limit.
fn read_redirect_url() -> Result<String, Failure> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        let mut buf = Vec::new();
        stdin
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

pub fn exchange(ctx: &Ctx, args: ExchangeArgs) -> Result<(), Failure> {
    let key = ctx.key()?;
    let dir = crate::paths::pending_dir(&ctx.config_dir);
    let query = match (&args.verifier, &args.state) {
        (Some(code), Some(state)) => paste::query_from_parts(code, state),
        _ => paste::query_of(&read_redirect_url()?)?,
    };
    let state = paste::state_of(&query).ok_or(PasteError::NoState)?;
    let loaded = pending::load(&dir, &key, &state);
    pending::cleanup(&dir);
    let p = loaded?;
    let callback = paste::check(&query, &p)?;
    let now = crate::settings::now_unix();
    if now >= p.expires_at {
        pending::remove(&dir, &state);
        return Err(PendingError::Expired {
            age: now - p.created_at,
        }
        .into());
    }
    let code = match callback {
        Callback::Code(code) => code,
        Callback::Denied { error, description } => {
            pending::remove(&dir, &state);
            return Err(Failure::new(
                exit::REFUSED,
                format!(
                    "the provider did not grant access: {error}{}. Nothing was written. To try again, run `oauth-setup auth-url` and approve the access in the browser",
                    description.map(|d| format!(" ({d})")).unwrap_or_default()
                ),
            ));
        }
    };
    let path = args
        .settings
        .clone()
        .unwrap_or_else(|| default_settings_path(ctx, &p.meta.provider));
    // Refuse before spending the single-use code.
    if let Some(e) = crate::commands::unreadable_existing(&path, &key, args.force) {
        return Err(Failure::new(
            exit::SETTINGS,
            format!(
                "{e}\nThe existing file is kept, and the pasted URL is still usable for {} s: run exchange again with another --settings path, or with --force to replace it.",
                p.expires_at - now
            ),
        ));
    }
    eprintln!("Requesting the token…");
    let rt = runtime()?;
    let http = crate::http::client();
    let s = match rt.block_on(paste::finish(&http, &p, &code)) {
        Ok(s) => s,
        Err(e) => {
            let network = matches!(e, crate::oauth::TokenError::Transport(_));
            if !network {
                // The server has seen the code: it is spent whatever it said.
                pending::remove(&dir, &state);
            }
            let f = Failure::from(LoginError::Token(e));
            let next = if network {
                "Check the network and run the same exchange again (the pasted URL stays usable until it expires)"
            } else {
                "Start again with `oauth-setup auth-url`"
            };
            return Err(Failure::new(f.code, format!("{}\n{next}.", f.message)));
        }
    };
    let write = if args.force {
        settings::write_replacing_unreadable
    } else {
        settings::write
    };
    write(&path, &key, &s)?;
    pending::remove(&dir, &state);
    finish_report(ctx, &s, &path, args.json, "Signed in");
    Ok(())
}

fn finish_report(ctx: &Ctx, s: &Settings, path: &Path, json_out: bool, what: &str) {
    if json_out {
        print_json(&status_json(s, path, ctx));
    } else {
        eprintln!(
            "{what}: {} ({}). {}",
            s.meta.provider,
            s.meta.scheme,
            expiry_text(s)
        );
        eprintln!("Settings written to {}", path.display());
        eprintln!(
            "Get a token with:  oauth-setup token --settings {}",
            path.display()
        );
    }
}

/// The bundle passphrase: `--passphrase-file`, `OAUTH_SETUP_PASSPHRASE`, or
/// a hidden prompt (asked twice when `confirm`).
fn passphrase(file: Option<&Path>, confirm: bool) -> Result<SecretString, Failure> {
    if let Some(p) = secret_input::read_secret("passphrase", PASSPHRASE_ENV, file, false, false)? {
        return Ok(p);
    }
    if !std::io::stdin().is_terminal() {
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

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

pub fn export(ctx: &Ctx, args: ExportArgs) -> Result<(), Failure> {
    let path = &args.file.settings;
    let key = ctx.key()?;
    let s = settings::read(path, &key)?;
    match args.format {
        ExportFormat::Bundle => export_bundle(&s, path, &args),
        ExportFormat::Env => {
            print!("{}", env_text(ctx, &s, path, &key, &args));
            Ok(())
        }
        ExportFormat::K8sSecret => {
            print!("{}", k8s_text(ctx, &s, path, &key, &args)?);
            Ok(())
        }
    }
}

fn export_bundle(s: &Settings, path: &Path, args: &ExportArgs) -> Result<(), Failure> {
    let out = args
        .out
        .as_deref()
        .ok_or_else(|| Failure::new(exit::USAGE, "give --out FILE for the bundle"))?;
    if same_file(out, path) {
        return Err(Failure::new(
            exit::USAGE,
            "--out is the settings file itself; give another path for the bundle",
        ));
    }
    if out.exists() && !args.force {
        return Err(Failure::new(
            exit::USAGE,
            format!(
                "{} exists; give another --out path, or --force to replace it",
                out.display()
            ),
        ));
    }
    if s.secrets.refresh_token.is_some() {
        if s.meta.imported {
            eprintln!(
                "WARNING: {} was itself imported from a bundle: its refresh token may already be in use on another machine. \
                 If the provider rotates refresh tokens, every machine but one will be signed out (and reuse can revoke them all). \
                 Prefer signing in afresh for each machine (`oauth-setup auth-url` / `exchange` on the server).",
                path.display()
            );
        } else {
            eprintln!(
                "Note: this settings file holds a refresh token. If the provider rotates refresh tokens, only one machine can keep using it — use the bundle on one machine only, and stop using this copy once it is imported."
            );
        }
    }
    let pass = passphrase(args.passphrase_file.as_deref(), true)?;
    let armored = bundle::seal(s, &pass)?;
    settings::write_atomic(out, armored.as_bytes())?;
    eprintln!(
        "Bundle written to {} (age, passphrase-encrypted). Copy it to the server and run there:\n\n  \
         oauth-setup import {} --settings PATH\n\nthen delete the bundle on both machines.",
        out.display(),
        out.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    );
    Ok(())
}

/// A double-quoted value that sh and systemd's EnvironmentFile both read back.
fn env_quote(v: &str) -> String {
    let mut out = String::from("\"");
    for c in v.chars() {
        if matches!(c, '"' | '\\' | '$' | '`') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

fn key_text(key: &settings::Key) -> String {
    key.to_file_text().trim().to_string()
}

fn env_text(
    ctx: &Ctx,
    s: &Settings,
    path: &Path,
    key: &settings::Key,
    args: &ExportArgs,
) -> String {
    let target = args.target_path.clone().unwrap_or_else(|| absolute(path));
    let cs = connection_string::build(s, &target, args.include_secrets);
    let mut out = format!(
        "# oauth-setup: {} ({}) — for a systemd EnvironmentFile or `set -a; . FILE`\n",
        s.meta.provider, s.meta.scheme
    );
    out.push_str(&format!(
        "OAUTH_SETUP_SETTINGS={}\n",
        env_quote(&target.display().to_string())
    ));
    if args.include_secrets {
        out.push_str(&format!("OAUTH_SETUP_KEY={}\n", env_quote(&key_text(key))));
    } else {
        out.push_str(&format!(
            "# The settings file is encrypted; the service also needs the key ({}): \
             set OAUTH_SETUP_KEY_FILE to a copy of it, or export with --include-secrets\n",
            ctx.key_source.describe()
        ));
    }
    out.push_str(&format!(
        "OAUTH_SETUP_CONNECTION_STRING={}\n",
        env_quote(&cs)
    ));
    out
}

fn k8s_name(provider: &str) -> String {
    let mut n: String = provider
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    n = n.trim_matches('-').to_string();
    format!("oauth-setup-{}", if n.is_empty() { "settings" } else { &n })
}

fn k8s_text(
    _ctx: &Ctx,
    s: &Settings,
    path: &Path,
    key: &settings::Key,
    args: &ExportArgs,
) -> Result<String, Failure> {
    let file = std::fs::read_to_string(path).map_err(|e| {
        Failure::new(
            exit::SETTINGS,
            format!("cannot read {}: {e}", path.display()),
        )
    })?;
    let target = args
        .target_path
        .clone()
        .unwrap_or_else(|| PathBuf::from("/etc/oauth-setup/settings.json"));
    let dir = target
        .parent()
        .map(|d| d.display().to_string())
        .unwrap_or_else(|| "/etc/oauth-setup".into());
    let name = args
        .name
        .clone()
        .unwrap_or_else(|| k8s_name(&s.meta.provider));
    let cs = connection_string::build(s, &target, args.include_secrets);
    let q = |v: &str| serde_json::to_string(v).expect("strings serialize");
    let mut out = String::new();
    out.push_str(&format!(
        "# oauth-setup: {} ({}). Mount this Secret at {dir} (the settings file is encrypted).\n\
         # Secret volumes are read-only: if the pod renews tokens, copy settings.json to a writable\n\
         # volume at start (e.g. an emptyDir) and point OAUTH_SETUP_SETTINGS there.\n",
        s.meta.provider, s.meta.scheme
    ));
    if !args.include_secrets {
        out.push_str(
            "# No key included: add OAUTH_SETUP_KEY to this Secret yourself, or export with --include-secrets.\n",
        );
    }
    out.push_str(&format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: {}\ntype: Opaque\nstringData:\n",
        q(&name)
    ));
    let file_key = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "settings.json".into());
    out.push_str(&format!("  {}: |\n", q(&file_key)));
    for line in file.lines() {
        out.push_str("    ");
        out.push_str(line);
        out.push('\n');
    }
    out.push_str(&format!(
        "  OAUTH_SETUP_SETTINGS: {}\n",
        q(&target.display().to_string())
    ));
    out.push_str(&format!("  OAUTH_SETUP_CONNECTION_STRING: {}\n", q(&cs)));
    if args.include_secrets {
        out.push_str(&format!("  OAUTH_SETUP_KEY: {}\n", q(&key_text(key))));
    }
    Ok(out)
}

pub fn import(ctx: &Ctx, args: ImportArgs) -> Result<(), Failure> {
    let path = &args.file.settings;
    let key = ctx.key()?;
    if (path.exists() || path.is_symlink()) && !args.force {
        return Err(Failure::new(
            exit::SETTINGS,
            format!(
                "{} already exists; nothing was written. Give another --settings path, or --force to replace it (the old file is kept as {}.bak)",
                path.display(),
                path.display()
            ),
        ));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(&args.bundle)
        .and_then(|f| f.take(bundle::MAX_BUNDLE + 1).read_to_end(&mut bytes))
        .map_err(|e| {
            Failure::new(
                exit::USAGE,
                format!("cannot read the bundle {}: {e}", args.bundle.display()),
            )
        })?;
    let pass = passphrase(args.passphrase_file.as_deref(), false)?;
    let mut s = bundle::open(&bytes, &pass)?;
    s.meta.imported = true;
    s.meta.touch();
    let write = if args.force {
        settings::write_replacing_unreadable
    } else {
        settings::write
    };
    write(path, &key, &s)?;
    if !args.json {
        eprintln!(
            "Imported and re-encrypted with this machine's key ({}).",
            ctx.key_source.describe()
        );
        if s.secrets.refresh_token.is_some() {
            eprintln!(
                "Use these credentials on this machine only from now on: if the provider rotates refresh tokens, the exporting machine's copy stops working (or breaks this one). Delete the bundle."
            );
        }
    }
    finish_report(ctx, &s, path, args.json, "Imported");
    Ok(())
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
        fn drop(&mut self) {
            // SAFETY: restores attributes read from the same fd.
            unsafe { libc::tcsetattr(self.fd, libc::TCSANOW, &self.saved) };
        }
    }

    pub fn read_long_line(max: usize) -> Result<String, LineError> {
        let stdin = io::stdin();
        let fd = stdin.as_raw_fd();
        // SAFETY: termios is plain data; tcgetattr fills it.
        let mut t: libc::termios = unsafe { std::mem::zeroed() };
        if unsafe { libc::tcgetattr(fd, &mut t) } != 0 {
            return Err(LineError::Io(io::Error::last_os_error()));
        }
        let _restore = Restore { fd, saved: t };
        // ISIG off too, so Ctrl-C comes here as a byte and the terminal is
        // restored by the guard instead of left without echo.
        t.c_lflag &= !(libc::ICANON | libc::ECHO | libc::ISIG);
        t.c_cc[libc::VMIN] = 1;
        t.c_cc[libc::VTIME] = 0;
        if unsafe { libc::tcsetattr(fd, libc::TCSANOW, &t) } != 0 {
            return Err(LineError::Io(io::Error::last_os_error()));
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_values_round_trip_through_sh() {
        let v = "AuthScheme=OAuth;Scope=openid offline_access;X='a;b';$HOME`x`\"q\"\\";
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("V={}; printf %s \"$V\"", env_quote(v)))
            .output()
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout), v);
    }

    #[test]
    fn k8s_names_are_dns_labels() {
        assert_eq!(k8s_name("custom"), "oauth-setup-custom");
        assert_eq!(k8s_name("My_Prov"), "oauth-setup-my-prov");
    }
}
