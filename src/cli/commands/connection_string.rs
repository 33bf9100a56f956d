//! `oauth-setup connection-string`: a CData connection string, in the mode
//! asked (design §7): the token, a hand-off of the grant, or the app.

use crate::cli::args::ConnectionStringArgs;
use crate::cli::ctx::Ctx;
use crate::cli::failure::{Failure, exit};
use crate::cli::output::{absolute, print_json};
use crate::cli::store::Location;
use oauth_setup::export::connection_string::{self, ConnectionStringError, Mode, Request};
use oauth_setup::provider::Cdata;
use oauth_setup::settings::{self, Settings, Store};
use oauth_setup::token;
use serde_json::json;
use std::path::Path;

pub fn run(ctx: &Ctx, args: &ConnectionStringArgs) -> Result<(), Failure> {
    let store = &Location::open(ctx, &args.file.settings)?;
    let rt = ctx.runtime()?;
    let s = rt.block_on(store.load())?;
    let profiles = ctx.profiles()?;
    let profile = ctx.find_profile(&profiles, &s.meta.provider)?;
    let cdata = profile
        .cdata
        .as_ref()
        .ok_or_else(|| ConnectionStringError::NoConnector {
            provider: profile.name.clone(),
        })?;
    let want = Wanted {
        mode: Mode::from(args.mode),
        include_secrets: args.include_secret,
        cdata_settings: args.cdata_settings.as_deref(),
    };
    let (parts, _) = make(ctx, &rt, store, &args.file.settings, s, cdata, &want)?;
    let mode = want.mode;
    let cs = connection_string::render(&parts);
    warn_secrets(cdata, mode);
    if args.json {
        let props: serde_json::Map<String, serde_json::Value> =
            parts.into_iter().map(|(k, v)| (k, v.into())).collect();
        print_json(&json!({
            "connection_string": cs,
            "mode": mode.as_str(),
            "connector": cdata.connector,
            "docs": cdata.docs,
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
}

/// The properties for `want.mode`, with a token that is valid now (renewed
/// here, the one renewer, first); a hand-off is recorded before they are
/// returned, since a string shown without the record would leave two
/// renewers of one grant. Also returns the settings as they are afterwards.
pub fn make(
    ctx: &Ctx,
    rt: &tokio::runtime::Runtime,
    store: &Location,
    given: &Path,
    s: Settings,
    cdata: &Cdata,
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
    let (token, s) = match want.mode {
        Mode::App => (None, s),
        Mode::Token | Mode::Handoff => {
            let fresh = rt.block_on(token::get_fresh(store))?;
            (Some(fresh.token), fresh.settings)
        }
    };
    let req = Request {
        mode: want.mode,
        include_secrets: want.include_secrets,
        driver_location: &driver_location,
        now_ms: settings::now_unix().saturating_mul(1000),
    };
    let parts = connection_string::build(&s, token.as_ref(), cdata, &req)?;
    if want.mode == Mode::Handoff {
        rt.block_on(token::record_hand_off(store, &s, &driver_location))?;
    }
    Ok((parts, s))
}

/// The warning every face prints beside a connection string.
pub fn warn_secrets(cdata: &Cdata, mode: Mode) {
    eprintln!(
        "warning: this {} connection string holds secrets: keep it out of logs and shell history. ({} docs: {})",
        cdata.connector, cdata.connector, cdata.docs
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
