//! The CLI commands, and the edge where library errors become a human
//! message and an exit code.

use crate::cli::{Cli, Command, LoginArgs};
use crate::export::connection_string;
use crate::oauth::{BrowserMode, LoginEvent};
use crate::provider::{self, Endpoints, Profile};
use crate::settings::{self, InitiateOAuth, Key, KeySource, Settings, SettingsError};
use crate::signin::{self, LoginError, LoginInput, Needed};
use crate::token::{self as token_service, TokenServiceError};
use crate::{paths, probe, secret_input};
use secrecy::ExposeSecret;
use serde_json::json;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Exit codes (also in `--help`).
pub mod exit {
    pub const ERROR: i32 = 1;
    pub const USAGE: i32 = 2;
    pub const SETTINGS: i32 = 3;
    pub const SIGN_IN_NEEDED: i32 = 4;
    pub const REFUSED: i32 = 5;
    pub const NETWORK: i32 = 6;
    pub const CANCELLED: i32 = 130;
}

/// A failed command: what to print and the exit code.
#[derive(Debug)]
pub struct Failure {
    pub code: i32,
    pub message: String,
}

impl Failure {
    pub fn new(code: i32, message: impl std::fmt::Display) -> Self {
        Self {
            code,
            message: message.to_string(),
        }
    }
}

impl From<SettingsError> for Failure {
    fn from(e: SettingsError) -> Self {
        Failure::new(exit::SETTINGS, e)
    }
}

impl From<provider::ProviderError> for Failure {
    fn from(e: provider::ProviderError) -> Self {
        Failure::new(exit::USAGE, e)
    }
}

impl From<secret_input::InputError> for Failure {
    fn from(e: secret_input::InputError) -> Self {
        Failure::new(exit::USAGE, e)
    }
}

fn is_network(e: &crate::http::TransportError) -> bool {
    !matches!(e, crate::http::TransportError::Other { .. })
}

impl From<LoginError> for Failure {
    fn from(e: LoginError) -> Self {
        use crate::oauth::TokenError;
        let code = if e.is_cancelled() {
            exit::CANCELLED
        } else if e.is_denied() {
            exit::REFUSED
        } else {
            match &e {
                LoginError::Token(TokenError::Transport(t)) if is_network(t) => exit::NETWORK,
                LoginError::Token(_) | LoginError::Signin(_) | LoginError::Test(_) => exit::REFUSED,
                LoginError::Callback(crate::oauth::loopback::CallbackError::Timeout(_)) => {
                    exit::ERROR
                }
                LoginError::Missing { .. } | LoginError::Provider(_) | LoginError::Endpoint(_) => {
                    exit::USAGE
                }
                _ => exit::ERROR,
            }
        };
        if let LoginError::Missing(needed) = &e {
            return Failure::new(code, format!("{e}: {}", how_to_give(needed)));
        }
        Failure::new(code, e)
    }
}

const SECRET_HOW: &str =
    "set OAUTH_SETUP_CLIENT_SECRET, or use --client-secret-file PATH or --client-secret-stdin";

/// How to give a missing value on the command line: flags and variables.
fn how_to_give(needed: &Needed) -> String {
    use crate::provider::{Endpoint, Field};
    match needed {
        Needed::Field(Field::ClientSecret) => SECRET_HOW.into(),
        Needed::Field(Field::Password) => {
            "set OAUTH_SETUP_PASSWORD, or use --password-file PATH or --password-stdin".into()
        }
        Needed::Field(Field::Token) => {
            "set OAUTH_SETUP_TOKEN, or use --token-file PATH or --token-stdin".into()
        }
        Needed::Field(other) => format!("give --{}", other.as_str().replace('_', "-")),
        Needed::Endpoint {
            endpoint,
            discovery,
        } => {
            let flag = match endpoint {
                Endpoint::Issuer => "--issuer",
                Endpoint::Authorize => "--authorize-url",
                Endpoint::Token => "--token-url",
                Endpoint::DeviceAuthorization => "--device-url",
                Endpoint::Signin => "--signin-url",
                Endpoint::Test => "--test-url",
            };
            let or_issuer = if *discovery { ", or --issuer URL" } else { "" };
            format!("give {flag} URL{or_issuer}")
        }
        Needed::Issuer => "give --issuer URL, or --authorize-url and --token-url".into(),
        Needed::HeaderVar { var, .. } => format!("give it with --{}", var.replace('_', "-")),
        Needed::RedirectUri => "give --callback-url URL: the redirect URL registered with the app (e.g. http://localhost:33333; nothing needs to listen there, you copy the address the browser lands on)".into(),
    }
}

