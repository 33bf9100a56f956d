//! The round trip of a saved connection through a new sign-in: whatever
//! the document holds, signing in again writes it back as it was, but for
//! what the new grant replaces; "change scopes" changes only the scopes.
//! Runs the real `resolve` and the one document builder a sign-in uses,
//! with every URL saved, so no request leaves the machine.

use super::*;
use crate::oauth::ClientKey;
use crate::provider::{self, ClientAuth, Endpoint, SchemeKind};
use crate::settings::{Account, InitiateOAuth, LastTest, Settings};
use crate::signin::input::LoginInput;
use crate::signin::record::{apply_tokens, document};
use crate::signin::resolve::{Resolved, resolve};
use proptest::prelude::*;
use proptest::sample::Index;
use secrecy::{ExposeSecret, SecretString};

pub(crate) fn profiles() -> &'static [crate::provider::Profile] {
    static CELL: std::sync::OnceLock<Vec<crate::provider::Profile>> = std::sync::OnceLock::new();
    CELL.get_or_init(provider::builtin)
}

pub(crate) fn resolved(input: &LoginInput) -> Result<Resolved, String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (events, _rx) = tokio::sync::mpsc::unbounded_channel();
    // Every URL a scheme needs is saved: no discovery, so no request.
    let http = reqwest::Client::builder().build().unwrap();
    rt.block_on(resolve(input, profiles(), &http, &events))
        .map_err(|e| e.to_string())
}

/// A value for variable `name`: a URL where templates put one, else a word.
fn var_value(name: &str) -> BoxedStrategy<String> {
    let url = ["host", "base", "root", "url", "issuer"]
        .iter()
        .any(|w| name.contains(w));
    if url {
        "[a-z]{1,8}"
            .prop_map(|h| format!("https://{h}.example.com"))
            .boxed()
    } else {
        "[a-z0-9]{1,12}".boxed()
    }
}

fn url(path: &'static str) -> impl Strategy<Value = String> {
    "[a-z]{1,8}".prop_map(move |h| format!("https://{h}.example.org/{path}"))
}

fn secret() -> impl Strategy<Value = Option<SecretString>> {
    proptest::option::of("[ -~]{1,20}".prop_map(SecretString::from))
}

const AUTHS: [ClientAuth; 6] = [
    ClientAuth::Basic,
    ClientAuth::BasicAndBody,
    ClientAuth::Form,
    ClientAuth::Json,
    ClientAuth::None,
    ClientAuth::PrivateKeyJwt,
];

const MODES: [InitiateOAuth; 3] = [
    InitiateOAuth::Getandrefresh,
    InitiateOAuth::Refresh,
    InitiateOAuth::Off,
];

prop_compose! {
    /// The answers of a first sign-in to any shipped profile, method and
    /// region, with every optional part present or not.
    pub(crate) fn first_sign_in()(
        p in any::<Index>(), s in any::<Index>(), reg in any::<Index>(),
        vars_seed in proptest::collection::vec(any::<Option<Index>>(), 8),
        eps in (
            proptest::option::of(url("test")),
            proptest::option::of(url("revoke")),
            proptest::option::of("[a-z]{1,8}".prop_map(|h| format!("https://{h}.example.net"))),
        ),
        needed in (url("authorize"), url("token"), url("device"), url("signin")),
        client_id in proptest::option::of("[a-zA-Z0-9-]{1,20}"),
        client_secret in secret(), store_client_secret in any::<bool>(),
        auth in proptest::option::of(0..AUTHS.len()),
        key in proptest::option::of(("[a-z]{1,8}", any::<bool>())),
        username in proptest::option::of("[a-z]{1,8}@example\\.com"),
        password in secret(), store_password in any::<bool>(),
        ids in (proptest::option::weighted(0.8, "[0-9]{1,6}"), proptest::option::weighted(0.8, "[0-9]{1,6}")),
        static_token in secret(),
        scopes in proptest::option::of(proptest::collection::vec(any::<Index>(), 0..4)),
        callback in proptest::option::of(1024u16..65000),
        own_scope in any::<bool>(),
        mode in 0..MODES.len(),
    ) -> LoginInput {
        let profiles = profiles();
        let profile = &profiles[p.index(profiles.len())];
        let scheme = &profile.schemes[s.index(profile.schemes.len())];
        let mut input = LoginInput {
            profile_id: profile.id.clone(),
            scheme: Some(scheme.id.clone()),
            region: (!profile.regions.is_empty())
                .then(|| profile.regions[reg.index(profile.regions.len())].id.clone()),
            ..LoginInput::default()
        };
        let names: Vec<&String> = profile.vars.keys().collect();
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        for (name, pick) in names.iter().zip(vars_seed) {
            if pick.is_some() {
                let v = var_value(name).new_tree(&mut runner).unwrap().current();
                input.vars.insert((*name).clone(), v);
            }
        }
        input.endpoints.test_url = eps.0;
        input.endpoints.revocation_url = eps.1;
        input.endpoints.issuer = eps.2;
        if scheme.discovery {
            // Saved documents of discovery methods hold what it found.
            input.endpoints.authorize_url = Some(needed.0);
            input.endpoints.token_url = Some(needed.1);
            input.endpoints.device_authorization_url = Some(needed.2);
            input.endpoints.signin_url = Some(needed.3);
        }
        input.client_id = client_id;
        input.client_secret = client_secret;
        input.store_client_secret = store_client_secret;
        input.client_auth = auth.map(|i| AUTHS[i]);
        input.client_key = key.map(|(k, cert)| ClientKey {
            key_file: format!("/keys/{k}.pem").into(),
            cert_file: cert.then(|| format!("/keys/{k}.crt").into()),
        });
        input.username = username;
        input.password = password;
        input.store_password = store_password;
        input.org_id = ids.0;
        input.event_id = ids.1;
        input.static_token = static_token;
        input.scopes = scopes.map(|picks| {
            let mut v: Vec<String> = picks.iter()
                .filter(|_| !profile.scopes.is_empty())
                .map(|i| profile.scopes[i.index(profile.scopes.len())].name.clone())
                .collect();
            // An API's own scope, which no profile lists.
            if own_scope {
                v.push("https://api.example.com/.default".into());
            }
            v
        });
        input.callback_url = callback.map(|port| format!("http://127.0.0.1:{port}/callback"));
        input.initiate_oauth = MODES[mode];
        input
    }
}

