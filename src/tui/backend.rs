//! Everything the wizard needs from the rest of the crate, in one file, so
//! that following renames on `main` is a local edit. `update` stays pure:
//! it only builds [`Command`]s, and [`Executor`] runs them here.

use super::action::{Action, Command, Failure, Saved};
use super::state::{FormKey, FormRow, State};
use crate::probe;
use crate::provider::{self, Endpoints, Field, Profile, Scheme};
use crate::settings::key::{KeySource, load_key};
use crate::settings::{InitiateOAuth, Settings};
use crate::signin::LoginError;
use crate::signin::{self, LoginInput};
use base64::Engine as _;
use secrecy::SecretString;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::runtime::Handle;
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};
use tokio_util::sync::CancellationToken;

/// Built-in profiles plus the user's own (`<config>/providers/*.toml`). A
/// broken user file does not hide the good profiles: its error comes back
/// beside them for the provider screen to show.
pub fn load_profiles(config_dir: &Path) -> (Vec<Profile>, Option<String>) {
    let (profiles, errors) =
        provider::load_all_lenient(Some(&crate::paths::providers_dir(config_dir)));
    let error = errors.first().map(|e| {
        let more = errors.len() - 1;
        if more > 0 {
            format!("{e} (and {more} more)")
        } else {
            e.to_string()
        }
    });
    (profiles, error)
}

/// `<config>/settings/<provider>.json`: the layout of `crate::paths`, under
/// the config dir the CLI handed over.
pub fn default_settings_path(config_dir: &Path, provider_id: &str) -> PathBuf {
    crate::paths::settings_file(config_dir, provider_id)
}

/// The scopes a preset stands for.
pub fn preset_scopes(profile: &Profile, preset_id: &str) -> Option<Vec<String>> {
    profile.preset_scopes(preset_id)
}

/// The method's default selection: its named preset, else nothing.
pub fn default_scopes(profile: &Profile, scheme: &Scheme) -> (Option<usize>, Vec<String>) {
    let Some(id) = &scheme.default_scope_preset else {
        return (None, Vec::new());
    };
    let idx = profile.scope_presets.iter().position(|p| &p.id == id);
    (idx, preset_scopes(profile, id).unwrap_or_default())
}

/// The sign-in request the wizard's answers describe.
pub fn login_input(state: &State) -> LoginInput {
    let mut input = LoginInput::default();
    let (Some(profile), Some(scheme)) = (state.profile(), state.scheme()) else {
        return input;
    };
    input.profile_id = profile.id.clone();
    input.scheme = Some(scheme.id.clone());
    input.region = state.region().map(|r| r.id.clone());
    if scheme.uses_scopes && !profile.scopes.is_empty() {
        input.scopes = Some(state.selected_scopes());
    }
    for row in state.form_rows() {
        let key = match row {
            FormRow::Input { key, .. } => key,
            FormRow::KeepSecret => {
                input.store_client_secret = state.creds.keep_secret;
                input.store_password = state.creds.keep_secret;
                continue;
            }
        };
        let v = state.input_value(&key).trim().to_string();
        if v.is_empty() {
            continue;
        }
        match key {
            FormKey::Var(name) => {
                input.vars.insert(name, v);
            }
            FormKey::Field(f) => match f {
                Field::ClientId => input.client_id = Some(v),
                Field::ClientSecret => input.client_secret = Some(SecretString::from(v)),
                Field::CallbackUrl => input.callback_url = Some(v),
                Field::OrgId => input.org_id = Some(v),
                Field::Username => input.username = Some(v),
                Field::Password => input.password = Some(SecretString::from(v)),
                Field::EventId => input.event_id = Some(v),
                Field::Token => input.static_token = Some(SecretString::from(v)),
                Field::Issuer => {
                    input.endpoints.issuer = Some(v.clone());
                    input.vars.insert("issuer".into(), v);
                }
                Field::AuthorizeUrl => input.endpoints.authorize_url = Some(v),
                Field::TokenUrl => input.endpoints.token_url = Some(v),
                Field::ServiceRoot => {
                    input.vars.insert("service_root".into(), v);
                }
            },
        }
    }
    // The environment overrides the profile as on the command line; what the
    // user typed in the wizard wins over both.
    for (k, v) in provider::env_vars() {
        input.vars.entry(k).or_insert(v);
    }
    if let Some(root) = std::env::var("OAUTH_SETUP_SERVICE_ROOT")
        .ok()
        .filter(|v| !v.is_empty())
    {
        input.vars.entry("service_root".into()).or_insert(root);
    }
    input.endpoints = std::mem::take(&mut input.endpoints).or(Endpoints::from_env());
    input.initiate_oauth = state.save.mode;
    input
}

