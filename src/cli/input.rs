//! Turning the sign-in flags of `login` and `auth-url` into a [`LoginInput`],
//! reading the secrets they point to.

use super::args::{ClientAuthArg, CredentialArgs, SignInArgs};
use super::ctx::Ctx;
use super::failure::{Failure, exit};
use super::prompt::read_secret;
use oauth_setup::oauth::{BrowserMode, ClientKey};
use oauth_setup::provider::{self, Endpoints, Field, Profile, Scheme};
use oauth_setup::signin::LoginInput;
use std::collections::BTreeMap;
use std::time::Duration;

/// How the sign-in will run: what the command decides, not the provider.
pub struct Run {
    pub browser: BrowserMode,
    pub timeout: Duration,
    /// Ask for missing secrets on the terminal (not with `--json`, whose
    /// caller is a script).
    pub prompt: bool,
}

pub fn login_input(
    ctx: &Ctx,
    args: &SignInArgs,
    creds: &CredentialArgs,
    run: Run,
    profiles: &[Profile],
) -> Result<LoginInput, Failure> {
    let profile = ctx.find_profile(profiles, &args.provider)?;
    let scheme = profile.scheme(args.scheme.as_deref())?;
    let scopes = scopes(profile, args)?;
    let secrets = Secrets::read(ctx, args, creds, scheme, run.prompt)?;
    let e = &args.endpoints;
    Ok(LoginInput {
        profile_id: profile.id.clone(),
        scheme: Some(scheme.id.clone()),
        region: args.region.clone(),
        vars: vars(args),
        endpoints: Endpoints {
            issuer: e.issuer.clone(),
            authorize_url: e.authorize_url.clone(),
            token_url: e.token_url.clone(),
            device_authorization_url: e.device_url.clone(),
            signin_url: e.signin_url.clone(),
            test_url: e.test_url.clone(),
            revocation_url: None,
        },
        client_id: args.client_id.clone(),
        client_secret: secrets.client_secret,
        client_auth: args.client_auth.map(Into::into),
        client_key: client_key(args)?,
        store_client_secret: !args.no_store_client_secret,
        username: creds.username.clone(),
        password: secrets.password,
        store_password: creds.store_password,
        event_id: creds.event_id.clone(),
        org_id: args.org_id.clone(),
        static_token: secrets.static_token,
        scopes,
        callback_url: args.callback_url.clone(),
        browser: run.browser,
        timeout: run.timeout.max(Duration::from_secs(1)),
        initiate_oauth: args.initiate_oauth.into(),
        refresh_token: secrets.refresh_token,
    })
}

/// `--client-key-file` / `--client-cert-file`, checked now, so a wrong path
/// fails before a browser opens.
fn client_key(args: &SignInArgs) -> Result<Option<ClientKey>, Failure> {
    local_client_key(
        args.client_key_file.as_deref(),
        args.client_cert_file.as_deref(),
    )
}

/// A client key given on this machine (the only place one comes from: never
/// a bundle or a Vault document), with its links resolved now, since the
/// key file is read without following one, and made absolute (renewals run
/// from anywhere).
pub fn local_client_key(
    key_file: Option<&std::path::Path>,
    cert_file: Option<&std::path::Path>,
) -> Result<Option<ClientKey>, Failure> {
    let Some(key_file) = key_file else {
        return Ok(None);
    };
    let resolve = |p: &std::path::Path, flag: &str| {
        std::fs::canonicalize(p)
            .ok()
            .filter(|p| p.is_file())
            .ok_or_else(|| {
                Failure::new(exit::USAGE, format!("{flag} {}: no such file", p.display()))
            })
    };
    let key = ClientKey {
        key_file: resolve(key_file, "--client-key-file")?,
        cert_file: cert_file
            .map(|c| resolve(c, "--client-cert-file"))
            .transpose()?,
    };
    if let Some(cert) = &key.cert_file {
        oauth_setup::oauth::assertion::thumbprint(cert)
            .map_err(|e| Failure::new(exit::USAGE, e))?;
    }
    warn_if_shared(&key.key_file);
    Ok(Some(key))
}

/// A private key other users can read is as good as theirs: say so (as ssh
/// does), without refusing a key the user may not own the mode of.
fn warn_if_shared(path: &std::path::Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(m) = std::fs::metadata(path)
            && m.permissions().mode() & 0o077 != 0
        {
            eprintln!(
                "warning: the client key {} can be read by other users (mode {:o}); `chmod 600` it",
                path.display(),
                m.permissions().mode() & 0o777
            );
        }
    }
}

/// `--scopes` (space or comma separated), else `--preset`, else None: the
/// scheme's default.
fn scopes(profile: &Profile, args: &SignInArgs) -> Result<Option<Vec<String>>, Failure> {
    if let Some(raw) = &args.scopes {
        return Ok(Some(
            raw.split([' ', ','])
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
        ));
    }
    let Some(preset) = &args.preset else {
        return Ok(None);
    };
    profile.preset_scopes(preset).map(Some).ok_or_else(|| {
        let known: Vec<_> = profile
            .scope_presets
            .iter()
            .map(|p| p.id.as_str())
            .collect();
        Failure::new(
            exit::USAGE,
            format!(
                "provider `{}` has no scope preset `{preset}`; its presets: {}",
                profile.id,
                known.join(", ")
            ),
        )
    })
}

/// `OAUTH_SETUP_VAR_<NAME>`, then `--var` (which wins), then `--service-root`.
fn vars(args: &SignInArgs) -> BTreeMap<String, String> {
    let mut vars = provider::env_vars();
    for v in &args.vars {
        vars.insert(v.name.clone(), v.value.clone());
    }
    if let Some(root) = &args.endpoints.service_root {
        vars.insert("service_root".into(), root.clone());
    }
    vars
}

struct Secrets {
    client_secret: Option<secrecy::SecretString>,
    password: Option<secrecy::SecretString>,
    static_token: Option<secrecy::SecretString>,
    refresh_token: Option<secrecy::SecretString>,
}

impl Secrets {
    /// Each from its file, stdin or variable; a prompt only for what the
    /// scheme needs.
    fn read(
        ctx: &Ctx,
        args: &SignInArgs,
        creds: &CredentialArgs,
        scheme: &Scheme,
        prompt: bool,
    ) -> Result<Self, Failure> {
        let ask = |f: Field| prompt && ctx.tty.stdin && scheme.fields.contains(&f);
        // A signed assertion replaces the secret: never ask for one.
        let keyed = args.client_key_file.is_some()
            || matches!(args.client_auth, Some(ClientAuthArg::PrivateKeyJwt));
        Ok(Self {
            client_secret: read_secret(
                "client secret",
                "OAUTH_SETUP_CLIENT_SECRET",
                args.client_secret_file.as_deref(),
                args.client_secret_stdin,
                !keyed && ask(Field::ClientSecret),
            )?,
            password: read_secret(
                "password",
                "OAUTH_SETUP_PASSWORD",
                creds.password_file.as_deref(),
                creds.password_stdin,
                ask(Field::Password),
            )?,
            static_token: read_secret(
                "token",
                "OAUTH_SETUP_TOKEN",
                creds.token_file.as_deref(),
                creds.token_stdin,
                ask(Field::Token),
            )?,
            // Never from the environment or a prompt: only asked for by
            // its own flags, which decide that the sign-in starts from it.
            refresh_token: read_secret(
                "refresh token",
                "",
                creds.refresh_token_file.as_deref(),
                creds.refresh_token_stdin,
                false,
            )?,
        })
    }
}