prop_compose! {
    /// What a grant adds to a document: tokens, their times, who signed
    /// in, a test, a hand-off.
    pub(crate) fn grant()(
        access in "[a-zA-Z0-9]{1,20}", refresh in proptest::option::of("[a-zA-Z0-9]{1,20}"),
        expires_in in proptest::option::of(1i64..100_000),
        email in proptest::option::of("[a-z]{1,8}@example\\.com"),
        tested in any::<bool>(), handed in any::<bool>(), imported in any::<bool>(),
        created in 1_600_000_000i64..1_700_000_000,
    ) -> (crate::oauth::TokenSet, Option<Account>, bool, bool, bool, i64) {
        let t = crate::oauth::TokenSet {
            access_token: SecretString::from(access),
            token_type: Some("Bearer".into()),
            expires_in,
            refresh_token: refresh.map(SecretString::from),
            id_token: None,
            scope: None,
            refresh_expires_in: None,
        };
        let account = email.map(|e| Account { email: Some(e), ..Account::default() });
        (t, account, tested, handed, imported, created)
    }
}

pub(crate) fn with_grant(
    mut s: Settings,
    (t, account, tested, handed, imported, created): (
        crate::oauth::TokenSet,
        Option<Account>,
        bool,
        bool,
        bool,
        i64,
    ),
) -> Settings {
    apply_tokens(&mut s, t, None);
    s.meta.account = account;
    s.meta.last_test = tested.then(|| LastTest::now(true, "HTTP 200"));
    if handed {
        s.meta.handed_off_at = Some(created + 10);
        s.meta.handed_off_to = Some("C:\\cdata\\settings.txt".into());
    }
    s.meta.imported = imported;
    s.meta.created_at = created;
    s
}

/// The document without what a new grant replaces: its tokens, their
/// times and granted scopes, who signed in, the last test (of the old
/// token), a hand-off and an import (of the old refresh token).
pub(crate) fn lasting(s: &Settings) -> (crate::settings::Meta, [Option<String>; 3]) {
    let mut m = s.meta.clone();
    m.token_type = None;
    m.expires_at = None;
    m.token_timestamp_ms = None;
    m.updated_at = 0;
    m.granted_scopes = None;
    m.account = None;
    m.last_test = None;
    m.handed_off_at = None;
    m.handed_off_to = None;
    m.imported = false;
    let text = |v: &Option<SecretString>| v.as_ref().map(|v| v.expose_secret().to_string());
    let kept = [
        text(&s.secrets.client_secret),
        text(&s.secrets.password),
        text(&s.secrets.static_token),
    ];
    (m, kept)
}