pub fn failure_from_login(e: LoginError) -> Failure {
    use crate::http::TransportError;
    use crate::oauth::TokenError;
    // Most messages already say what to do; these are the ones that do not
    // point at the likely cause from the wizard's point of view.
    let hint = match &e {
        _ if e.is_denied() => Some(
            "The request was declined in the browser. Press r to ask again, and approve it."
                .to_string(),
        ),
        LoginError::Token(TokenError::Transport(
            TransportError::Connect { .. } | TransportError::Timeout { .. },
        )) => Some(
            "Check the network (proxy, firewall, VPN), the region on the method screen and any URL you typed."
                .to_string(),
        ),
        _ => None,
    };
    Failure {
        cancelled: e.is_cancelled(),
        message: e.to_string(),
        hint,
    }
}

/// Runs the provider's test request with the fresh token; `Ok` is a
/// one-line summary.
pub async fn run_test(settings: Settings, profile: Option<Profile>) -> Result<String, Failure> {
    let Some(profile) = profile else {
        return Err(Failure::new(format!(
            "provider `{}` is not loaded",
            settings.meta.provider
        )));
    };
    if profile.test.is_none() {
        return Ok(format!("{} has no test request", profile.name));
    }
    if settings.meta.endpoints.test_url.is_none() {
        return Err(Failure::new(probe::TestError::NoUrl.to_string()));
    }
    let secrets = &settings.secrets;
    let Some(token) = secrets
        .access_token
        .as_ref()
        .or(secrets.static_token.as_ref())
    else {
        return Err(Failure::new("the sign-in returned no token to test"));
    };
    probe::test(&crate::http::client(), &profile, &settings.meta, token)
        .await
        .map(|o| o.summary)
        .map_err(|e| Failure::new(e.to_string()))
}

pub fn lookup_noun(field: Field) -> &'static str {
    match field {
        Field::OrgId => "organizations",
        _ => "choices",
    }
}

/// The pick list for `field`: a token by client credentials with what the
/// form holds (no extra headers: the org header is what we are looking for),
/// then the profile's lookup request with it. The token is not kept.
pub async fn lookup_choices(
    input: LoginInput,
    field: Field,
    profiles: &[Profile],
) -> Result<Vec<probe::Choice>, Failure> {
    let what = lookup_noun(field);
    let profile = profiles
        .iter()
        .find(|p| p.id == input.profile_id)
        .ok_or_else(|| Failure::new(format!("provider `{}` is not loaded", input.profile_id)))?;
    let scheme = profile
        .scheme(input.scheme.as_deref())
        .map_err(|e| Failure::new(e.to_string()))?;
    let lookup = profile
        .lookups
        .iter()
        .find(|l| l.field == field)
        .ok_or_else(|| Failure::new(format!("{} has no list for this field", profile.name)))?;
    let region = profile.region(input.region.as_deref()).ok().flatten();
    let mut vars = profile.base_vars(region);
    vars.extend(input.vars.iter().map(|(k, v)| (k.clone(), v.clone())));
    let token_url = match (&input.endpoints.token_url, &scheme.token_url) {
        (Some(u), _) => u.clone(),
        (None, Some(t)) => profile
            .render(t, &vars)
            .map_err(|e| Failure::new(e.to_string()))?,
        (None, None) => return Err(Failure::new("this method has no token URL to ask")),
    };
    let client_id = input
        .client_id
        .clone()
        .ok_or_else(|| Failure::new("enter the client ID first"))?;
    let client = crate::oauth::ClientCredentials {
        client_id,
        client_secret: input.client_secret.clone(),
        auth: input.client_auth.unwrap_or(scheme.client_auth),
    };
    let scopes = input.scopes.clone().unwrap_or_else(|| {
        scheme
            .default_scope_preset
            .as_deref()
            .and_then(|p| profile.preset_scopes(p))
            .unwrap_or_default()
    });
    let http = crate::http::client();
    let token = crate::oauth::client_credentials::run(
        &http,
        &token_url,
        &client,
        &scopes,
        &std::collections::BTreeMap::new(),
    )
    .await
    .map_err(|e| Failure::new(format!("no token to ask with: {e}")))?;
    let url = profile
        .render(&lookup.url, &vars)
        .map_err(|e| Failure::new(e.to_string()))?;
    let headers = lookup
        .headers
        .iter()
        .filter_map(|(k, t)| Some((k.clone(), profile.render(t, &vars).ok()?)))
        .collect();
    let choices = probe::lookup(&http, lookup, &url, &headers, &token.access_token)
        .await
        .map_err(|e| Failure::new(e.to_string()))?;
    if choices.is_empty() {
        return Err(Failure::new(format!("the app's token sees no {what}")));
    }
    Ok(choices)
}

