//! `oauth-setup export`: a settings file for another machine (a passphrase
//! bundle) or for a service (environment lines, a Kubernetes Secret).

use crate::cli::args::{ExportArgs, ExportFormat};
use crate::cli::commands::connection_string::{self, Wanted};
use crate::cli::ctx::Ctx;
use crate::cli::failure::{Failure, exit};
use crate::cli::output::absolute;
use crate::cli::prompt;
use crate::cli::store::Location;
use oauth_setup::export::bundle;
use oauth_setup::export::connection_string::{Dialect, Mode, render};
use oauth_setup::export::service_env::{self, ExportError, Secrets, Service};
use oauth_setup::settings::{self, Settings, Store};
use std::path::Path;

#[inline(never)]
pub fn run(ctx: &Ctx, args: &ExportArgs) -> Result<(), Failure> {
    let given = &args.file.settings;
    let store = Location::open(ctx, given)?;
    let rt = ctx.runtime()?;
    let s = rt.block_on(store.load())?;
    // A connection worth exporting is one `list` should know.
    crate::cli::ctx::remember(ctx, given);
    if args.format == ExportFormat::Bundle {
        return export_bundle(ctx, &s, &store, args);
    }
    // Checked before anything is looked up by it (its provider id is data).
    s.meta
        .validate()
        .map_err(|e| export_failure(ExportError::Invalid(e)))?;
    let (s, cs) = connection_string_for(ctx, &rt, &store, s, args)?;
    let vault_addr = match &store {
        Location::Vault(v) => Some(v.addr()),
        Location::File { .. } => None,
    };
    let file = store.file();
    // Where the service reads its settings later, from wherever it runs.
    let target = match (file, args.format) {
        (None, _) => store.location(),
        (Some(path), ExportFormat::Env) => absolute(args.target_path.as_deref().unwrap_or(path))
            .display()
            .to_string(),
        (Some(_), _) => args
            .target_path
            .as_deref()
            .unwrap_or(Path::new(service_env::K8S_SETTINGS_PATH))
            .display()
            .to_string(),
    };
    let service = Service {
        settings: &target,
        vault_addr: vault_addr.as_deref(),
        connection_string: cs.as_ref().map(|(cs, mode)| (cs.as_str(), *mode)),
    };
    if args.format == ExportFormat::K8sSecret {
        let text = k8s_secret(&s, &store, &service, args)?;
        return emit(&text, file, args, "Kubernetes Secret");
    }
    let key_location = ctx.key_source.describe();
    let secrets = match &store {
        Location::File { key, .. } if args.include_secrets => Secrets::Include(key),
        _ => Secrets::Omit {
            key_location: &key_location,
        },
    };
    let text = service_env::env_text(&s, &service, secrets).map_err(export_failure)?;
    emit(&text, file, args, "Environment file")
}

/// The CData string a service export carries, as `connection-string
/// --mode` makes it (renewing first; a hand-off recorded), and the settings
/// as they are afterwards. None for a provider without a connector.
fn connection_string_for(
    ctx: &Ctx,
    rt: &tokio::runtime::Runtime,
    store: &Location,
    s: Settings,
    args: &ExportArgs,
) -> Result<(Settings, Option<(String, Mode)>), Failure> {
    let want = Wanted {
        mode: Mode::from(args.mode),
        include_secrets: args.include_secrets,
        cdata_settings: args.cdata_settings.as_deref(),
        connector: &args.connector,
    };
    let target = match connection_string::target_for(ctx, &s, &want) {
        Ok(t) => t,
        Err(_) if !has_connector(&s) => return Ok((s, None)),
        Err(e) => return Err(e),
    };
    let (parts, s) =
        connection_string::make(ctx, rt, store, &args.file.settings, s, &target, &want)?;
    connection_string::warn_secrets(&target, want.mode);
    let dialect = Dialect::from(args.connector.dialect);
    Ok((s, Some((render(&parts, dialect), want.mode))))
}

/// True when some CData connector serves this file's provider.
fn has_connector(s: &Settings) -> bool {
    !oauth_setup::provider::cdata::for_provider(&s.meta.provider).is_empty()
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
fn emit(text: &str, path: Option<&Path>, args: &ExportArgs, what: &str) -> Result<(), Failure> {
    let Some(out) = args.out.as_deref() else {
        print!("{text}");
        return Ok(());
    };
    check_out(out, path, args.force)?;
    settings::write_atomic(out, text.as_bytes())?;
    eprintln!("{what} written to {}", absolute(out).display());
    Ok(())
}

fn check_out(out: &Path, path: Option<&Path>, force: bool) -> Result<(), Failure> {
    if path.is_some_and(|path| same_file(out, path)) {
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

fn k8s_secret(
    s: &Settings,
    store: &Location,
    service: &Service<'_>,
    args: &ExportArgs,
) -> Result<String, Failure> {
    // The file as it is now (after a renewal or a recorded hand-off).
    let (file, key) = match store {
        Location::File { path, key } => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                Failure::new(
                    exit::SETTINGS,
                    format!("cannot read {}: {e}", path.display()),
                )
            })?;
            (Some(text), args.include_secrets.then_some(key))
        }
        Location::Vault(_) => (None, None),
    };
    let name = args
        .name
        .clone()
        .unwrap_or_else(|| service_env::k8s_name(&s.meta.provider));
    service_env::k8s_text(s, file.as_deref(), service, &name, key).map_err(export_failure)
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

fn export_bundle(
    ctx: &Ctx,
    s: &Settings,
    store: &Location,
    args: &ExportArgs,
) -> Result<(), Failure> {
    let out = args
        .out
        .as_deref()
        .ok_or_else(|| Failure::new(exit::USAGE, "give --out FILE for the bundle"))?;
    check_out(out, store.file(), args.force)?;
    warn_about_refresh_token(s, &store.location());
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
fn warn_about_refresh_token(s: &Settings, location: &str) {
    if s.secrets.refresh_token.is_none() {
        return;
    }
    if s.meta.imported {
        eprintln!(
            "WARNING: {location} was itself imported from a bundle: its refresh token may already be in use on another machine. \
             If the provider rotates refresh tokens, every machine but one will be signed out (and reuse can revoke them all). \
             Prefer signing in afresh for each machine (`oauth-setup auth-url` / `exchange` on the server)."
        );
    } else {
        eprintln!(
            "Note: this settings file holds a refresh token. If the provider rotates refresh tokens, only one machine can keep using it — use the bundle on one machine only, and stop using this copy once it is imported."
        );
    }
}