/// Signs in again to `saved` with `edits` (no request: every URL is
/// saved), as a new grant arrives.
fn sign_in_again(saved: &Settings, edits: &Edits, new: crate::oauth::TokenSet) -> Settings {
    let input = again(saved, edits, profiles());
    let r = resolved(&input).unwrap_or_else(|e| panic!("{e}: {input:#?}"));
    let mut fresh = document(&r, &input);
    apply_tokens(&mut fresh, new, None);
    keep(saved, &mut fresh);
    fresh
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn signing_in_again_keeps_the_whole_document(
        first in first_sign_in(), old in grant(), new in grant(),
    ) {
        let r = resolved(&first);
        prop_assume!(r.is_ok(), "{:?}", r);
        let saved = with_grant(document(&r.unwrap(), &first), old);
        let fresh = sign_in_again(&saved, &Edits::default(), new.0);
        prop_assert_eq!(lasting(&fresh), lasting(&saved));
        prop_assert_eq!(fresh.meta.created_at, saved.meta.created_at);
        prop_assert!(fresh.meta.endpoints.revocation_url == saved.meta.endpoints.revocation_url);
    }

    #[test]
    fn changing_scopes_changes_only_the_scopes(
        first in first_sign_in(), old in grant(), new in grant(),
        picks in proptest::collection::vec(any::<Index>(), 0..5),
    ) {
        let r = resolved(&first);
        prop_assume!(r.is_ok(), "{:?}", r);
        let r = r.unwrap();
        let names: Vec<String> = r.profile.scopes.iter().map(|s| s.name.clone()).collect();
        let scopes: Vec<String> = picks
            .iter()
            .filter(|_| !names.is_empty())
            .map(|i| names[i.index(names.len())].clone())
            .collect();
        let uses = r.scheme.uses_scopes;
        let saved = with_grant(document(&r, &first), old);
        let fresh = sign_in_again(&saved, &Edits::scopes(scopes.clone()), new.0);
        let (mut want, kept) = lasting(&saved);
        want.scopes = if uses { scopes } else { Vec::new() };
        prop_assert_eq!(lasting(&fresh), (want, kept));
    }
}

fn cvent_eu(host: &str) -> Settings {
    let input = LoginInput {
        profile_id: "cvent".into(),
        scheme: Some("authorization_code".into()),
        region: Some("eu".into()),
        vars: [("host".to_string(), host.to_string())].into(),
        client_id: Some("c".into()),
        ..LoginInput::default()
    };
    let r = resolved(&input).unwrap();
    let mut s = document(&r, &input);
    s.meta.endpoints.revocation_url = Some("https://revoke.example.org/r".into());
    s
}

#[test]
fn an_edited_variable_makes_again_only_the_endpoints_made_from_it() {
    let saved = cvent_eu("https://eu.example.com");
    assert_eq!(
        saved.meta.endpoints.token_url.as_deref(),
        Some("https://eu.example.com/ea/oauth2/token")
    );
    let edits = Edits {
        vars: [("host".to_string(), Some("https://other.example.com".into()))].into(),
        ..Edits::default()
    };
    let input = again(&saved, &edits, profiles());
    let r = resolved(&input).unwrap();
    assert_eq!(
        r.endpoints.token_url.as_deref(),
        Some("https://other.example.com/ea/oauth2/token")
    );
    assert_eq!(
        r.endpoints.test_url.as_deref(),
        Some("https://other.example.com/ea/token-validation")
    );
    // Not made from the host: kept as saved.
    assert_eq!(
        r.endpoints.revocation_url.as_deref(),
        Some("https://revoke.example.org/r")
    );
}

#[test]
fn another_region_gives_its_own_host_unless_one_was_typed() {
    let profiles = profiles();
    let cvent = profiles.iter().find(|p| p.id == "cvent").unwrap();
    let na = cvent.region(Some("na")).unwrap().unwrap().vars["host"].clone();
    let eu = cvent.region(Some("eu")).unwrap().unwrap().vars["host"].clone();
    let edits = Edits {
        region: Some(Some("na".into())),
        ..Edits::default()
    };
    // The EU host came from the region: the NA one replaces it.
    let input = again(&cvent_eu(&eu), &edits, profiles);
    let r = resolved(&input).unwrap();
    assert_eq!(r.vars["host"], na);
    assert_eq!(
        r.endpoints.token_url.as_deref(),
        Some(format!("{na}/ea/oauth2/token").as_str())
    );
    // A host typed with `--var host=…` is the person's: it stays.
    let typed = "https://typed.example.com";
    let r = resolved(&again(&cvent_eu(typed), &edits, profiles)).unwrap();
    assert_eq!(r.vars["host"], typed);
}

#[test]
fn a_new_issuer_is_discovered_again() {
    let mut saved = Settings::new(
        crate::settings::Meta::new(
            "custom",
            "authorization_code",
            SchemeKind::AuthorizationCode,
        ),
        Default::default(),
    );
    let e = &mut saved.meta.endpoints;
    e.issuer = Some("https://old.example.com".into());
    e.authorize_url = Some("https://old.example.com/authorize".into());
    e.token_url = Some("https://old.example.com/token".into());
    e.revocation_url = Some("https://old.example.com/revoke".into());
    saved
        .meta
        .vars
        .insert("issuer".into(), "https://old.example.com".into());
    let new = Some("https://new.example.com".to_string());
    let edits = Edits {
        vars: [("issuer".to_string(), new.clone())].into(),
        endpoints: vec![(Endpoint::Issuer, new.clone())],
        ..Edits::default()
    };
    let input = again(&saved, &edits, profiles());
    assert_eq!(input.endpoints.issuer, new);
    // What the old issuer's discovery found goes: the new one's will come.
    assert_eq!(input.endpoints.authorize_url, None);
    assert_eq!(input.endpoints.token_url, None);
    assert_eq!(input.endpoints.revocation_url, None);
    // Without edits, nothing is discovered again: all is kept.
    let same = again(&saved, &Edits::default(), profiles());
    assert_eq!(same.endpoints, saved.meta.endpoints);
}