/// Writes the settings file (encrypted under the user's key) and describes
/// how to use it.
pub fn save(
    path: &Path,
    mut settings: Settings,
    mode: InitiateOAuth,
    config_dir: &Path,
) -> Result<Saved, Failure> {
    let path = expand_home(path);
    settings.meta.initiate_oauth = mode;
    let source = KeySource::from_env_and_flag(None, config_dir);
    let key = load_key(&source).map_err(|e| Failure::new(e.to_string()))?;
    crate::settings::write(&path, &key, &settings).map_err(|e| Failure::new(e.to_string()))?;
    Ok(Saved {
        connection_string: connection_string(&settings, &path),
        token_command: token_command(&path),
        path,
    })
}

/// Writes `settings` as an age bundle (passphrase, scrypt) that
/// `oauth-setup import` opens on a server. An existing file is not replaced.
pub fn export_bundle(
    path: &Path,
    mut settings: Settings,
    mode: InitiateOAuth,
    passphrase: &SecretString,
) -> Result<PathBuf, Failure> {
    let path = expand_home(path);
    if std::fs::symlink_metadata(&path).is_ok() {
        return Err(Failure::new(format!(
            "{} exists: choose another file name",
            path.display()
        )));
    }
    settings.meta.initiate_oauth = mode;
    let armored = crate::export::bundle::seal(&settings, passphrase)
        .map_err(|e| Failure::new(e.to_string()))?;
    crate::settings::write_atomic(&path, armored.as_bytes())
        .map_err(|e| Failure::new(e.to_string()))?;
    Ok(path)
}

/// The connector's connection string (no secret in it: it points at the file).
pub fn connection_string(settings: &Settings, path: &Path) -> String {
    crate::export::connection_string::build(settings, path, false)
}

pub fn token_command(path: &Path) -> String {
    format!(
        "oauth-setup token --settings {}",
        shell_quote(&path.to_string_lossy())
    )
}

