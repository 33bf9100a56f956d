//! The executor: runs the [`Effect`]s `update` asks for (sign-in, test
//! call, save, export, pick lists, browser, clipboard) and sends their
//! results back as [`Action`]s. What the wizard does with the rest of the
//! crate happens here, so following renames there is a local edit.

use super::action::LoginInput;
use super::action::{Action, Effect, Failure};
use super::failure;

mod jobs;
use crate::provider::{self, Field, Profile};
use crate::settings::key::KeySource;
use crate::settings::{InitiateOAuth, Settings};
use crate::{probe, signin};
use base64::Engine as _;
pub(super) use jobs::load as load_connections;
use secrecy::SecretString;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::runtime::Handle;
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};
use tokio_util::sync::CancellationToken;

/// Built-in profiles plus the user's own (`<config>/providers/*.toml`). A
/// broken user file does not hide the good profiles: its error comes back
/// beside them for the provider screen to show.
pub(super) fn load_profiles(config_dir: &Path) -> (Vec<Profile>, Option<String>) {
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

/// Runs the provider's test request with the fresh token; `Ok` is a
/// one-line summary.
async fn run_test(settings: Settings, profile: Option<Profile>) -> Result<String, Failure> {
    let Some(profile) = profile else {
        return Err(Failure::new(format!(
            "provider `{}` is not loaded",
            settings.meta.provider
        )));
    };
    if profile.test.is_none() {
        return Ok(format!("{} has no test request", profile.name));
    }
    let failed = |e: probe::TestError| Failure {
        message: e.to_string(),
        cancelled: false,
        field: None,
        hint: Some(e.advice(
            profile.test.as_ref(),
            settings.meta.endpoints.test_url.as_deref(),
        )),
    };
    if settings.meta.endpoints.test_url.is_none() {
        return Err(failed(probe::TestError::NoUrl));
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
        .map_err(failed)
}

/// The pick list for `field`: a token by client credentials with what the
/// form holds (no extra headers: the org header is what we are looking for),
/// then the profile's lookup request with it. The token is not kept.
async fn lookup_choices(
    input: LoginInput,
    field: Field,
    profiles: &[Profile],
) -> Result<Vec<probe::Choice>, Failure> {
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
        key: input.client_key.clone(),
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
    probe::lookup_with_vars(&http, profile, lookup, &vars, &token.access_token)
        .await
        .map_err(|e| Failure::new(e.to_string()))
}

/// Writes `settings` as an age bundle (passphrase, scrypt) that
/// `oauth-setup import` opens on a server. An existing file is not replaced.
fn export_bundle(
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

pub(super) fn expand_home(p: &Path) -> PathBuf {
    match (p.strip_prefix("~"), std::env::var_os("HOME")) {
        (Ok(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => p.to_path_buf(),
    }
}

/// The OSC 52 sequence that puts `text` on the terminal's clipboard (works
/// over SSH, where no local clipboard tool could).
fn osc52(text: &str) -> String {
    format!(
        "\x1b]52;c;{}\x07",
        base64::engine::general_purpose::STANDARD.encode(text)
    )
}

async fn replay_redirect(redirect_uri: &str, pasted: &str) -> Result<(), Failure> {
    signin::deliver(redirect_uri, pasted)
        .await
        .map_err(|e| Failure::new(e.to_string()))
}

/// What the caller must do itself after an effect ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Nothing,
    /// Write this OSC 52 payload to the terminal.
    Copy(String),
    /// Turn the terminal's mouse reporting on or off.
    Mouse(bool),
    Quit,
}

/// Runs [`Effect`]s on a tokio runtime; results come back as [`Action`]s.
pub struct Executor {
    handle: Handle,
    tx: UnboundedSender<Action>,
    cancel: Option<CancellationToken>,
    /// The profiles the wizard shows; sign-in and test use the same ones.
    profiles: Arc<Vec<Profile>>,
    /// The key settings files are encrypted with.
    key: KeySource,
}

impl Executor {
    pub fn new(
        handle: Handle,
        tx: UnboundedSender<Action>,
        profiles: Vec<Profile>,
        key: KeySource,
    ) -> Self {
        Self {
            handle,
            tx,
            cancel: None,
            profiles: Arc::new(profiles),
            key,
        }
    }

    pub fn execute(&mut self, effect: Effect) -> Outcome {
        match effect {
            Effect::StartLogin { run, input } => self.start_login(run, *input),
            Effect::CancelLogin => self.cancel_login(),
            Effect::StartTest { run, settings } => {
                let profile = self
                    .profiles
                    .iter()
                    .find(|p| p.id == settings.meta.provider)
                    .cloned();
                self.spawn(async move {
                    let result = run_test(*settings, profile).await;
                    Action::TestFinished { run, result }
                });
            }
            Effect::Save {
                target,
                settings,
                mode,
                replace,
                config_dir,
            } => {
                let key = self.key.clone();
                self.spawn(async move {
                    let done = super::saving::run(target, *settings, mode, replace, key).await;
                    if let Action::SaveFinished(Ok(saved)) = &done
                        && let Err(e) = crate::settings::known::remember(
                            &config_dir,
                            std::path::Path::new(&saved.location),
                        )
                    {
                        tracing::warn!(error = %e, "cannot remember the saved location");
                    }
                    done
                });
            }
            Effect::Lookup { run, field, input } => {
                let profiles = self.profiles.clone();
                self.spawn(async move {
                    let result = lookup_choices(*input, field, &profiles).await;
                    Action::LookupFinished { run, result }
                });
            }
            Effect::ExportBundle {
                path,
                settings,
                mode,
                passphrase,
            } => {
                // scrypt takes about a second on purpose: off the async workers.
                self.blocking(move || {
                    Action::ExportFinished(export_bundle(&path, *settings, mode, &passphrase))
                });
            }
            Effect::OpenUrl(url) => {
                // The opener gets a moment to fail (browser::open): off the
                // UI thread.
                let tx = self.tx.clone();
                std::thread::spawn(move || {
                    if let Err(e) = crate::browser::open(&url) {
                        let _ = tx.send(Action::Notice(format!(
                            "The browser did not start ({e}); press c to copy the address instead."
                        )));
                    }
                });
            }
            Effect::Copy(text) => return Outcome::Copy(osc52(&text)),
            Effect::MouseCapture(on) => return Outcome::Mouse(on),
            Effect::OfferScopes { issuer } => self.spawn(async move {
                // A failure here says nothing: the sign-in reads the same
                // document and reports what is wrong with it.
                let meta = crate::provider::discovery::discover(&crate::http::client(), &issuer)
                    .await
                    .ok();
                let secret_expected = meta
                    .as_ref()
                    .is_some_and(crate::provider::discovery::Metadata::client_secret_expected);
                let scopes = meta.and_then(|m| m.scopes_supported).unwrap_or_default();
                Action::ScopesOffered {
                    issuer,
                    scopes,
                    secret_expected,
                }
            }),
            Effect::ReplayRedirect {
                redirect_uri,
                pasted,
            } => self.spawn(async move {
                Action::ReplayFinished(replay_redirect(&redirect_uri, &pasted).await)
            }),
            effect @ (Effect::LoadConnections { .. }
            | Effect::TestConnection { .. }
            | Effect::RenewConnection { .. }
            | Effect::Logout { .. }
            | Effect::Describe { .. }) => self.connection_job(effect),
            Effect::Quit => {
                self.cancel_login();
                return Outcome::Quit;
            }
        }
        Outcome::Nothing
    }

    /// Runs `job` on the runtime and sends the action it ends with.
    fn spawn(&self, job: impl Future<Output = Action> + Send + 'static) {
        let tx = self.tx.clone();
        self.handle.spawn(async move {
            let _ = tx.send(job.await);
        });
    }

    /// Runs blocking `job` off the async workers and sends the action it ends with.
    fn blocking(&self, job: impl FnOnce() -> Action + Send + 'static) {
        let tx = self.tx.clone();
        self.handle.spawn_blocking(move || {
            let _ = tx.send(job());
        });
    }

    /// Starts sign-in `run` (cancelling the one before) and forwards its
    /// progress events, then its result, tagged with `run`.
    fn start_login(&mut self, run: u64, input: LoginInput) {
        self.cancel_login();
        let cancel = CancellationToken::new();
        self.cancel = Some(cancel.clone());
        let tx = self.tx.clone();
        let (etx, mut erx) = unbounded_channel();
        let profiles = self.profiles.clone();
        let mut task = self
            .handle
            .spawn(async move { signin::run_login_with(input, &profiles, etx, cancel).await });
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
                Ok(r) => r.map(Box::new).map_err(failure::from_login),
                Err(e) => Err(Failure::new(format!(
                    "the sign-in stopped unexpectedly: {e}"
                ))),
            };
            let _ = tx.send(Action::LoginFinished { run, result });
        });
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
    fn osc52_wraps_base64() {
        assert_eq!(osc52("hi"), "\x1b]52;c;aGk=\x07");
    }
}