impl From<TokenServiceError> for Failure {
    fn from(e: TokenServiceError) -> Self {
        let code = match &e {
            TokenServiceError::Settings(_) => exit::SETTINGS,
            TokenServiceError::NeedsSignIn { .. } | TokenServiceError::ExpiredOff { .. } => {
                exit::SIGN_IN_NEEDED
            }
            TokenServiceError::Renew(crate::oauth::TokenError::Transport(t)) if is_network(t) => {
                exit::NETWORK
            }
            _ => exit::REFUSED,
        };
        Failure::new(code, e)
    }
}

impl From<probe::TestError> for Failure {
    fn from(e: probe::TestError) -> Self {
        let code = match &e {
            probe::TestError::Transport(t) if is_network(t) => exit::NETWORK,
            probe::TestError::NoRequest(_)
            | probe::TestError::NoUrl
            | probe::TestError::BadUrl(_) => exit::USAGE,
            _ => exit::REFUSED,
        };
        Failure::new(code, e)
    }
}

/// Runs a parsed command line (not the TUI).
pub fn run(cli: Cli) -> Result<(), Failure> {
    let config_dir = cli.config_dir.clone().unwrap_or_else(paths::config_dir);
    let ctx = Ctx {
        key_source: KeySource::from_env_and_flag(cli.key_file.as_deref(), &config_dir),
        config_dir,
    };
    match cli.command {
        None => Err(Failure::new(exit::USAGE, "no command given")),
        Some(Command::Providers { json }) => providers(&ctx, json),
        Some(Command::Completions { shell }) => {
            use clap::CommandFactory;
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "oauth-setup",
                &mut std::io::stdout(),
            );
            Ok(())
        }
        Some(Command::Login(args)) => login(&ctx, *args),
        Some(Command::Token { file, json }) => token(&ctx, &file.settings, json),
        Some(Command::Status { file, json }) => status(&ctx, &file.settings, json),
        Some(Command::Test { file, json }) => test(&ctx, &file.settings, json),
        Some(Command::ConnectionString {
            file,
            include_secret,
            json,
        }) => conn_string(&ctx, &file.settings, include_secret, json),
        Some(Command::AuthUrl(args)) => crate::commands_headless::auth_url(&ctx, *args),
        Some(Command::Exchange(args)) => crate::commands_headless::exchange(&ctx, args),
        Some(Command::Export(args)) => crate::commands_headless::export(&ctx, args),
        Some(Command::Import(args)) => crate::commands_headless::import(&ctx, args),
    }
}

/// Paths and key source shared by the commands.
pub struct Ctx {
    pub config_dir: PathBuf,
    pub key_source: KeySource,
}

impl Ctx {
    pub fn key(&self) -> Result<Key, SettingsError> {
        settings::load_key(&self.key_source)
    }

    pub fn profiles(&self) -> Result<Vec<Profile>, provider::ProviderError> {
        provider::load_all(Some(&crate::paths::providers_dir(&self.config_dir)))
    }
}

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::new(exit::ERROR, format!("cannot start the async runtime: {e}")))
}

pub(crate) fn print_json(v: &serde_json::Value) {
    println!("{}", serde_json::to_string_pretty(v).unwrap_or_default());
}

fn providers(ctx: &Ctx, json: bool) -> Result<(), Failure> {
    let profiles = ctx.profiles()?;
    if json {
        let v: Vec<_> = profiles
            .iter()
            .map(|p| {
                json!({
                    "id": p.id, "name": p.name, "description": p.description,
                    "schemes": p.schemes.iter().map(|s| json!({"id": s.id, "kind": s.kind.as_str(), "title": s.title})).collect::<Vec<_>>(),
                    "regions": p.regions.iter().map(|r| &r.id).collect::<Vec<_>>(),
                    "scope_presets": p.scope_presets.iter().map(|s| &s.id).collect::<Vec<_>>(),
                    "scopes": p.scopes.iter().map(|s| &s.name).collect::<Vec<_>>(),
                })
            })
            .collect();
        print_json(&json!(v));
        return Ok(());
    }
    for p in &profiles {
        let schemes: Vec<_> = p.schemes.iter().map(|s| s.id.as_str()).collect();
        println!("{:<12} {}  [{}]", p.id, p.description, schemes.join(", "));
    }
    Ok(())
}

