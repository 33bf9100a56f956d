//! `oauth-setup auth-url`: start a sign-in whose browser is on another
//! machine. The PKCE verifier stays here, sealed in `pending/`, until
//! `exchange` finishes it.

use crate::cli::args::{AuthUrlArgs, CredentialArgs};
use crate::cli::ctx::{Ctx, refuse_occupied};
use crate::cli::failure::Failure;
use crate::cli::input::{Run, login_input};
use crate::cli::output::print_json;
use crate::cli::{progress, qr};
use oauth_setup::oauth::{BrowserMode, LoginEvent};
use oauth_setup::paths;
use oauth_setup::signin::DEFAULT_TIMEOUT;
use oauth_setup::signin::paste;
use oauth_setup::signin::pending;
use secrecy::ExposeSecret;
use serde_json::json;
use std::io::Write;

#[inline(never)]
pub fn run(ctx: &Ctx, args: &AuthUrlArgs) -> Result<(), Failure> {
    start(ctx, args).map_err(|f| f.with_setup_steps(&args.sign_in.provider))
}

fn start(ctx: &Ctx, args: &AuthUrlArgs) -> Result<(), Failure> {
    let profiles = ctx.profiles()?;
    // Nothing here opens a browser or waits for one, and the provider's page
    // asks for the user's own credentials: only the app's flags apply.
    let run = Run {
        browser: BrowserMode::PrintOnly,
        timeout: DEFAULT_TIMEOUT,
        prompt: !args.json,
    };
    let input = login_input(
        ctx,
        &args.sign_in,
        &CredentialArgs::default(),
        run,
        &profiles,
    )?;
    // The key first: the pending state is useless if it cannot be sealed.
    // Created only when the pending state is written.
    let key = ctx.key_plan()?;
    // Where `exchange` will write: a connection there stops us now, before
    // anyone signs in for nothing.
    if let Some(v) = args
        .settings
        .as_deref()
        .and_then(crate::cli::store::vault_location)
    {
        return Err(Failure::new(
            crate::cli::failure::exit::USAGE,
            format!(
                "`auth-url --settings {v}`: the paste flow writes a settings file; sign in to a Vault location with `oauth-setup login --settings {v}`"
            ),
        ));
    }
    let settings = ctx.settings_path(
        args.settings.as_deref(),
        args.name.as_deref(),
        &input.profile_id,
    );
    refuse_occupied(
        ctx,
        &settings,
        key.existing(),
        args.force,
        "no sign-in was started",
        "--name OTHER",
    )?;
    let dir = paths::pending_dir(&ctx.config_dir);
    pending::cleanup(&dir);
    let rt = ctx.runtime()?;
    let mut started = rt.block_on(async {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let printer = tokio::spawn(async move {
            while let Some(ev) = rx.recv().await {
                // Only discovery happens before the URL exists.
                if let LoginEvent::Discovering { issuer } = &ev {
                    eprintln!("Reading the server's metadata from {issuer}");
                }
                if let LoginEvent::ScopesNotListed { dropped, kept } = &ev {
                    let _ = progress::scopes_not_listed(&mut std::io::stderr(), dropped, kept);
                }
            }
        });
        let http = oauth_setup::http::client();
        let out = paste::start(&input, &profiles, &http, &tx).await;
        drop(tx);
        let _ = printer.await;
        out
    })?;
    started.pending.target = Some(crate::cli::output::absolute(&settings));
    pending::save(&dir, &key.into_key()?, &started.pending)?;
    let p = &started.pending;
    if args.json {
        print_json(&json!({
            "url": started.url,
            "state": p.state.expose_secret(),
            "redirect_uri": p.redirect_uri,
            "expires_at": p.expires_at,
        }));
    } else {
        println!("{}", started.url);
    }
    // The lifetime just sealed into the pending file, as `exchange` will state it.
    let lifetime = pending::fmt_age(p.expires_at - p.created_at);
    // As `exchange` will take it: the bare name of a connection in the
    // config dir, else the (quoted) path.
    let mut exchange = vec!["oauth-setup".to_string(), "exchange".into()];
    match paths::connection_name(&ctx.config_dir, &settings) {
        Some(name) => exchange.extend(["--name".into(), name]),
        None => exchange.extend([
            "--settings".into(),
            crate::cli::output::absolute(&settings)
                .display()
                .to_string(),
        ]),
    }
    if args.force {
        exchange.push("--force".into());
    }
    let exchange = oauth_setup::signin::recovery::shell_line(&exchange);
    // A closed stderr loses only the advice; the URL is already out.
    let _ = writeln!(
        std::io::stderr().lock(),
        "\nOpen the URL above in a browser on any machine and sign in (valid {lifetime}).\n\
         The browser then goes to {redirect} — that page may fail to load; that is expected.\n\
         Copy the whole address from the browser's address bar, then run here:\n\n  \
         {exchange}\n\n\
         and paste it (or pipe it: `echo 'URL' | {exchange}`).",
        redirect = p.redirect_uri,
    );
    qr::print_if_terminal(&started.url, ctx.tty.stderr);
    Ok(())
}
