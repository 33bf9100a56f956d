//! `oauth-setup connection-string`: a CData connection string, in the mode
//! asked (design §7): the token, a hand-off of the grant, or the app.

use crate::cli::args::{ConnectionStringArgs, ConnectorArgs};
use crate::cli::ctx::Ctx;
use crate::cli::failure::{Failure, exit};
use crate::cli::output::{absolute, print_json};
use crate::cli::store::Location;
use oauth_setup::export::connection_string::{
    self, Choice, Dialect, Mode, Request, Target, render,
};
use oauth_setup::settings::{self, Settings, Store};
use oauth_setup::token;
use serde_json::json;
use std::path::Path;

#[inline(never)]
pub fn run(ctx: &Ctx, args: &ConnectionStringArgs) -> Result<(), Failure> {
    let store = &Location::open(ctx, &args.file.settings)?;
    let rt = ctx.runtime()?;
    let s = rt.block_on(store.load())?;
    let want = Wanted {
        mode: Mode::from(args.mode),
        include_secrets: args.include_secret,
        cdata_settings: args.cdata_settings.as_deref(),
        connector: &args.connector,
    };
    let target = target_for(ctx, &s, &want)?;
    let (parts, _) = make(ctx, &rt, store, &args.file.settings, s, &target, &want)?;
    let mode = want.mode;
    let dialect = Dialect::from(args.connector.dialect);
    let cs = render(&parts, dialect);
    warn_secrets(&target, mode);
    if args.json {
        let props: serde_json::Map<String, serde_json::Value> =
            parts.into_iter().map(|(k, v)| (k, v.into())).collect();
        print_json(&json!({
            "connection_string": cs,
            "mode": mode.as_str(),
            "connector": target.contract.id,
            "connector_name": target.contract.connector,
            "build": target.build,
            "dialect": dialect.as_str(),
            "docs": target.range.docs,
            "properties": props,
        }));
    } else {
        println!("{cs}");
    }
    Ok(())
}

/// What the caller asked for (`connection-string`, `export --format env`).
pub struct Wanted<'a> {
    pub mode: Mode,
    pub include_secrets: bool,
    pub cdata_settings: Option<&'a str>,
    pub connector: &'a ConnectorArgs,
}

/// The connector, build and method for this file, as `--connector`,
/// `--connector-build` and `--connector-option` choose; Err for a provider
/// with no connector (the message names the other ways).
pub fn target_for(ctx: &Ctx, s: &Settings, want: &Wanted<'_>) -> Result<Target, Failure> {
    let profiles = ctx.profiles()?;
    let profile = ctx.find_profile(&profiles, &s.meta.provider)?;
    let mut options = Vec::new();
    for o in &want.connector.connector_option {
        let (k, v) = o.split_once('=').ok_or_else(|| {
            Failure::new(
                exit::USAGE,
                format!("--connector-option {o}: give NAME=VALUE (for example Edition=Sales)"),
            )
        })?;
        options.push((k.trim().to_string(), v.trim().to_string()));
    }
    let choice = Choice {
        connector: want.connector.connector.clone(),
        build: want.connector.connector_build,
        options,
    };
    Ok(connection_string::target(
        &profile.id,
        &profile.name,
        s,
        &choice,
    )?)
}

/// The properties for `want.mode`, with a token that is valid now (renewed
/// here, the one renewer, first); a hand-off is recorded before they are
/// returned, since a string shown without the record would leave two
/// renewers of one grant. A mode the connector cannot take is refused
/// before anything is renewed or recorded. Also returns the settings as
/// they are afterwards.
pub fn make(
    ctx: &Ctx,
    rt: &tokio::runtime::Runtime,
    store: &Location,
    given: &Path,
    s: Settings,
    target: &Target,
    want: &Wanted<'_>,
) -> Result<(Vec<(String, String)>, Settings), Failure> {
    // The driver's in-memory store is named after the connection.
    let name = match store.file() {
        Some(file) => file
            .file_stem()
            .map_or_else(|| "settings".into(), |n| n.to_string_lossy().into_owned()),
        None => given
            .to_string_lossy()
            .rsplit('/')
            .next()
            .unwrap_or("vault")
            .to_string(),
    };
    let own = store.file().map(absolute);
    let driver_location = driver_location(ctx, want.cdata_settings, &name, own.as_deref())?;
    let req = |mode| Request {
        mode,
        include_secrets: want.include_secrets,
        driver_location: &driver_location,
        now_ms: settings::now_unix().saturating_mul(1000),
    };
    if want.mode == Mode::Handoff
        && let Some(reason) = connection_string::handoff_refusal(&s, target)
    {
        return Err(connection_string::ConnectionStringError::NoHandoff { reason }.into());
    }
    if want.mode == Mode::App {
        // Refused here (not a client-credentials file, no grant) before
        // anything else.
        connection_string::build(&s, None, target, &req(Mode::App))?;
    }
    let (token, s) = match want.mode {
        Mode::App => (None, s),
        Mode::Token | Mode::Handoff => {
            let fresh = rt.block_on(token::get_fresh(store))?;
            (Some(fresh.token), fresh.settings)
        }
    };
    let parts = connection_string::build(&s, token.as_ref(), target, &req(want.mode))?;
    if want.mode == Mode::Handoff {
        rt.block_on(token::record_hand_off(store, &s, &driver_location))?;
    }
    for note in connection_string::notes(&s, target) {
        eprintln!("note: {note}");
    }
    Ok((parts, s))
}

/// The warning every face prints beside a connection string.
pub fn warn_secrets(t: &Target, mode: Mode) {
    let c = &t.contract.connector;
    eprintln!(
        "warning: this {c} connection string holds secrets: keep it out of logs and shell history. ({c} build {}; docs: {})",
        t.build, t.range.docs
    );
    if mode == Mode::Handoff {
        eprintln!(
            "The CData driver now owns the refresh token; `oauth-setup token` no longer renews it (`--force` takes it back)."
        );
    }
}

/// The driver's `OAuthSettingsLocation`: `--cdata-settings`, or a
/// `memory://` id. A CData driver writes its own format there, so it must
/// never be one of this tool's files.
fn driver_location(
    ctx: &Ctx,
    given: Option<&str>,
    name: &str,
    own: Option<&Path>,
) -> Result<String, Failure> {
    let Some(given) = given else {
        return Ok(format!("memory://oauth-setup-{name}"));
    };
    if given.starts_with("memory://") {
        return Ok(given.to_string());
    }
    let path = absolute(Path::new(given));
    let config = absolute(&ctx.config_dir);
    let ours = own.is_some_and(|o| o == path)
        || path.starts_with(&config)
        || std::fs::read(&path)
            .is_ok_and(|b| b.windows(FORMAT.len()).any(|w| w == FORMAT.as_bytes()));
    if ours {
        return Err(Failure::new(
            exit::USAGE,
            format!(
                "--cdata-settings {} is one of oauth-setup's own files (or in its configuration directory): the CData driver would write its own format over it. Give the driver a path of its own, or leave the option out for memory://",
                path.display()
            ),
        ));
    }
    Ok(path.display().to_string())
}

const FORMAT: &str = settings::FORMAT;