fn shell_quote(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-~:+=@,".contains(c));
    if plain {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

fn expand_home(p: &Path) -> PathBuf {
    match (p.strip_prefix("~"), std::env::var_os("HOME")) {
        (Ok(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => p.to_path_buf(),
    }
}

/// The OSC 52 sequence that puts `text` on the terminal's clipboard (works
/// over SSH, where no local clipboard tool could).
pub fn osc52(text: &str) -> String {
    format!(
        "\x1b]52;c;{}\x07",
        base64::engine::general_purpose::STANDARD.encode(text)
    )
}

/// Starts `$BROWSER` (or the system opener) without waiting for it.
pub fn open_url(url: &str) -> Result<(), String> {
    crate::browser::open(url).map_err(|e| e.to_string())
}

/// Hands the query of a redirect URL pasted from another machine's browser
/// to the loopback server waiting at `redirect_uri`. The flow still checks
/// `state`, so a wrong or stale paste is refused there.
pub async fn replay_redirect(redirect_uri: &str, pasted: &str) -> Result<(), Failure> {
    let pasted = url::Url::parse(pasted.trim()).map_err(|_| {
        Failure::new("That is not a web address: copy the whole address bar of the browser.")
    })?;
    let Some(query) = pasted.query().filter(|q| !q.is_empty()) else {
        return Err(Failure::new(
            "The pasted address has no `?code=…` part: copy the address bar after the provider sent you back.",
        ));
    };
    let mut local = url::Url::parse(redirect_uri)
        .map_err(|e| Failure::new(format!("bad redirect URI {redirect_uri}: {e}")))?;
    if !crate::provider::is_loopback(&local) {
        return Err(Failure::new(
            "The redirect URI is not a loopback address, so there is nothing local to deliver the code to.",
        ));
    }
    local.set_query(Some(query));
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| Failure::new(e.to_string()))?;
    let resp = client
        .get(local)
        .send()
        .await
        .map_err(|e| Failure::new(format!("could not reach the local sign-in server: {e}")))?;
    if resp.status().is_success() {
        Ok(())
    } else {
        Err(Failure::new(format!(
            "the local sign-in server refused the address (HTTP {}): was it from this sign-in attempt?",
            resp.status().as_u16()
        )))
    }
}

/// What the caller must do itself after a command ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Nothing,
    /// Write this OSC 52 payload to the terminal.
    Copy(String),
    Quit,
}

/// Runs [`Command`]s on a tokio runtime; results come back as [`Action`]s.
pub struct Executor {
    handle: Handle,
    tx: UnboundedSender<Action>,
    cancel: Option<CancellationToken>,
    /// The profiles the wizard shows; sign-in and test use the same ones.
    profiles: Arc<Vec<Profile>>,
    config_dir: PathBuf,
}

impl Executor {
    pub fn new(
        handle: Handle,
        tx: UnboundedSender<Action>,
        profiles: Vec<Profile>,
        config_dir: PathBuf,
    ) -> Self {
        Self {
            handle,
            tx,
            cancel: None,
            profiles: Arc::new(profiles),
            config_dir,
        }
    }

    pub fn execute(&mut self, cmd: Command) -> Outcome {
        match cmd {
            Command::StartLogin { run, input } => {
                self.cancel_login();
                let cancel = CancellationToken::new();
                self.cancel = Some(cancel.clone());
                let tx = self.tx.clone();
                let (etx, mut erx) = unbounded_channel();
                let profiles = self.profiles.clone();
                let mut task = self.handle.spawn(async move {
                    signin::run_login_with(*input, &profiles, etx, cancel).await
                });
                self.handle.spawn(async move {
                    let result = loop {
                        tokio::select! {
                            Some(event) = erx.recv() => {
                                let _ = tx.send(Action::Login { run, event });
                            }
                            joined = &mut task => break joined,
                        }
                    };
                    // Events sent just before the flow returned come first.
                    while let Ok(event) = erx.try_recv() {
                        let _ = tx.send(Action::Login { run, event });
                    }
                    let result = match result {
                        Ok(r) => r.map(Box::new).map_err(failure_from_login),
                        Err(e) => Err(Failure::new(format!(
                            "the sign-in stopped unexpectedly: {e}"
                        ))),
                    };
                    let _ = tx.send(Action::LoginFinished { run, result });
                });
                Outcome::Nothing
            }
            Command::CancelLogin => {
                self.cancel_login();
                Outcome::Nothing
            }
            Command::StartTest { run, settings } => {
                let tx = self.tx.clone();
                let profile = self
                    .profiles
                    .iter()
                    .find(|p| p.id == settings.meta.provider)
                    .cloned();
                self.handle.spawn(async move {
                    let result = run_test(*settings, profile).await;
                    let _ = tx.send(Action::TestFinished { run, result });
                });
                Outcome::Nothing
            }
            Command::Save {
                path,
                settings,
                mode,
            } => {
                let tx = self.tx.clone();
                let config_dir = self.config_dir.clone();
                self.handle.spawn_blocking(move || {
                    let result = save(&path, *settings, mode, &config_dir);
                    let _ = tx.send(Action::SaveFinished(result));
                });
                Outcome::Nothing
            }
            Command::Lookup { run, field, input } => {
                let tx = self.tx.clone();
                let profiles = self.profiles.clone();
                self.handle.spawn(async move {
                    let result = lookup_choices(*input, field, &profiles).await;
                    let _ = tx.send(Action::LookupFinished { run, result });
                });
                Outcome::Nothing
            }
            Command::ExportBundle {
                path,
                settings,
                mode,
                passphrase,
            } => {
                let tx = self.tx.clone();
                // scrypt takes about a second on purpose: off the async workers.
                self.handle.spawn_blocking(move || {
                    let result = export_bundle(&path, *settings, mode, &passphrase);
                    let _ = tx.send(Action::ExportFinished(result));
                });
                Outcome::Nothing
            }
            Command::OpenUrl(url) => {
                if let Err(e) = open_url(&url) {
                    let _ = self.tx.send(Action::Notice(format!(
                        "The browser did not start ({e}); press c to copy the address instead."
                    )));
                }
                Outcome::Nothing
            }
            Command::Copy(text) => Outcome::Copy(osc52(&text)),
            Command::ReplayRedirect {
                redirect_uri,
                pasted,
            } => {
                let tx = self.tx.clone();
                self.handle.spawn(async move {
                    let r = replay_redirect(&redirect_uri, &pasted).await;
                    let _ = tx.send(Action::ReplayFinished(r));
                });
                Outcome::Nothing
            }
            Command::Quit => {
                self.cancel_login();
                Outcome::Quit
            }
        }
    }

    fn cancel_login(&mut self) {
        if let Some(c) = self.cancel.take() {
            c.cancel();
        }
    }
}

impl Drop for Executor {
    fn drop(&mut self) {
        self.cancel_login();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_and_osc52() {
        assert_eq!(shell_quote("/a/b.json"), "/a/b.json");
        assert_eq!(shell_quote("/a b/it's"), r"'/a b/it'\''s'");
        assert_eq!(osc52("hi"), "\x1b]52;c;aGk=\x07");
    }
}