fn parse_scopes(raw: &str) -> Vec<String> {
    raw.split([' ', ','])
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

pub(crate) fn login_input(
    ctx: &Ctx,
    args: &LoginArgs,
    profiles: &[Profile],
) -> Result<LoginInput, Failure> {
    let profile = provider::find(profiles, &args.sign_in.provider)?;
    let scheme = profile.scheme(args.sign_in.scheme.as_deref())?;
    let initiate_oauth: InitiateOAuth = args
        .sign_in
        .initiate_oauth
        .parse()
        .map_err(|e: String| Failure::new(exit::USAGE, e))?;
    let scopes = match (&args.sign_in.scopes, &args.sign_in.preset) {
        (Some(s), _) => Some(parse_scopes(s)),
        (None, Some(p)) => Some(profile.preset_scopes(p).ok_or_else(|| {
            let known: Vec<_> = profile
                .scope_presets
                .iter()
                .map(|p| p.id.as_str())
                .collect();
            Failure::new(
                exit::USAGE,
                format!(
                    "provider `{}` has no scope preset `{p}`; its presets: {}",
                    profile.id,
                    known.join(", ")
                ),
            )
        })?),
        (None, None) => None,
    };
    let mut vars = provider::env_vars();
    for kv in &args.sign_in.vars {
        let (k, v) = kv
            .split_once('=')
            .ok_or_else(|| Failure::new(exit::USAGE, format!("--var `{kv}` must be NAME=VALUE")))?;
        vars.insert(k.trim().to_string(), v.trim().to_string());
    }
    if let Some(root) = &args.sign_in.endpoints.service_root {
        vars.insert("service_root".into(), root.clone());
    }
    let e = &args.sign_in.endpoints;
    let needs = |f: provider::Field| scheme.fields.contains(&f);
    let interactive = !args.json;
    let client_secret = secret_input::read_secret(
        "client secret",
        "OAUTH_SETUP_CLIENT_SECRET",
        args.sign_in.client_secret_file.as_deref(),
        args.sign_in.client_secret_stdin,
        interactive && needs(provider::Field::ClientSecret),
    )?;
    let password = secret_input::read_secret(
        "password",
        "OAUTH_SETUP_PASSWORD",
        args.password_file.as_deref(),
        args.password_stdin,
        interactive && needs(provider::Field::Password),
    )?;
    let static_token = secret_input::read_secret(
        "token",
        "OAUTH_SETUP_TOKEN",
        args.token_file.as_deref(),
        args.token_stdin,
        interactive && needs(provider::Field::Token),
    )?;
    let _ = ctx;
    Ok(LoginInput {
        profile_id: profile.id.clone(),
        scheme: Some(scheme.id.clone()),
        region: args.sign_in.region.clone(),
        vars,
        endpoints: Endpoints {
            issuer: e.issuer.clone(),
            authorize_url: e.authorize_url.clone(),
            token_url: e.token_url.clone(),
            device_authorization_url: e.device_url.clone(),
            signin_url: e.signin_url.clone(),
            test_url: e.test_url.clone(),
        },
        client_id: args.sign_in.client_id.clone(),
        client_secret,
        client_auth: args.sign_in.client_auth.map(Into::into),
        store_client_secret: !args.sign_in.no_store_client_secret,
        username: args.username.clone(),
        password,
        store_password: args.store_password,
        event_id: args.event_id.clone(),
        org_id: args.sign_in.org_id.clone(),
        static_token,
        scopes,
        callback_url: args.sign_in.callback_url.clone(),
        browser: if args.no_browser {
            BrowserMode::PrintOnly
        } else {
            BrowserMode::Open
        },
        timeout: Duration::from_secs(args.timeout.max(1)),
        initiate_oauth,
    })
}

fn fmt_remaining(d: Duration) -> String {
    let s = d.as_secs();
    format!("{}:{:02}", s / 60, s % 60)
}

/// Prints sign-in progress on stderr (stdout stays for data).
fn report(ev: &LoginEvent, tty: bool) {
    let mut err = std::io::stderr().lock();
    let _ = match ev {
        LoginEvent::Discovering { issuer } => {
            writeln!(err, "Reading the server's metadata from {issuer}")
        }
        LoginEvent::Listening { redirect_uri } => {
            writeln!(err, "Listening for the browser on {redirect_uri}")
        }
        LoginEvent::AuthorizeUrl {
            url,
            browser_started,
        } => {
            if *browser_started {
                writeln!(
                    err,
                    "Opened the browser. If it did not open, visit:\n\n  {url}\n"
                )
            } else {
                writeln!(err, "Open this URL in a browser to sign in:\n\n  {url}\n")
            }
        }
        LoginEvent::BrowserFailed { reason } => {
            writeln!(err, "Could not start a browser ({reason}).")
        }
        LoginEvent::Waiting { remaining } => {
            if tty {
                write!(
                    err,
                    "\r\x1b[2KWaiting for the sign-in to finish… {} left (Ctrl-C to cancel)",
                    fmt_remaining(*remaining)
                )
                .and_then(|_| err.flush())
            } else {
                Ok(())
            }
        }
        LoginEvent::DeviceCode {
            user_code,
            verification_uri,
            verification_uri_complete,
            expires_in,
        } => {
            let mut msg = format!(
                "On any device, open {verification_uri}\nand enter the code:  {user_code}\n(valid for {} min)",
                expires_in.as_secs().div_ceil(60)
            );
            if let Some(c) = verification_uri_complete {
                msg.push_str(&format!("\nor open directly: {c}"));
            }
            let r = writeln!(err, "{msg}");
            drop(err);
            crate::headless::qr::print_if_terminal(
                verification_uri_complete
                    .as_deref()
                    .unwrap_or(verification_uri),
            );
            r
        }
        LoginEvent::RequestingToken => {
            if tty {
                let _ = write!(err, "\r\x1b[2K");
            }
            writeln!(err, "Requesting the token…")
        }
        LoginEvent::Done => Ok(()),
    };
}

/// A settings file at `path` that this key cannot read, unless `force`:
/// such a file is never overwritten by accident.
pub(crate) fn unreadable_existing(path: &Path, key: &Key, force: bool) -> Option<SettingsError> {
    if force || !path.exists() {
        return None;
    }
    settings::read(path, key)
        .err()
        .filter(SettingsError::is_unreadable_file)
}

/// Runs a sign-in, printing its progress on stderr; Ctrl-C cancels it.
fn sign_in(
    rt: &tokio::runtime::Runtime,
    input: LoginInput,
    profiles: &[Profile],
) -> Result<Settings, Failure> {
    let cancel = CancellationToken::new();
    let c = cancel.clone();
    let _ = ctrlc::set_handler(move || c.cancel());
    let tty = std::io::stderr().is_terminal();
    let out = rt.block_on(async {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let printer = tokio::spawn(async move {
            while let Some(ev) = rx.recv().await {
                report(&ev, tty);
            }
        });
        let out = signin::run_login_with(input, profiles, tx, cancel).await;
        let _ = printer.await;
        out
    });
    if tty {
        eprint!("\r\x1b[2K");
    }
    Ok(out?)
}

fn login(ctx: &Ctx, args: LoginArgs) -> Result<(), Failure> {
    let profiles = ctx.profiles()?;
    let input = login_input(ctx, &args, &profiles)?;
    let path = args
        .settings
        .clone()
        .unwrap_or_else(|| crate::paths::settings_file(&ctx.config_dir, &input.profile_id));
    // Load (or create) the key before signing in: a key problem found after
    // the browser dance would waste the user's sign-in.
    let key = ctx.key()?;
    if let Some(e) = unreadable_existing(&path, &key, args.force) {
        return Err(Failure::new(
            exit::SETTINGS,
            format!(
                "{e}\nThe existing file is kept. Give another --settings path, or --force to replace it."
            ),
        ));
    }
    let rt = runtime()?;
    let settings = sign_in(&rt, input, &profiles)?;
    let write = if args.force {
        settings::write_replacing_unreadable
    } else {
        settings::write
    };
    write(&path, &key, &settings)?;
    if args.json {
        print_json(&status_json(&settings, &path, ctx));
    } else {
        eprintln!(
            "Signed in: {} ({}). {}",
            settings.meta.provider,
            settings.meta.scheme,
            expiry_text(&settings)
        );
        eprintln!("Settings written to {}", path.display());
        eprintln!(
            "Get a token with:  oauth-setup token --settings {}",
            path.display()
        );
    }
    Ok(())
}

pub(crate) fn expiry_text(s: &Settings) -> String {
    match s.meta.expires_at {
        None => "The token has no stated expiry.".into(),
        Some(exp) => {
            let left = exp - crate::settings::now_unix();
            if left > 0 {
                format!(
                    "Token valid for {} min{}.",
                    left / 60,
                    if s.secrets.refresh_token.is_some() {
                        ", renewable with the refresh token"
                    } else {
                        ""
                    }
                )
            } else {
                format!("Token expired {} min ago.", -left / 60)
            }
        }
    }
}

fn token(ctx: &Ctx, path: &Path, json: bool) -> Result<(), Failure> {
    let key = ctx.key()?;
    // Fast path: no runtime, no network when the cached token is good.
    let (s, cached) = token_service::cached(path, &key)?;
    let (token, s) = match cached {
        Some(t) => (t, s),
        None => {
            let rt = runtime()?;
            match rt.block_on(token_service::get_token(&settings::FileStore::new(
                path, &key,
            ))) {
                Ok(t) => (t, settings::read(path, &key)?),
                Err(e) if e.needs_sign_in() && can_sign_in_again(&s) => {
                    let why = match &e {
                        TokenServiceError::NeedsSignIn { reason, .. } => reason.clone(),
                        other => other.to_string(),
                    };
                    eprintln!(
                        "{why}.\nInitiateOAuth is GETANDREFRESH: signing in again through the browser."
                    );
                    let fresh = sign_in_again(ctx, &rt, &s)?;
                    let _lock = settings::lock_exclusive(path, token_service::LOCK_TIMEOUT)?;
                    settings::write(path, &key, &fresh)?;
                    let t = fresh.secrets.access_token.clone().ok_or_else(|| {
                        Failure::new(exit::REFUSED, "the sign-in gave no access token")
                    })?;
                    (t, fresh)
                }
                Err(e) => return Err(e.into()),
            }
        }
    };
    if json {
        print_json(&json!({
            "access_token": token.expose_secret(),
            "token_type": s.meta.token_type,
            "expires_at": s.meta.expires_at,
        }));
    } else {
        println!("{}", token.expose_secret());
    }
    Ok(())
}

/// GETANDREFRESH may start an interactive sign-in, but only where a person
/// can answer it: a browser flow, with a terminal on both ends.
fn can_sign_in_again(s: &Settings) -> bool {
    use crate::provider::SchemeKind;
    s.meta.initiate_oauth == InitiateOAuth::Getandrefresh
        && matches!(
            s.meta.kind,
            SchemeKind::AuthorizationCode | SchemeKind::DeviceCode
        )
        && std::io::stdin().is_terminal()
        && std::io::stderr().is_terminal()
}

fn sign_in_again(
    ctx: &Ctx,
    rt: &tokio::runtime::Runtime,
    s: &Settings,
) -> Result<Settings, Failure> {
    let profiles = ctx.profiles()?;
    let mut fresh = sign_in(rt, signin::input_from_settings(s), &profiles)?;
    fresh.meta.created_at = s.meta.created_at;
    Ok(fresh)
}

pub(crate) fn status_json(s: &Settings, path: &Path, ctx: &Ctx) -> serde_json::Value {
    let m = &s.meta;
    let now = crate::settings::now_unix();
    json!({
        "settings": path.display().to_string(),
        "provider": m.provider,
        "scheme": m.scheme,
        "kind": m.kind.as_str(),
        "client_id": m.client_id,
        "region": m.region,
        "org_id": m.org_id,
        "username": m.username,
        "event_id": m.event_id,
        "endpoints": m.endpoints,
        "scopes": m.scopes,
        "granted_scopes": m.granted_scopes,
        "initiate_oauth": m.initiate_oauth.as_str(),
        "expires_at": m.expires_at,
        "expires_in": m.expires_at.map(|e| e - now),
        "valid": token_service::usable_token(s, now).is_some(),
        "has_access_token": s.secrets.access_token.is_some() || s.secrets.static_token.is_some(),
        "has_refresh_token": s.secrets.refresh_token.is_some(),
        "has_client_secret": s.secrets.client_secret.is_some(),
        "has_password": s.secrets.password.is_some(),
        "updated_at": m.updated_at,
        "key": ctx.key_source.describe(),
    })
}

fn status(ctx: &Ctx, path: &Path, json: bool) -> Result<(), Failure> {
    let key = ctx.key()?;
    let s = settings::read(path, &key)?;
    let v = status_json(&s, path, ctx);
    if json {
        print_json(&v);
        return Ok(());
    }
    let m = &s.meta;
    let yes = |b: bool| if b { "yes" } else { "no" };
    println!("Settings:       {}", path.display());
    println!(
        "Provider:       {} ({}, {})",
        m.provider,
        m.scheme,
        m.kind.as_str()
    );
    if let Some(c) = &m.client_id {
        println!("Client id:      {c}");
    }
    if let Some(r) = &m.region {
        println!("Region:         {r}");
    }
    if let Some(o) = &m.org_id {
        println!("Org id:         {o}");
    }
    if let Some(u) = &m.endpoints.token_url {
        println!("Token URL:      {u}");
    }
    println!(
        "Scopes:         {}",
        if m.scopes.is_empty() {
            "(none asked: the app's scopes)".to_string()
        } else {
            m.scopes.join(" ")
        }
    );
    if let Some(g) = &m.granted_scopes {
        println!("Granted:        {}", g.join(" "));
    }
    println!("Token:          {}", expiry_text(&s));
    println!("Refresh token:  {}", yes(s.secrets.refresh_token.is_some()));
    println!(
        "Client secret:  {}",
        if s.secrets.client_secret.is_some() {
            "stored (encrypted)"
        } else {
            "not stored"
        }
    );
    println!("InitiateOAuth:  {}", m.initiate_oauth.as_str());
    println!("Key:            {}", ctx.key_source.describe());
    Ok(())
}

fn test(ctx: &Ctx, path: &Path, json: bool) -> Result<(), Failure> {
    let key = ctx.key()?;
    let profiles = ctx.profiles()?;
    let rt = runtime()?;
    let outcome = rt.block_on(async {
        let token = token_service::get_token(&settings::FileStore::new(path, &key))
            .await
            .map_err(Failure::from)?;
        let s = settings::read(path, &key)?;
        let profile = provider::find(&profiles, &s.meta.provider)?;
        let http = crate::http::client();
        match probe::test(&http, profile, &s.meta, &token).await {
            // A token without a stated lifetime ends with a 401: renew it once
            // when the file can (stored InEvent password, stored client secret).
            Err(probe::TestError::Unauthorized { .. })
                if token_service::can_renew_unattended(&s) =>
            {
                let fresh =
                    token_service::renew_rejected(&settings::FileStore::new(path, &key), &token)
                        .await
                        .map_err(Failure::from)?;
                probe::test(&http, profile, &s.meta, &fresh)
                    .await
                    .map_err(Failure::from)
            }
            other => other.map_err(Failure::from),
        }
    })?;
    if json {
        print_json(
            &json!({"ok": true, "status": outcome.status, "summary": outcome.summary, "elapsed_ms": outcome.elapsed_ms}),
        );
    } else {
        println!("OK: {} ({} ms)", outcome.summary, outcome.elapsed_ms);
    }
    Ok(())
}

fn conn_string(ctx: &Ctx, path: &Path, include_secret: bool, json: bool) -> Result<(), Failure> {
    let key = ctx.key()?;
    let s = settings::read(path, &key)?;
    let cs = connection_string::build(&s, path, include_secret);
    if json {
        print_json(&json!({"connection_string": cs}));
    } else {
        println!("{cs}");
    }
    Ok(())
}
