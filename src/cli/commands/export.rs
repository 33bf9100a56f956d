//! `oauth-setup export`: a settings file for another machine (a passphrase
//! bundle) or for a service (environment lines, a Kubernetes Secret).

use crate::cli::args::{ExportArgs, ExportFormat};
use crate::cli::ctx::Ctx;
use crate::cli::failure::{Failure, exit};
use crate::cli::output::absolute;
use crate::cli::prompt;
use oauth_setup::export::bundle;
use oauth_setup::export::service_env::{self, ExportError, Secrets};
use oauth_setup::settings::{self, Key, Settings};
use std::path::{Path, PathBuf};

pub fn run(ctx: &Ctx, args: &ExportArgs) -> Result<(), Failure> {
    let path = &args.file.settings;
    let key = ctx.key()?;
    let s = settings::read(path, &key)?;
    // A connection worth exporting is one `list` should know.
    crate::cli::ctx::remember(ctx, path);
    match args.format {
        ExportFormat::Bundle => export_bundle(ctx, &s, path, args),
        ExportFormat::Env => {
            // The service reads this path later, from wherever it runs.
            let target = absolute(args.target_path.as_deref().unwrap_or(path));
            let key_location = ctx.key_source.describe();
            let secrets = if args.include_secrets {
                Secrets::Include(&key)
            } else {
                Secrets::Omit {
                    key_location: &key_location,
                }
            };
            let text = service_env::env_text(&s, &target, secrets).map_err(export_failure)?;
            emit(&text, path, args, "Environment file")
        }
        ExportFormat::K8sSecret => {
            let text = k8s_secret(&s, path, &key, args)?;
            emit(&text, path, args, "Kubernetes Secret")
        }
    }
}

fn export_failure(e: ExportError) -> Failure {
    let code = match &e {
        ExportError::Invalid(_) => exit::SETTINGS,
        ExportError::BadName(_)
        | ExportError::BadKey(_)
        | ExportError::BadPath(_)
        | ExportError::RelativePath(_) => exit::USAGE,
    };
    Failure::new(code, e)
}

/// Prints `text`, or writes it to `--out` (atomically, mode 0600: it may
/// hold the key and the client secret).
fn emit(text: &str, path: &Path, args: &ExportArgs, what: &str) -> Result<(), Failure> {
    let Some(out) = args.out.as_deref() else {
        print!("{text}");
        return Ok(());
    };
    check_out(out, path, args.force)?;
    settings::write_atomic(out, text.as_bytes())?;
    eprintln!("{what} written to {}", absolute(out).display());
    Ok(())
}

fn check_out(out: &Path, path: &Path, force: bool) -> Result<(), Failure> {
    if same_file(out, path) {
        return Err(Failure::new(
            exit::USAGE,
            "--out is the settings file itself; give another path",
        ));
    }
    if (out.exists() || out.is_symlink()) && !force {
        return Err(Failure::new(
            exit::USAGE,
            format!(
                "{} exists; give another --out path, or --force to replace it",
                out.display()
            ),
        ));
    }
    Ok(())
}

fn k8s_secret(s: &Settings, path: &Path, key: &Key, args: &ExportArgs) -> Result<String, Failure> {
    let file = std::fs::read_to_string(path).map_err(|e| {
        Failure::new(
            exit::SETTINGS,
            format!("cannot read {}: {e}", path.display()),
        )
    })?;
    let target = args
        .target_path
        .clone()
        .unwrap_or_else(|| PathBuf::from(service_env::K8S_SETTINGS_PATH));
    let name = args
        .name
        .clone()
        .unwrap_or_else(|| service_env::k8s_name(&s.meta.provider));
    let key = args.include_secrets.then_some(key);
    service_env::k8s_text(s, &file, &target, &name, key).map_err(export_failure)
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

fn export_bundle(ctx: &Ctx, s: &Settings, path: &Path, args: &ExportArgs) -> Result<(), Failure> {
    let out = args
        .out
        .as_deref()
        .ok_or_else(|| Failure::new(exit::USAGE, "give --out FILE for the bundle"))?;
    check_out(out, path, args.force)?;
    warn_about_refresh_token(s, path);
    let pass = prompt::passphrase(args.passphrase_file.as_deref(), true, ctx.tty.stdin)?;
    let armored = bundle::seal(s, &pass)?;
    settings::write_atomic(out, armored.as_bytes())?;
    let file_name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    eprintln!(
        "Bundle written to {} (age, passphrase-encrypted). Copy it to the server and run there:\n\n  \
         oauth-setup import {file_name} --settings PATH\n\nthen delete the bundle on both machines.",
        absolute(out).display(),
    );
    Ok(())
}

/// A refresh token that two machines use breaks where the provider rotates
/// refresh tokens; say so before the copy is made.
fn warn_about_refresh_token(s: &Settings, path: &Path) {
    if s.secrets.refresh_token.is_none() {
        return;
    }
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
